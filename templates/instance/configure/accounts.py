"""Linux accounts for hub users, kept stable across instance replacement.

The registry lives on the home volume (/home/.aws-research-wizard/users.json), next to
the data it describes: a replacement instance (new /etc/passwd) recreates every account
with the same name and UID, so each person keeps their files. A sign-in name maps to
exactly one account and an account to exactly one sign-in: two e-mails that would
shorten to the same name get distinct names (a suffix from a hash of the full
sign-in), recorded once and never merged or reused.
"""
import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import read_json, write_json  # noqa: E402
from configure import examples  # noqa: E402

HOME_ROOT = os.environ.get("ARW_HOME_ROOT", "/home")
UID_BASE = 2000  # above the image's own accounts (ubuntu is 1000)
UID_MAX = 59999
BASE_MAX = 20
# Group of every hub user: read-write data mounts are writable by it.
USERS_GROUP = "arw-users"
USERS_GID = 1999


def _registry_dir():
    return os.environ.get("ARW_ACCOUNTS_DIR", "/home/.aws-research-wizard")


def _registry_path():
    return os.path.join(_registry_dir(), "users.json")


@contextlib.contextmanager
def _locked():
    os.makedirs(_registry_dir(), mode=0o700, exist_ok=True)
    with open(os.path.join(_registry_dir(), "users.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_registry():
    registry = read_json(_registry_path(), None)
    if not isinstance(registry, dict) or not isinstance(registry.get("users"), dict):
        registry = {"version": 1, "users": {}}
    return registry


def signin_key(signin):
    return signin.strip().lower()


def base_name(signin):
    """A readable start for the account name: the e-mail's local part, made safe."""
    local = signin_key(signin).split("@", 1)[0]
    name = re.sub(r"[^a-z0-9]+", "-", local).strip("-")
    if not name or not name[0].isalpha():
        name = "u-" + name
    return name[:BASE_MAX].rstrip("-")


def _system_name_taken(name, registry_names):
    if name in registry_names:
        return True
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True  # an image account (root, ubuntu, daemon...) is never handed to a person


def _choose_name(key, registry):
    names = {entry["name"] for entry in registry["users"].values()}
    candidate = base_name(key)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    length = 6
    while _system_name_taken(candidate, names):
        candidate = f"{base_name(key)[: BASE_MAX - length - 1].rstrip('-')}-{digest[:length]}"
        length += 2
    return candidate


def _choose_uid(registry):
    used = {entry["uid"] for entry in registry["users"].values()}
    uid = max(used | {UID_BASE - 1}) + 1
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            break
        uid += 1
    if uid > UID_MAX:
        raise RuntimeError("no free UID left for hub users")
    return uid


def assign(signin, admin=False):
    """The account for a sign-in name: recorded on first use, the same ever after."""
    key = signin_key(signin)
    if not key or len(key) > 256 or any(ord(c) < 32 for c in key):
        raise ValueError("sign-in name is empty, too long or has control characters")
    with _locked():
        registry = load_registry()
        entry = registry["users"].get(key)
        if entry is None:
            entry = {"name": _choose_name(key, registry), "uid": _choose_uid(registry), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            registry["users"][key] = entry
        if admin and not entry.get("admin"):
            entry["admin"] = True
        # Signing in (or being added) again after `users remove`: same name and UID as before.
        entry.pop("removed", None)
        write_json(_registry_path(), registry, mode=0o600)
    return entry


def entry_by_name(name):
    """The registry entry of an account name (JupyterHub knows users by account name)."""
    for entry in load_registry()["users"].values():
        if entry["name"] == name:
            return entry
    raise KeyError(f"{name} is not a registered hub account")


def name_for(signin):
    return assign(signin)["name"]


def hub_name(username):
    """The account name for a name JupyterHub hands the authenticator. Sign-ins are e-mail
    addresses (the username claim); JupyterHub also normalizes names that are already
    account names (admin_users at start-up, API calls), and those must stay themselves:
    assigning one as a new sign-in would invent a second, phantom account for that person."""
    if "@" not in username:
        try:
            return entry_by_name(username)["name"]
        except KeyError:
            pass
    return name_for(username)


def ensure_group():
    if subprocess.run(["getent", "group", USERS_GROUP], capture_output=True, check=False).returncode != 0:
        subprocess.run(["groupadd", "--gid", str(USERS_GID), USERS_GROUP], check=True)


def ensure_account(entry):
    """Creates the Linux account of a registry entry if this instance lacks it.

    Never creates a second account for a person and never changes a UID: a home
    directory already on the volume keeps its owner and its files.
    """
    name, uid = entry["name"], int(entry["uid"])
    home = os.path.join(HOME_ROOT, name)
    try:
        existing = pwd.getpwnam(name)
    except KeyError:
        existing = None
    if existing is not None and existing.pw_uid != uid:
        raise RuntimeError(f"account {name} exists with UID {existing.pw_uid}, the registry says {uid}")
    if existing is None:
        ensure_group()
        if subprocess.run(["getent", "group", name], capture_output=True, check=False).returncode != 0:
            subprocess.run(["groupadd", "--gid", str(uid), name], check=True)
        subprocess.run(
            ["useradd", "--uid", str(uid), "--gid", str(uid), "--groups", USERS_GROUP, "--home-dir", home, "--no-create-home", "--shell", "/bin/bash", name],
            check=True,
        )
    if not os.path.isdir(home):
        shutil.copytree("/etc/skel", home, symlinks=True) if os.path.isdir("/etc/skel") else os.makedirs(home)
        # A new home only: the examples are copied once and a user's edits are never overwritten.
        examples.seed_home(home)
        for root, dirs, files in os.walk(home):
            for item in [root] + [os.path.join(root, d) for d in dirs] + [os.path.join(root, f) for f in files]:
                os.lchown(item, uid, uid)
    # Private to its owner: hub users do not read each other's work.
    os.chmod(home, 0o700)
    return name


def restore_all():
    """Every boot: recreate the accounts of everyone in the registry (not those removed)."""
    registry = load_registry()
    return [ensure_account(entry) for entry in sorted(registry["users"].values(), key=lambda e: e["uid"]) if not entry.get("removed")]


def update_entry(signin, **changes):
    """Changes flags of a recorded entry (admin, removed); names and UIDs never change."""
    key = signin_key(signin)
    with _locked():
        registry = load_registry()
        entry = registry["users"].get(key)
        if entry is None:
            raise KeyError(f"{key} is not a registered hub user")
        for field, value in changes.items():
            if value is None:
                entry.pop(field, None)
            else:
                entry[field] = value
        write_json(_registry_path(), registry, mode=0o600)
    return entry


def registry_admins():
    """Account names the registry marks as administrators (added with `users add --admin`)."""
    return {entry["name"] for entry in load_registry()["users"].values() if entry.get("admin") and not entry.get("removed")}


def main(argv):
    if len(argv) == 2 and argv[0] == "name":
        print(name_for(argv[1]))
        return 0
    if len(argv) == 1 and argv[0] == "restore":
        for name in restore_all():
            print(name)
        return 0
    print("usage: accounts.py name SIGNIN | restore", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
