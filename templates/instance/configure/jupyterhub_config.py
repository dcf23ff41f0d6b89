# JupyterHub configuration for an aws-research-wizard environment.
# Everything environment-specific comes from the JSON the stack wrote
# (ARW_CONFIG) and the sign-in settings fetched at boot (hub.json, oauth.env),
# so this file is identical for every environment and can be tested as is.
import glob
import importlib.util
import json
import os
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

CONFIG_PATH = os.environ.get("ARW_CONFIG", "/etc/aws-research-wizard/environment.json")
ETC = os.path.dirname(CONFIG_PATH)
STATE_DIR = os.environ.get("ARW_STATE_DIR", "/var/lib/jupyterhub")

LIB = os.environ.get("ARW_LIB", "/opt/aws-research-wizard")
sys.path.insert(0, LIB)
from configure import accounts  # noqa: E402 - one registry of sign-ins and accounts

with open(CONFIG_PATH, encoding="utf-8") as handle:
    env = json.load(handle)


c.JupyterHub.bind_url = "http://0.0.0.0:8000"
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE_DIR}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{STATE_DIR}/jupyterhub-proxy.pid"
c.JupyterHub.shutdown_on_logout = False
c.Spawner.default_url = "/lab" if env.get("interface", "lab") == "lab" else "/tree"
c.Spawner.notebook_dir = "~"
# The single-user server comes from the hub's environment; PATH puts the kernels'
# environments first so terminals find the pack's tools (written by configure.py).
c.Spawner.cmd = [os.path.join(os.environ.get("ARW_HUB_ENV", "/opt/conda/envs/hub"), "bin", "jupyterhub-singleuser")]
try:
    with open(os.path.join(ETC, "paths.json"), encoding="utf-8") as handle:
        tool_path = json.load(handle)["path"]
except (OSError, ValueError, KeyError):
    tool_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
c.Spawner.environment = {
    "ARW_ENVIRONMENT": env["environment"],
    "ARW_NOTEBOOK_BUCKET": env.get("notebookBucket") or "",
    "PATH": tool_path,
}
# Sign-in names (e-mail addresses) map to Linux accounts through the registry on the
# home volume: unique, stable across instance replacement, never merged.
# Administrators: the deploy's --admin-email, and whoever `jupyter users add --admin` marked
# in the registry (private hubs); public hubs also take the user pool's admin group below.
admins = {accounts.name_for(email) for email in env.get("adminUsers", [])} | accounts.registry_admins()
# The Cognito group whose members are hub administrators (src/lib/users/cognito.ts ADMIN_GROUP).
ADMIN_GROUP = "hub-admins"

authenticator = env.get("authenticator", "cognito")
if authenticator == "cognito":
    from oauthenticator.generic import LocalGenericOAuthenticator

    class CognitoAuthenticator(LocalGenericOAuthenticator):
        def normalize_username(self, username):
            return accounts.hub_name(username)

        def add_system_user(self, user):
            accounts.ensure_account(accounts.entry_by_name(user.name))

    with open(os.path.join(ETC, "hub.json"), encoding="utf-8") as handle:
        hub = json.load(handle)
    cognito = f"https://{hub['cognitoDomain']}.auth.{env['region']}.amazoncognito.com"
    c.JupyterHub.authenticator_class = CognitoAuthenticator
    c.CognitoAuthenticator.client_id = hub["clientId"]
    c.CognitoAuthenticator.client_secret = os.environ.get("OAUTH_CLIENT_SECRET", "")
    c.CognitoAuthenticator.oauth_callback_url = f"{hub['hubUrl']}/hub/oauth_callback"
    c.CognitoAuthenticator.authorize_url = f"{cognito}/oauth2/authorize"
    c.CognitoAuthenticator.token_url = f"{cognito}/oauth2/token"
    c.CognitoAuthenticator.userdata_url = f"{cognito}/oauth2/userInfo"
    c.CognitoAuthenticator.logout_redirect_url = f"{cognito}/logout?client_id={hub['clientId']}&logout_uri={hub['hubUrl']}"
    c.CognitoAuthenticator.scope = ["openid", "email", "profile"]
    c.CognitoAuthenticator.username_claim = "email"
    c.CognitoAuthenticator.login_service = "your institution account"
    # Anyone the user pool lets in may use the hub: the pool is the access list
    # (managed by `aws-research-wizard jupyter users`).
    c.CognitoAuthenticator.allow_all = True
    c.CognitoAuthenticator.create_system_users = True
    c.CognitoAuthenticator.admin_users = admins
    # Group membership is in the ID token (cognito:groups), not in /oauth2/userInfo. With
    # admin_groups set, each sign-in grants or revokes admin by membership (`jupyter users
    # add --admin`); admin_users above stay administrators either way.
    c.CognitoAuthenticator.userdata_from_id_token = True
    c.CognitoAuthenticator.claim_groups_key = "cognito:groups"
    c.CognitoAuthenticator.admin_groups = {ADMIN_GROUP}
elif authenticator == "pam":
    # Private hubs: reached only through SSM port forwarding; local accounts sign in.
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.admin_users = admins
    c.PAMAuthenticator.allow_all = True
elif authenticator == "dummy" and env.get("access") == "private":
    # For local trials behind SSM port forwarding only: any password signs in. A public
    # hub never runs it (the pack validator refuses it too).
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.admin_users = admins
    c.Authenticator.allow_all = True
else:
    raise ValueError(f"authenticator {authenticator!r} is not allowed for {env.get('access')} access ({CONFIG_PATH})")

if authenticator in ("cognito", "pam"):
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = False
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.mem_limit = f"{env.get('memoryGiBPerUser', 4)}G"
    c.SystemdSpawner.cpu_limit = float(env.get("cpuPerUser", 1))

services = []
roles = []
# Idleness follows one model (agent/idle_model.json): the instance's idle agent decides when
# the machine stops; the culler and the servers' own kernel culling must never stop work the
# agent counts as busy. So: kernels are culled only when idle (never while executing), the
# hub's culler stops a server only after the same idle minutes, and the agent reports busy
# kernels and GPU use to the hub as activity (a silent training run sends no messages, which
# is all jupyter_server records as kernel activity).
auto_shutdown = env.get("autoShutdown", {})
idle_minutes = int(auto_shutdown.get("idleMinutes", 60))
if idle_minutes > 0:
    c.Spawner.args = [
        f"--MappingKernelManager.cull_idle_timeout={idle_minutes * 60}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_busy=False",
        # A browser tab left open does not keep a kernel (and the GPU memory it holds) alive.
        "--MappingKernelManager.cull_connected=True",
        f"--TerminalManager.cull_inactive_timeout={idle_minutes * 60}",
        "--TerminalManager.cull_interval=60",
    ]
    if importlib.util.find_spec("jupyterhub_idle_culler") is not None:
        # No --cull-users (accounts stay), no --max-age (a long run is not a reason to stop it).
        services.append({"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle_minutes * 60}", "--cull-every=60"]})
        roles.append({"name": "idle-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"], "services": ["idle-culler"]})

token_file = os.path.join(ETC, "idle-agent.token")
if os.path.exists(token_file):
    with open(token_file, encoding="utf-8") as handle:
        services.append({"name": "idle-agent", "api_token": handle.read().strip()})
    # access:servers: read each server's kernels and terminals; users:activity: report busy
    # kernels and GPU use so the culler sees them.
    roles.append({"name": "idle-agent", "scopes": ["list:users", "read:users:activity", "read:servers", "access:servers", "users:activity"], "services": ["idle-agent"]})

users_token_file = os.path.join(ETC, "users-admin.token")
if os.path.exists(users_token_file):
    with open(users_token_file, encoding="utf-8") as handle:
        services.append({"name": "users-admin", "api_token": handle.read().strip()})
    # configure/users.py remove: deleting a hub user stops their server and ends their hub session.
    roles.append({"name": "users-admin", "scopes": ["delete:users"], "services": ["users-admin"]})

IDLE_ANNOUNCEMENT = os.environ.get("ARW_IDLE_ANNOUNCEMENT", "/run/aws-research-wizard/idle/announcement.txt")


class IdleAnnouncement(dict):
    """template_vars whose `announcement` is the idle agent's warning, read at each page view
    (the file exists only while a stop is pending), so the banner needs no hub restart.
    Jinja escapes it. A dict whose keys are computed: JupyterHub merges template_vars with
    dict.update, which takes the keys()/__getitem__ path for a dict subclass like this one."""

    def _text(self):
        try:
            with open(IDLE_ANNOUNCEMENT, encoding="utf-8") as handle:
                return handle.read(2000).strip()
        except OSError:
            return ""

    def keys(self):
        return ["announcement"] if self._text() else []

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __getitem__(self, key):
        if key != "announcement":
            raise KeyError(key)
        return self._text()  # "" if the warning was withdrawn in between: no banner

    def items(self):
        return [(key, self[key]) for key in self.keys()]

    def __reduce_ex__(self, protocol):
        # traitlets deep-copies config values: keep the live object, not a snapshot.
        return (IdleAnnouncement, ())


c.JupyterHub.template_vars = IdleAnnouncement()

c.JupyterHub.services = services
c.JupyterHub.load_roles = roles


# Site additions, as The Littlest JupyterHub does: *.py files in jupyterhub_config.d are
# read last, in name order, for settings an administrator adds by hand on the instance.
for extra in sorted(glob.glob(os.path.join(ETC, "jupyterhub_config.d", "*.py"))):
    with open(extra, encoding="utf-8") as handle:
        exec(compile(handle.read(), extra, "exec"))  # noqa: S102 - root-owned files by design
