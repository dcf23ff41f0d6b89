# aws-research-wizard: the usage recorder's hub service (installed by configure.py as
# arw-usage-recorder.py in jupyterhub_config.d). It reads who has a server running, for
# the per-person cost split; it can change nothing.
_usage_token_file = os.path.join(ETC, "usage-recorder.token")
if os.path.exists(_usage_token_file):
    with open(_usage_token_file, encoding="utf-8") as _handle:
        _usage_token = _handle.read().strip()
    c.JupyterHub.services = [*c.JupyterHub.services, {"name": "usage-recorder", "api_token": _usage_token}]
    c.JupyterHub.load_roles = [
        *c.JupyterHub.load_roles,
        {"name": "usage-recorder", "scopes": ["list:users", "read:users:name", "read:servers"], "services": ["usage-recorder"]},
    ]
