"""Hub users (local accounts of a private hub; on a public hub, the accounts made at first
sign-in), run by `jupyter users` through SSM Run Command.

    python3 -m configure.users add --json -      request on stdin: {"users": [{"email", "admin"}]}
    python3 -m configure.users remove --json -   request on stdin: {"users": [{"email"}], "deleteHome": bool}
    python3 -m configure.users list

The request arrives as JSON read by this fixed code, never as shell text. Accounts come
from the registry in accounts.py (stable names and UIDs, never merged). A new account's
password is generated here and stored only as an SSM SecureString
(/arw/<env>/users/<name>/password); stdout carries one JSON result per person, never a
password.
"""
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import aws, load_config  # noqa: E402
from configure import accounts  # noqa: E402

# The CLI checks addresses too; this is the instance's own guard (the request is untrusted).
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_USERS = 200
HUB_API = "http://127.0.0.1:8000/hub/api"
# Of the CLI's 120 s wait for `users list`, the time spent summing home sizes.
LIST_SIZE_SECONDS = 45
# The hub service allowed to delete hub users (configure.py writes it, jupyterhub_config.py registers it).
USERS_TOKEN = "/etc/aws-research-wizard/users-admin.token"


def password_parameter(environment, name):
    return f"/arw/{environment}/users/{name}/password"


class Host:
    """What touches the machine and AWS; unit tests replace it."""

    def __init__(self, config):
        self.config = config
        self._ssm = None

    def ssm(self):
        if self._ssm is None:
            self._ssm = aws("ssm", self.config)
        return self._ssm

    def ensure_account(self, entry):
        return accounts.ensure_account(entry)

    def has_password(self, name):
        status = subprocess.run(["passwd", "--status", name], capture_output=True, text=True, check=False).stdout.split()
        return len(status) > 1 and status[1] == "P"

    def set_password(self, name, password):
        # chpasswd reads "name:password" on stdin: the password never appears in argv.
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)

    def store_password(self, parameter, password):
        self.ssm().put_parameter(Name=parameter, Value=password, Type="SecureString", Overwrite=True)

    def delete_password(self, parameter):
        try:
            self.ssm().delete_parameter(Name=parameter)
        except Exception:  # noqa: BLE001 - already gone is the goal
            pass

    def end_hub_session(self, name, hub_api=HUB_API, token_file=USERS_TOKEN):
        """Deletes the person from the hub: it stops their server first, and their hub cookie
        names a user that no longer exists, so it signs no one in (the cookie lasts 14 days)."""
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError:
            raise RuntimeError("the hub has no user-removal token (redeploy the environment to add it)") from None
        request = urllib.request.Request(
            f"{hub_api}/users/{urllib.parse.quote(name, safe='')}", method="DELETE", headers={"Authorization": f"token {token}"}
        )
        try:
            urllib.request.urlopen(request, timeout=60).close()
        except urllib.error.HTTPError as error:
            if error.code != 404:  # 404: not a hub user (never signed in, or already deleted)
                raise RuntimeError(f"the hub refused to remove {name} (HTTP {error.code})") from None
        except (urllib.error.URLError, OSError) as error:
            raise RuntimeError(f"the hub did not answer ({error})") from None

    def remove_account(self, name):
        # The account goes, its files stay (userdel without --remove); the registry keeps
        # the name and UID, so re-adding the person gives back the same home. Their server
        # unit (SystemdSpawner's name), terminals and every other process end with it.
        subprocess.run(["systemctl", "stop", f"jupyter-{name}-singleuser"], capture_output=True, check=False)
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, check=False)
        result = subprocess.run(["userdel", name], capture_output=True, text=True, check=False)
        if result.returncode not in (0, 6):  # 6: no such user on this instance
            raise RuntimeError(f"userdel {name}: {result.stderr.strip()}")

    def delete_home(self, path):
        shutil.rmtree(path, ignore_errors=False)

    def home_bytes(self, path, timeout):
        try:
            result = subprocess.run(["du", "-sb", "--", path], capture_output=True, text=True, check=False, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        try:
            return int(result.stdout.split()[0])
        except (IndexError, ValueError):
            return None

    def last_login(self, name):
        result = subprocess.run(["lastlog", "--user", name], capture_output=True, text=True, check=False)
        lines = result.stdout.strip().splitlines()
        if len(lines) < 2 or "Never logged in" in lines[-1]:
            return None
        return " ".join(lines[-1].split()[3:]) or None


def _requested_users(request):
    users = request.get("users") if isinstance(request, dict) else None
    if not isinstance(users, list) or not users or len(users) > MAX_USERS:
        raise ValueError(f"the request needs a list of 1 to {MAX_USERS} users")
    return users


def _checked_email(item):
    email = item.get("email") if isinstance(item, dict) else None
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email.strip()):
        return None
    return email.strip()


def _distinct_users(request, results):
    """Yields (item, email, sign-in key) once per person; records invalid addresses and repeats in results, in order."""
    seen = set()
    for item in _requested_users(request):
        email = _checked_email(item)
        if email is None:
            results.append({"email": str(item.get("email") if isinstance(item, dict) else item)[:254], "status": "invalid", "message": "not an e-mail address"})
            continue
        key = accounts.signin_key(email)
        if key in seen:
            results.append({"email": email, "status": "duplicate", "message": "given more than once"})
            continue
        seen.add(key)
        yield item, email, key


def add(request, host, environment):
    results = []
    for item, email, key in _distinct_users(request, results):
        admin = bool(item.get("admin"))
        previous = accounts.load_registry()["users"].get(key)
        entry = accounts.assign(email, admin=admin)
        name = host.ensure_account(entry)
        parameter = password_parameter(environment, name)
        result = {"email": email, "name": name, "uid": entry["uid"], "admin": bool(entry.get("admin"))}
        if host.has_password(name):
            result.update(status="exists", message="already has an account; password unchanged")
        else:
            password = secrets.token_urlsafe(18)
            host.set_password(name, password)
            host.store_password(parameter, password)
            result.update(status="created" if previous is None else "restored", passwordParameter=parameter)
        results.append(result)
    return results


def remove(request, host, environment):
    results = []
    registry = accounts.load_registry()["users"]
    delete_home = bool(request.get("deleteHome"))
    for _item, email, key in _distinct_users(request, results):
        entry = registry.get(key)
        # sessionPending: removed while the hub did not answer; a rerun finishes the job.
        if entry is None or (entry.get("removed") and not entry.get("sessionPending")):
            results.append({"email": email, "status": "not-found", "message": "no such hub user"})
            continue
        name = entry["name"]
        home = os.path.join(accounts.HOME_ROOT, name)
        # The account goes first (server, terminals, processes ended, no Linux login); then
        # the hub forgets the person, which is what ends their hub session: an account gone
        # from Linux but kept by the hub would still sign in with its cookie.
        if not entry.get("removed"):
            host.remove_account(name)
            host.delete_password(password_parameter(environment, name))
            accounts.update_entry(email, removed=True)
        try:
            host.end_hub_session(name)
        except RuntimeError as error:
            accounts.update_entry(email, sessionPending=True)
            message = f"account locked and its processes ended, but the hub session was not ended: {error}"
            results.append({"email": email, "name": name, "status": "failed", "homeKept": os.path.isdir(home), "message": message})
            continue
        accounts.update_entry(email, sessionPending=None)
        if delete_home and os.path.isdir(home):
            host.delete_home(home)
        results.append({"email": email, "name": name, "status": "removed", "homeKept": os.path.isdir(home), "home": home})
    return results


def list_users(host, budget_seconds=LIST_SIZE_SECONDS, clock=time.monotonic):
    # Summing every home can outlast the CLI's wait on a large volume: sizes are measured
    # within a budget, and the homes left over are listed without one (homeBytes null).
    deadline = clock() + budget_seconds
    users = []
    for key, entry in sorted(accounts.load_registry()["users"].items(), key=lambda item: item[1]["uid"]):
        if entry.get("removed"):
            continue
        home = os.path.join(accounts.HOME_ROOT, entry["name"])
        users.append(
            {
                "email": key,
                "name": entry["name"],
                "uid": entry["uid"],
                "admin": bool(entry.get("admin")),
                "status": "active" if host.has_password(entry["name"]) else "no-password",
                "lastSignIn": host.last_login(entry["name"]),
                "homeBytes": host.home_bytes(home, timeout=deadline - clock()) if os.path.isdir(home) and clock() < deadline else None,
            }
        )
    return users


def _read_request(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv, host=None, config=None):
    usage = "usage: python3 -m configure.users add --json FILE|- | remove --json FILE|- | list"
    if not argv or argv[0] not in ("add", "remove", "list") or (argv[0] != "list" and (len(argv) != 3 or argv[1] != "--json")):
        print(usage, file=sys.stderr)
        return 2
    config = config if config is not None else load_config()
    host = host or Host(config)
    environment = config["environment"]
    try:
        if argv[0] == "list":
            print(json.dumps({"users": list_users(host)}))
            return 0
        request = _read_request(argv[2])
        results = (add if argv[0] == "add" else remove)(request, host, environment)
    except (ValueError, OSError) as error:
        print(json.dumps({"error": str(error)[:500]}))
        return 2
    print(json.dumps({"results": results}))
    return 0 if all(r["status"] in ("created", "restored", "exists", "removed") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
