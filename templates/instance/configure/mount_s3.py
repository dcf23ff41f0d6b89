#!/usr/bin/env python3
"""ExecStart of arw-mount@.service: mounts one S3 data mount with Mountpoint for Amazon S3.

The unit instance name is the systemd-escaped mount path; the mount's settings are
read from environment.json here, so no pack value is ever written into a unit file.
Mountpoint daemonizes once the mount is ready (the unit is Type=forking), so a mount
that fails fails the unit instead of restarting forever.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import load_config, systemd_escape_path  # noqa: E402

MOUNT_S3 = "/usr/bin/mount-s3"
# Members of this group (every hub user) may write to read-write mounts.
USERS_GID = 1999


def mount_arguments(mount):
    """Mountpoint's command line for one data mount (an argument list: no shell)."""
    source = mount["source"][len("s3://"):] if mount["source"].startswith("s3://") else mount["source"]
    bucket, _, prefix = source.partition("/")
    args = [MOUNT_S3, "--allow-other"]
    if mount.get("readOnly", True):
        args += ["--read-only", "--dir-mode", "0555", "--file-mode", "0444"]
    else:
        # Files belong to root (Mountpoint's default owner) and the hub users' group.
        args += ["--allow-delete", "--allow-overwrite", "--gid", str(USERS_GID), "--dir-mode", "0775", "--file-mode", "0664"]
    if prefix.strip("/"):
        args += ["--prefix", prefix.strip("/") + "/"]
    if mount.get("requesterPays"):
        args.append("--requester-pays")
    if mount.get("region"):
        args += ["--region", mount["region"]]
    args += ["--", bucket, mount["mountPath"]]
    return args


def find_mount(config, escaped):
    for mount in config.get("dataMounts", []):
        if systemd_escape_path(mount["mountPath"]) == escaped:
            return mount
    return None


def main(argv):
    if len(argv) != 1:
        print("usage: mount_s3.py ESCAPED_MOUNT_PATH", file=sys.stderr)
        return 2
    mount = find_mount(load_config(), argv[0])
    if mount is None:
        print(f"no data mount named {argv[0]!r} in the environment description", file=sys.stderr)
        return 1
    os.makedirs(mount["mountPath"], mode=0o755, exist_ok=True)
    args = mount_arguments(mount)
    if os.environ.get("ARW_PRINT_ONLY"):
        print("\0".join(args))
        return 0
    os.execv(args[0], args)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
