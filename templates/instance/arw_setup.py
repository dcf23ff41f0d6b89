#!/usr/bin/env python3
"""Instance-side helper for an aws-research-wizard environment.

Reads the environment description written by the stack's user data
(/etc/aws-research-wizard/environment.json) and turns it into systemd units,
kernel installs and agent configuration. Standard library only: it runs under the
image's system python3 before any environment exists.
"""
import argparse
import json
import os
import pwd
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import time

UNIT_SAFE = re.compile(r"[^a-zA-Z0-9]+")


def unix_username(name):
    """Sign-in names are e-mail addresses; Linux accounts need a short safe name."""
    local = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not local or not local[0].isalpha():
        local = "u-" + local
    return local[:32].rstrip("-")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def cmd_get(config, args):
    value = config
    for part in args.key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        print("")
    elif isinstance(value, (dict, list)):
        print(json.dumps(value))
    else:
        print(value)


def mount_unit_name(mount_path):
    return "arw-mount-" + UNIT_SAFE.sub("-", mount_path.strip("/")).strip("-")


def mount_units(config):
    """One systemd service per S3 data mount, running Mountpoint for Amazon S3."""
    units = {}
    for mount in config.get("dataMounts", []):
        source = mount["source"][len("s3://"):]
        bucket, _, prefix = source.partition("/")
        options = ["--allow-other", "--foreground", "--uid", "0", "--gid", "100", "--dir-mode", "0755", "--file-mode", "0644"]
        if mount.get("readOnly", True):
            options.append("--read-only")
        else:
            options += ["--allow-delete", "--allow-overwrite", "--dir-mode", "0775", "--file-mode", "0664"]
        if prefix:
            options += ["--prefix", prefix.rstrip("/") + "/"]
        if mount.get("requesterPays"):
            options.append("--requester-pays")
        if mount.get("region"):
            options += ["--region", mount["region"]]
        path = mount["mountPath"]
        command = " ".join(["/usr/bin/mount-s3"] + [shlex.quote(o) for o in options] + [shlex.quote(bucket), shlex.quote(path)])
        units[mount_unit_name(path) + ".service"] = "\n".join([
            "[Unit]",
            f"Description=S3 data mount s3://{source} at {path}",
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStartPre=/usr/bin/mkdir -p {shlex.quote(path)}",
            f"ExecStart={command}",
            f"ExecStop=/usr/bin/fusermount -u {shlex.quote(path)}",
            "Restart=on-failure",
            "RestartSec=10",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ])
    return units


def kernel_commands(config, conda, hub_env):
    """The shell commands that create one Jupyter kernel per pack kernel."""
    commands = []
    mamba = f"{conda}/bin/mamba"
    data_dir = f"{hub_env}/share/jupyter"
    for kernel in config.get("kernels", []):
        name = kernel["name"]
        env = f"{conda}/envs/{name}"
        channels = [arg for channel in (kernel.get("channels") or ["conda-forge"]) for arg in ("-c", channel)]
        packages = list(kernel.get("packages", []))
        version = kernel.get("version")
        language = kernel["language"]
        if language == "python":
            spec = [f"python={version}" if version else "python", "ipykernel"] + packages
            commands.append([mamba, "create", "-y", "-q", "-p", env] + channels + spec)
            commands.append([f"{env}/bin/python", "-m", "ipykernel", "install", "--prefix", hub_env, "--name", name, "--display-name", kernel["display_name"]])
        elif language == "r":
            spec = [f"r-base={version}" if version else "r-base", "r-irkernel"] + packages
            commands.append([mamba, "create", "-y", "-q", "-p", env] + channels + spec)
            # JSON string literals are valid R string literals, escaping included.
            install = f"IRkernel::installspec(name = {json.dumps(name)}, displayname = {json.dumps(kernel['display_name'])}, prefix = {json.dumps(hub_env)})"
            commands.append([f"{env}/bin/Rscript", "-e", install])
        elif language == "julia":
            spec = [f"julia={version}" if version else "julia"]
            commands.append([mamba, "create", "-y", "-q", "-p", env, "-c", "conda-forge"] + spec)
            julia_packages = json.dumps(["IJulia"] + packages)
            # A JSON list of strings is also a valid Julia vector literal.
            script = f"using Pkg; Pkg.add({julia_packages}); using IJulia; installkernel(\"{kernel['display_name']}\"; specname=\"{name}\")"
            commands.append(["env", f"JULIA_DEPOT_PATH={conda}/julia-depot", f"JUPYTER_DATA_DIR={data_dir}", f"{env}/bin/julia", "-e", script])
        else:
            raise SystemExit(f"unsupported kernel language {language!r} for kernel {name!r}")
    return commands


def cmd_install_kernels(config, args):
    commands = kernel_commands(config, args.conda, args.hub_env)
    if args.plan:
        for command in commands:
            print(shlex.join(command))
        return
    for command in commands:
        print("+ " + shlex.join(command), flush=True)
        subprocess.run(command, check=True)


def cmd_mount_units(config, args):
    os.makedirs(args.unit_dir, exist_ok=True)
    for name, text in mount_units(config).items():
        with open(os.path.join(args.unit_dir, name), "w", encoding="utf-8") as handle:
            handle.write(text)
        print(name)


def service_units(config, hub_env, lib):
    idle = config.get("autoShutdown", {})
    return {
        "jupyterhub.service": "\n".join([
            "[Unit]",
            "Description=JupyterHub for aws-research-wizard environment " + config["environment"],
            "After=network-online.target home.mount",
            "",
            "[Service]",
            "User=root",
            f"Environment=PATH={hub_env}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "Environment=ARW_CONFIG=/etc/aws-research-wizard/environment.json",
            "EnvironmentFile=-/etc/aws-research-wizard/oauth.env",
            "WorkingDirectory=/var/lib/jupyterhub",
            "ExecStartPre=/usr/bin/mkdir -p /var/lib/jupyterhub",
            f"ExecStart={hub_env}/bin/jupyterhub -f /etc/aws-research-wizard/jupyterhub_config.py",
            "StandardOutput=append:/var/log/jupyterhub.log",
            "StandardError=append:/var/log/jupyterhub.log",
            "Restart=always",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]),
        "arw-idle-agent.service": "\n".join([
            "[Unit]",
            "Description=Stop the instance when the hub has been idle",
            "",
            "[Service]",
            "Type=oneshot",
            f"ExecStart=/usr/bin/python3 {lib}/idle_agent.py --config /etc/aws-research-wizard/environment.json --state /var/lib/aws-research-wizard/idle.json",
            "",
        ]),
        "arw-idle-agent.timer": "\n".join([
            "[Unit]",
            f"Description=Idle check every minute (stop after {idle.get('idleMinutes', 60)} idle minutes)",
            "",
            "[Timer]",
            "OnBootSec=10min",
            "OnUnitActiveSec=1min",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]),
    }


def cmd_service_units(config, args):
    os.makedirs(args.unit_dir, exist_ok=True)
    for name, text in service_units(config, args.hub_env, args.lib).items():
        with open(os.path.join(args.unit_dir, name), "w", encoding="utf-8") as handle:
            handle.write(text)


def cloudwatch_config(config):
    metrics = {
        "namespace": "AwsResearchWizard",
        "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
        # Series keyed by instance (and mount path) alone, so `jupyter status` can ask for
        # them without knowing device names or GPU indexes.
        "aggregation_dimensions": [["InstanceId"], ["InstanceId", "path"]],
        "metrics_collected": {
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


def cmd_cloudwatch_config(config, args):
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(cloudwatch_config(config), handle, indent=2)


def aws_json(*arguments):
    output = subprocess.run(["aws", *arguments, "--output", "json"], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def cmd_hub_settings(config, args):
    if not config.get("hubSettingsParameter"):
        return
    region = config["region"]
    deadline = time.time() + 3600
    while True:
        try:
            parameter = aws_json("ssm", "get-parameter", "--region", region, "--name", config["hubSettingsParameter"])
            break
        except subprocess.CalledProcessError:
            if time.time() > deadline:
                raise
            time.sleep(15)
    settings = json.loads(parameter["Parameter"]["Value"])
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(settings, handle, indent=2)
    if config.get("authenticator") == "cognito":
        client = aws_json("cognito-idp", "describe-user-pool-client", "--region", region, "--user-pool-id", settings["userPoolId"], "--client-id", settings["clientId"])
        secret = client["UserPoolClient"]["ClientSecret"]
        # Written root-only and read by systemd, so the secret never reaches a template or a log.
        fd = os.open(args.secret_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"OAUTH_CLIENT_SECRET={secret}\n")


def cmd_admin_accounts(config, args):
    """Private hubs sign in with local accounts: create each admin with a generated
    password and keep the passwords in an SSM SecureString (never in a file or log)."""
    if config.get("authenticator") != "pam":
        return
    created = {}
    for email in config.get("adminUsers", []):
        user = unix_username(email)
        try:
            pwd.getpwnam(user)
            continue
        except KeyError:
            pass
        password = secrets.token_urlsafe(18)
        subprocess.run(["adduser", "-q", "--gecos", "", "--disabled-password", user], check=True)
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True)
        created[user] = password
    if not created:
        return
    request = {"Name": config["adminPasswordParameter"], "Type": "SecureString", "Overwrite": True, "Value": json.dumps(created)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        os.chmod(handle.name, 0o600)
        json.dump(request, handle)
    try:
        subprocess.run(["aws", "ssm", "put-parameter", "--region", config["region"], "--cli-input-json", f"file://{handle.name}"], check=True, capture_output=True)
    finally:
        os.unlink(handle.name)
    print(f"created admin accounts: {', '.join(sorted(created))}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    get = sub.add_parser("get")
    get.add_argument("key")
    kernels = sub.add_parser("install-kernels")
    kernels.add_argument("--conda", default="/opt/conda")
    kernels.add_argument("--hub-env", default="/opt/conda/envs/hub")
    kernels.add_argument("--plan", action="store_true", help="print the commands instead of running them")
    mounts = sub.add_parser("mount-units")
    mounts.add_argument("--unit-dir", required=True)
    services = sub.add_parser("service-units")
    services.add_argument("--unit-dir", required=True)
    services.add_argument("--hub-env", default="/opt/conda/envs/hub")
    services.add_argument("--lib", default="/opt/aws-research-wizard")
    cloudwatch = sub.add_parser("cloudwatch-config")
    cloudwatch.add_argument("--out", required=True)
    hub = sub.add_parser("hub-settings")
    hub.add_argument("--out", required=True)
    hub.add_argument("--secret-out", required=True)
    admins = sub.add_parser("admin-accounts")
    for sub_parser in (get, kernels, mounts, services, cloudwatch, hub, admins):
        sub_parser.add_argument("--config", default="/etc/aws-research-wizard/environment.json")
    args = parser.parse_args(argv)
    config = load(args.config)
    handlers = {
        "get": cmd_get,
        "install-kernels": cmd_install_kernels,
        "mount-units": cmd_mount_units,
        "service-units": cmd_service_units,
        "cloudwatch-config": cmd_cloudwatch_config,
        "hub-settings": cmd_hub_settings,
        "admin-accounts": cmd_admin_accounts,
    }
    handlers[args.command](config, args)


if __name__ == "__main__":
    sys.exit(main())
