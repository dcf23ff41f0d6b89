"""Brings notebooks imported with `jupyter import-notebooks --env` onto the hub.

The CLI uploads to the environment's notebook bucket under two prefixes only:
  notebooks/shared/<path>        -> /shared/notebooks/<path>        (root-owned, read-only copies)
  notebooks/home/<account>/<path> -> /home/<account>/notebooks/<path> (owned by that account)
Run by arw-notebook-sync.timer shortly after boot and every few minutes.

Object keys are untrusted: each is normalised and allow-listed (no "..", ".", empty or
hidden segments, no backslashes or control characters, a registered account name), and
every directory on the way is opened with O_NOFOLLOW relative to the one before, so a
key, or a link a hub user plants in their home or in the world-writable /shared, can
never make this root process write outside the target directory. A file is written to
a temporary name in its directory and renamed over the old one (rename replaces a link,
never follows it). Objects are downloaded again only when their ETag changes; a file a
person deleted from their home stays deleted until a new version is imported. Removed
objects are removed from /shared/notebooks (a mirror), never from anyone's home.
"""
import argparse
import json
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import arw  # noqa: E402

PREFIX = "notebooks/"
SHARED_ROOT = os.environ.get("ARW_SHARED_ROOT", "/shared")
HOME_ROOT = os.environ.get("ARW_HOME_ROOT", "/home")
ACCOUNT = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# The allow-list of one path segment: printable, no separators, not hidden.
SEGMENT = re.compile(r"^[^/\\\x00-\x1f\x7f.][^/\\\x00-\x1f\x7f]{0,254}$")
MAX_KEY = 1024
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def target_for(key):
    """(kind, account, segments) for an allowed key, else None.

    kind is "shared" or "home"; segments is the path below the target directory.
    """
    if not isinstance(key, str) or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY or not key.startswith(PREFIX):
        return None
    parts = key[len(PREFIX):].split("/")
    if len(parts) >= 2 and parts[0] == "shared":
        kind, account, rest = "shared", None, parts[1:]
    elif len(parts) >= 3 and parts[0] == "home" and ACCOUNT.match(parts[1]):
        kind, account, rest = "home", parts[1], parts[2:]
    else:
        return None
    if not rest or any(not SEGMENT.match(segment) for segment in rest):
        return None
    return kind, account, rest


def _open_dir(name, parent_fd, owner, mode, must_be_owned_by=None):
    """Opens (creating if needed) one directory below parent_fd without following links."""
    try:
        os.mkdir(name, mode, dir_fd=parent_fd)
        created = True
    except FileExistsError:
        created = False
    fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    info = os.fstat(fd)
    if created:
        os.fchown(fd, owner[0], owner[1])
        os.fchmod(fd, mode)
    elif must_be_owned_by is not None and info.st_uid != must_be_owned_by:
        os.close(fd)
        raise PermissionError(f"{name} is owned by UID {info.st_uid}, not {must_be_owned_by}")
    return fd


class Target:
    """Where one key's file goes, and who owns it."""

    def __init__(self, kind, account, segments, uid, gid):
        self.kind, self.account, self.segments, self.uid, self.gid = kind, account, segments, uid, gid

    def open_parent(self):
        """The directory fd the file is written in; every step O_NOFOLLOW."""
        if self.kind == "shared":
            # Without shared storage /shared is a plain directory on the root volume.
            os.makedirs(SHARED_ROOT, 0o755, exist_ok=True)
            base = os.open(SHARED_ROOT, DIR_FLAGS)
            chain = ["notebooks"] + self.segments[:-1]
            owner, mode, required = (0, 0), 0o755, 0
        else:
            base = os.open(HOME_ROOT, DIR_FLAGS)
            # The home itself must be the account's (never a link a neighbour made).
            home = os.open(self.account, DIR_FLAGS, dir_fd=base)
            os.close(base)
            if os.fstat(home).st_uid != self.uid:
                os.close(home)
                raise PermissionError(f"{HOME_ROOT}/{self.account} is not owned by {self.account}")
            base = home
            chain = ["notebooks"] + self.segments[:-1]
            owner, mode, required = (self.uid, self.gid), 0o755, None
        fd = base
        try:
            for name in chain:
                next_fd = _open_dir(name, fd, owner, mode, must_be_owned_by=required)
                os.close(fd)
                fd = next_fd
        except BaseException:
            os.close(fd)
            raise
        return fd

    @property
    def display(self):
        root = f"{SHARED_ROOT}/notebooks" if self.kind == "shared" else f"{HOME_ROOT}/{self.account}/notebooks"
        return root + "/" + "/".join(self.segments)


def write_object(s3, bucket, key, target):
    """Downloads one object into its target through a temporary file and a rename."""
    parent = target.open_parent()
    name = target.segments[-1]
    temporary = f".{name}.arw-sync-{os.getpid()}"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                s3.download_fileobj(bucket, key, handle)
                handle.flush()
                os.fchown(handle.fileno(), target.uid, target.gid)
                os.fchmod(handle.fileno(), 0o644)
            os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=parent)
            except OSError:
                pass
            raise
    finally:
        os.close(parent)


def remove_shared(segments):
    """Removes a shared copy whose object is gone (only regular files, never through links)."""
    try:
        fd = os.open(SHARED_ROOT, DIR_FLAGS)
    except OSError:
        return
    try:
        for name in ["notebooks"] + segments[:-1]:
            next_fd = os.open(name, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        info = os.stat(segments[-1], dir_fd=fd, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            os.unlink(segments[-1], dir_fd=fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def account_ids(account, registry_lookup):
    """(uid, gid) of a registered hub account, or None: keys name accounts, and only registered ones count."""
    try:
        entry = registry_lookup(account)
    except KeyError:
        return None
    import pwd  # noqa: PLC0415

    try:
        record = pwd.getpwnam(account)
    except KeyError:
        return None
    if record.pw_uid != int(entry["uid"]):
        return None
    return record.pw_uid, record.pw_gid


def list_objects(s3, bucket):
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            objects[item["Key"]] = item["ETag"]
    return objects


def sync(s3, bucket, state, registry_lookup, log=arw.log):
    """One pass. Returns the new state ({key: etag} of what is on disk) and counts."""
    objects = list_objects(s3, bucket)
    new_state = {}
    counts = {"written": 0, "unchanged": 0, "refused": 0, "failed": 0, "removed": 0}
    for key, etag in sorted(objects.items()):
        allowed = target_for(key)
        if allowed is None:
            counts["refused"] += 1
            log(f"notebook sync: refused key {key!r} (not notebooks/shared/<path> or notebooks/home/<account>/<path>)")
            continue
        kind, account, segments = allowed
        if kind == "shared":
            ids = (0, 0)
        else:
            ids = account_ids(account, registry_lookup)
            if ids is None:
                counts["refused"] += 1
                log(f"notebook sync: refused key {key!r}: {account} is not a hub account")
                continue
        if state.get(key) == etag:
            new_state[key] = etag
            counts["unchanged"] += 1
            continue
        target = Target(kind, account, segments, ids[0], ids[1])
        try:
            write_object(s3, bucket, key, target)
            new_state[key] = etag
            counts["written"] += 1
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
            counts["failed"] += 1
            log(f"notebook sync: could not write {target.display}: {error}")
    for key in state:
        if key not in objects:
            allowed = target_for(key)
            if allowed and allowed[0] == "shared":
                remove_shared(allowed[2])
                counts["removed"] += 1
    return new_state, counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=arw.CONFIG_PATH)
    parser.add_argument("--state", default=os.path.join(arw.STATE_DIR, "notebook-sync.json"))
    args = parser.parse_args(argv)
    config = arw.load_config(args.config)
    bucket = config.get("notebookBucket")
    if not bucket:
        arw.log("notebook sync: no notebook bucket in the environment description; nothing to do")
        return 0
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configure"))
    import accounts  # noqa: PLC0415

    try:
        with open(args.state, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {}
    new_state, counts = sync(arw.aws("s3", config), bucket, state, accounts.entry_by_name)
    arw.write_json(args.state, new_state, mode=0o600)
    arw.log("notebook sync: " + ", ".join(f"{value} {name}" for name, value in counts.items()))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
