"""CloudWatch agent configuration: per-core CPU, memory, disk and GPU metrics, and the boot and hub logs."""


def cloudwatch_config(config):
    metrics = {
        "namespace": "AwsResearchWizard",
        "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
        # Series keyed by instance (and mount path) alone, so `jupyter status` can ask for
        # them without knowing device names or GPU indexes.
        "aggregation_dimensions": [["InstanceId"], ["InstanceId", "path"]],
        "metrics_collected": {
            # Per core (totalcpu false), rolled up by instance: the series' Maximum is the busiest
            # core, which the auto-shutdown alarm and `jupyter status` compare with the pack's
            # threshold (one pegged core on a 32-vCPU host averages 3%).
            "cpu": {"measurement": ["cpu_usage_active"], "totalcpu": False, "resources": ["*"], "metrics_collection_interval": 60},
            "mem": {"measurement": ["mem_used_percent"]},
            "disk": {"measurement": ["used_percent"], "resources": ["/", "/home"]},
        },
    }
    if config.get("gpu"):
        metrics["metrics_collected"]["nvidia_gpu"] = {"measurement": ["utilization_gpu", "memory_used", "memory_total"]}
    return {
        "agent": {"run_as_user": "root"},
        "metrics": metrics,
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {"file_path": "/var/log/aws-research-wizard-bootstrap.log", "log_group_name": config["logGroup"], "log_stream_name": "{instance_id}/bootstrap"},
                        {"file_path": "/var/log/jupyterhub.log", "log_group_name": config["logGroup"], "log_stream_name": "{instance_id}/jupyterhub"},
                    ]
                }
            }
        },
    }

