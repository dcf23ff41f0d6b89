#!/usr/bin/env python3
"""Configure phase: runs on every boot (arw-configure.service, started by the user data).

Idempotent steps, each named for the boot-status report: attach and mount /home (a
device that holds a file system is never formatted), close the instance metadata to
hub users, recreate the hub users from the registry on the home volume (stable UIDs),
shared storage, data mounts, hub settings, then start JupyterHub and signal
CloudFormation once it answers. Pack values arrive in environment.json and are used
as data: argument lists, JSON files and systemd-escaped unit instance names.
"""
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import (  # noqa: E402
    LIB,
    STATE_DIR,
    SYSTEM_PATH,
    StepFailed,
    aws,
    log,
    run_phase,
    read_json,
    retry,
    run,
    systemd_escape_path,
    write_json,
)
from configure import accounts, examples  # noqa: E402

ETC = "/etc/aws-research-wizard"
HOME_DEVICE_NAME = "/dev/sdh"
HUB_URL = "http://127.0.0.1:8000"
METADATA_ADDRESSES = (("iptables", "169.254.169.254/32"), ("ip6tables", "fd00:ec2::254/128"))


def home_device_candidates(volume_id):
    """Where EC2 presents the volume: an NVMe by-id link on Nitro, xvdh on Xen."""
    return [
        "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + volume_id.replace("-", ""),
        "/dev/xvdh",
        HOME_DEVICE_NAME,
    ]


def attach_home(config, progress, wait_minutes=60, sleep=time.sleep):
    volume = config["homeVolumeId"]
    ec2 = aws("ec2", config)
    me = progress.instance
    deadline = time.time() + wait_minutes * 60
    while True:
        described = ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]
        attached = [a["InstanceId"] for a in described.get("Attachments", []) if a.get("State") in ("attaching", "attached")]
        if me in attached:
            break
        if not attached and described.get("State") == "available":
            try:
                ec2.attach_volume(VolumeId=volume, InstanceId=me, Device=HOME_DEVICE_NAME)
            except Exception as error:  # noqa: BLE001 - another attach may be racing; look again
                log(f"attach {volume}: {error}")
        elif time.time() > deadline:
            raise StepFailed("home", f"home volume {volume} is still attached to {', '.join(attached)} after {wait_minutes} min")
        else:
            # During a replacement the old instance still holds the volume until it is terminated.
            progress.report("home", f"waiting for the home volume {volume} (held by {', '.join(attached) or 'nobody'})")
        sleep(5)
    for _ in range(120):
        for device in home_device_candidates(volume):
            if os.path.exists(device):
                return os.path.realpath(device)
        sleep(1)
    raise StepFailed("home", f"home volume {volume} is attached but no device appeared ({', '.join(home_device_candidates(volume))})")


def filesystem_type(device):
    """The file system on a device, '' for a blank one. Anything unclear raises: never guess 'blank'."""
    result = subprocess.run(["blkid", "-p", "-o", "value", "-s", "TYPE", device], capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return result.stdout.strip() or "unknown"
    if result.returncode == 2:
        # blkid found no signature at all. Double-check there is no partition table either.
        table = subprocess.run(["blkid", "-p", "-o", "value", "-s", "PTTYPE", device], capture_output=True, text=True, check=False)
        if table.returncode == 0 and table.stdout.strip():
            return "partitioned"
        return ""
    raise StepFailed("home", f"cannot read {device}: {result.stderr.strip()}")


def mount_home(device):
    if subprocess.run(["mountpoint", "-q", "/home"], check=False).returncode == 0:
        return "already mounted"
    fstype = filesystem_type(device)
    if fstype == "":
        log(f"formatting the new, blank home volume {device}")
        run(["mkfs.xfs", "-q", "-L", "arw-home", device], what="mkfs.xfs")
        fstype = "xfs"
    elif fstype in ("partitioned", "unknown"):
        raise StepFailed("home", f"{device} holds data this hub does not recognise ({fstype}); refusing to format or mount it")
    os.makedirs("/home", exist_ok=True)
    run(["mount", "-t", fstype, "-o", "nodev,nosuid", device, "/home"], what="mount /home")
    return f"mounted {fstype}"


def close_metadata():
    """Instance metadata (and so the hub's role) is for root only, as Zero to JupyterHub
    blocks it for user pods: hub users must not act as the hub."""
    for tool, address in METADATA_ADDRESSES:
        # --socket-exists: the kernel's own replies (the TCP reset below) have no socket, and
        # a negated owner match would otherwise catch and drop them.
        user = ["-m", "owner", "--socket-exists", "!", "--uid-owner", "0"]
        # TCP gets a reset (a clear, immediate "connection refused"); anything else is dropped.
        # Inserted in reverse so the TCP rule ends up first.
        rules = [
            ["OUTPUT", "-d", address, *user, "-j", "DROP"],
            ["OUTPUT", "-d", address, "-p", "tcp", *user, "-j", "REJECT", "--reject-with", "tcp-reset"],
        ]
        for rule in rules:
            if subprocess.run([tool, "-w", "-C", *rule], capture_output=True, check=False).returncode == 0:
                continue
            result = subprocess.run([tool, "-w", "-I", *rule], capture_output=True, text=True, check=False)
            if result.returncode != 0 and tool == "iptables":
                raise StepFailed("firewall", f"could not block instance metadata for users: {result.stderr.strip()}")


def admin_accounts(config):
    """Private hubs sign in with local accounts: each admin gets a generated password,
    kept in an SSM SecureString, never in a file or log. A replacement instance has no
    /etc/shadow of its predecessor, so accounts without a password get a new one."""
    admins = config.get("adminUsers", [])
    names = [accounts.ensure_account(accounts.assign(email, admin=True)) for email in admins]
    if config.get("authenticator") != "pam":
        return names
    created = {}
    for name in names:
        status = subprocess.run(["passwd", "--status", name], capture_output=True, text=True, check=False).stdout.split()
        if len(status) > 1 and status[1] == "P":
            continue
        password = secrets.token_urlsafe(18)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        created[name] = password
    if created and config.get("adminPasswordParameter"):
        ssm = aws("ssm", config)
        try:
            known = json.loads(ssm.get_parameter(Name=config["adminPasswordParameter"], WithDecryption=True)["Parameter"]["Value"])
        except Exception:  # noqa: BLE001 - first boot: no parameter yet
            known = {}
        known.update(created)
        ssm.put_parameter(Name=config["adminPasswordParameter"], Value=json.dumps(known), Type="SecureString", Overwrite=True)
        log(f"admin passwords stored in {config['adminPasswordParameter']} for: {', '.join(sorted(created))}")
    return names


def mount_shared(config):
    fs_id = config.get("sharedFileSystemId")
    if not fs_id:
        return "none"
    os.makedirs("/shared", exist_ok=True)
    if subprocess.run(["mountpoint", "-q", "/shared"], check=False).returncode != 0:
        retry("mount /shared", lambda: run(["mount", "-t", "efs", "-o", "tls,iam,_netdev", f"{fs_id}:/", "/shared"], what="mount /shared"), attempts=8)
    os.chmod("/shared", 0o1777)
    return fs_id


def prepare_scratch(config):
    if int(config.get("scratchGiB") or 0) > 0:
        os.makedirs("/scratch", exist_ok=True)
        os.chmod("/scratch", 0o1777)


def data_mounts(config):
    """One instance of the static arw-mount@.service per mount, named by the escaped path.
    The unit reads the mount's settings from environment.json (mount_s3.py): no pack
    value is written into a unit file."""
    results = {}
    for mount in config.get("dataMounts", []):
        unit = f"arw-mount@{systemd_escape_path(mount['mountPath'])}.service"
        result = subprocess.run(["systemctl", "restart", unit], capture_output=True, text=True, check=False)
        results[mount["mountPath"]] = "ok" if result.returncode == 0 else "failed"
        if result.returncode != 0:
            log(f"data mount {mount['mountPath']} failed; see journalctl -u {unit}")
    return results


def data_directories(config):
    """Empty shared directories for data people bring themselves: every hub user may add
    files (group arw-users, setgid so new files stay in the group), nobody may delete
    another's (sticky)."""
    accounts.ensure_group()
    for path in config.get("dataDirectories", []):
        os.makedirs(path, exist_ok=True)
        os.chown(path, 0, accounts.USERS_GID)
        os.chmod(path, 0o3775)


def hub_settings(config):
    """Public hubs read their sign-in settings (published by the stack once the CloudFront
    distribution exists) and the OAuth client secret."""
    if config.get("access") != "public" or not config.get("hubSettingsParameter"):
        return
    ssm = aws("ssm", config)
    value = retry("hub settings", lambda: ssm.get_parameter(Name=config["hubSettingsParameter"])["Parameter"]["Value"], attempts=12, base_delay=5)
    settings = json.loads(value)
    write_json(os.path.join(ETC, "hub.json"), settings)
    cognito = aws("cognito-idp", config)
    client = cognito.describe_user_pool_client(UserPoolId=settings["userPoolId"], ClientId=settings["clientId"])
    secret = client["UserPoolClient"]["ClientSecret"]
    fd = os.open(os.path.join(ETC, "oauth.env"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"OAUTH_CLIENT_SECRET={secret}\n")


def service_token(file_name):
    """A hub service's API token, made once and readable by root alone."""
    path = os.path.join(ETC, file_name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))


def usage_recorder_service():
    """The usage recorder's hub token and its service (a drop-in the hub config reads last)."""
    service_token("usage-recorder.token")
    drop_ins = os.path.join(ETC, "jupyterhub_config.d")
    os.makedirs(drop_ins, exist_ok=True)
    with open(os.path.join(LIB, "configure", "jupyterhub_config.d", "usage-recorder.py"), encoding="utf-8") as handle:
        source = handle.read()
    target = os.path.join(drop_ins, "arw-usage-recorder.py")
    with open(target + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(source)
    os.replace(target + ".tmp", target)


def start_usage_recorder():
    run(["systemctl", "enable", "--now", "arw-usage-recorder.timer"], what="usage recorder timer")


def tool_path(config):
    """The kernels' environments, for terminals: the pack's command-line tools (samtools, ...)."""
    kernels = read_json(os.path.join(STATE_DIR, "kernels.json"), {})
    bins = [f"/opt/conda/envs/{k['name']}/bin" for k in config.get("kernels", []) if kernels.get(k["name"]) == "ok"]
    return ":".join(bins + [SYSTEM_PATH])


def log_tail(path, lines=5):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return " | ".join(line.strip() for line in handle.readlines()[-lines:])
    except OSError:
        return "(no log)"


def start_hub(config, timeout=300, sleep=time.sleep):
    write_json(os.path.join(ETC, "paths.json"), {"path": tool_path(config)})
    run(["systemctl", "daemon-reload"])
    run(["systemctl", "restart", "jupyterhub.service"], what="start jupyterhub.service")
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(HUB_URL + "/hub/api/", timeout=5) as response:
                version = json.load(response).get("version")
                return version
        except Exception as error:  # noqa: BLE001 - not up yet
            last = str(error)
        # A hub that keeps crashing will not come up by waiting: report it with its own words.
        restarts = subprocess.run(["systemctl", "show", "-p", "NRestarts", "--value", "jupyterhub.service"], capture_output=True, text=True, check=False).stdout.strip()
        if restarts.isdigit() and int(restarts) >= 3:
            raise StepFailed("hub", f"JupyterHub exited {restarts} times while starting: {log_tail('/var/log/jupyterhub.log')}")
        sleep(2)
    state = subprocess.run(["systemctl", "is-active", "jupyterhub.service"], capture_output=True, text=True, check=False).stdout.strip()
    raise StepFailed("hub", f"JupyterHub did not answer on {HUB_URL} within {timeout}s (unit {state}; last error: {last}); see /var/log/jupyterhub.log")


def start_services(config):
    run(["systemctl", "enable", "--now", "arw-idle-agent.timer"], what="idle agent timer")
    run(["systemctl", "enable", "--now", "arw-notebook-sync.timer"], what="notebook sync timer")
    ctl = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
    if os.path.exists(ctl):
        sys.path.insert(0, os.path.join(LIB, "configure"))
        from cloudwatch import cloudwatch_config  # noqa: PLC0415

        path = os.path.join(ETC, "cloudwatch-agent.json")
        write_json(path, cloudwatch_config(config))
        run([ctl, "-a", "fetch-config", "-m", "ec2", "-s", "-c", "file:" + path], what="CloudWatch agent")


def configure(config, progress):
    device = progress.step("home", "attaching the home volume", lambda: attach_home(config, progress))
    progress.step("home", f"mounting /home from {device}", lambda: mount_home(device))
    progress.step("firewall", "closing instance metadata to hub users", close_metadata)
    # Shared storage first: the examples live on it, and accounts created below copy them.
    progress.step("shared", "mounting shared storage", lambda: mount_shared(config))
    placed = progress.step("shared", "placing the example notebooks", lambda: examples.install(config))
    # The count goes into every later boot-status report: quick-start's checklist claims
    # "Example notebooks installed" only from this, never from the plan.
    progress.examples = len(placed) if isinstance(placed, list) else 0
    progress.step("accounts", "restoring hub accounts", accounts.restore_all)
    progress.step("accounts", "creating administrator accounts", lambda: admin_accounts(config))
    progress.step("scratch", "preparing scratch space", lambda: prepare_scratch(config))
    mounts = progress.step("data", "mounting data", lambda: data_mounts(config))
    progress.step("data", "preparing data directories", lambda: data_directories(config))
    progress.step("hub-settings", "reading sign-in settings", lambda: hub_settings(config))
    progress.step("hub-settings", "creating the idle agent's token", lambda: service_token("idle-agent.token"))
    progress.step("hub-settings", "creating the user-removal token", lambda: service_token("users-admin.token"))
    progress.step("hub-settings", "registering the usage recorder with the hub", usage_recorder_service)
    version = progress.step("hub", "starting JupyterHub", lambda: start_hub(config))
    progress.step("services", "starting the idle agent and monitoring", lambda: start_services(config))
    progress.step("services", "starting the usage recorder", start_usage_recorder)
    kernels = read_json(os.path.join(STATE_DIR, "kernels.json"), {})
    problems = [f"kernel {name}: {state}" for name, state in kernels.items() if state != "ok"]
    problems += [f"data mount {path} failed" for path, state in mounts.items() if state != "ok"]
    detail = f"ready: JupyterHub {version}" + (f" ({'; '.join(problems)})" if problems else "")
    progress.report("ready", detail, phase="ready", message="; ".join(problems) or None)
    progress.signal(True)


def main():
    run_phase("configure", configure)


if __name__ == "__main__":
    main()
