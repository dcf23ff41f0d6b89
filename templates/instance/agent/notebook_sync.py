"""Brings notebooks imported with `jupyter import-notebooks --env` onto the hub.

The CLI uploads to the environment's notebook bucket under two prefixes only:
  notebooks/shared/<path>        -> /shared/notebooks/<path>        (root-owned, read-only copies)
  notebooks/home/<account>/<path> -> /home/<account>/notebooks/<path> (owned by that account)
Run by arw-notebook-sync.timer shortly after boot and every few minutes.

Object keys are untrusted: each is normalised and allow-listed (no "..", ".", empty or
hidden segments, no backslashes or control characters, a registered account name), and
every directory on the way is opened with O_NOFOLLOW relative to the one before, so a
key, or a link a hub user plants in their home or in the world-writable /shared, can
never make this root process write outside the target directory. Anything but a
root-owned directory at /shared/notebooks (a user may create it: /shared is sticky 1777)
is moved aside, kept and never written through. A file is written to a temporary name in
its directory and renamed into place (rename replaces a link, never follows it).

A home file is a person's work: it is replaced only while it is exactly what this sync
last wrote there (size and modification time, else content hash, recorded in the home
state). A file that differs (edited, or there before any record, as on a replacement
instance) is left alone and the new version goes beside it as
<name>.imported-<first 8 hex of its SHA-256><ext> (a.ipynb -> a.imported-1a2b3c4d.ipynb);
a file whose content already equals the new version is just recorded. The home state
lives on the home volume (/home/.aws-research-wizard/notebook-sync.json, root-only, next
to the account registry), so it follows the homes to a replacement or restored instance:
a file a person deleted stays deleted until a new version is imported. The shared
mirror's state stays in --state on the root volume (losing it only fetches the root-owned
copies again). Objects are downloaded again only when their ETag changes. Removed
objects are removed from /shared/notebooks (a mirror), never from anyone's home.
"""
import argparse
import hashlib
import json
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import arw  # noqa: E402
from configure import examples  # noqa: E402

PREFIX = "notebooks/"
SHARED_ROOT = os.environ.get("ARW_SHARED_ROOT", "/shared")
HOME_ROOT = os.environ.get("ARW_HOME_ROOT", "/home")
# The home state sits with the account registry (configure/accounts.py) on the home volume.
HOME_STATE = os.path.join(os.environ.get("ARW_ACCOUNTS_DIR", "/home/.aws-research-wizard"), "notebook-sync.json")
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
            # /shared is writable by everyone: a user's own notebooks folder (or link) there
            # would otherwise fail every shared key for good. Kept, never written through.
            mirror = os.path.join(SHARED_ROOT, "notebooks")
            if examples.root_owned_directory(mirror) is False:
                examples.move_aside(mirror)
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


def _sha256(handle):
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _fingerprint(info, digest):
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": digest}


def _digest_at(parent, name):
    """SHA-256 of a regular file in parent (never through a link, never opening a FIFO or device), else None."""
    try:
        if not stat.S_ISREG(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
            return None
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=parent)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return _sha256(handle) if stat.S_ISREG(os.fstat(fd).st_mode) else None


def imported_name(name, digest):
    """Where a new version goes when the home copy differs: a.ipynb -> a.imported-<8 hex>.ipynb."""
    stem, ext = os.path.splitext(name)
    tag = f".imported-{digest[:8]}{ext}"
    room = 255 - len(tag.encode("utf-8", "surrogatepass"))
    return stem.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore") + tag


def _ours(parent, name, info, record):
    """Whether the file at name is still what the sync last wrote (record["file"])."""
    written = (record or {}).get("file")
    if not written or not stat.S_ISREG(info.st_mode):
        return False
    if (info.st_size, info.st_mtime_ns) == (written.get("size"), written.get("mtime_ns")):
        return True
    return _digest_at(parent, name) == written.get("sha256")


def write_object(s3, bucket, key, target, record=None):
    """Downloads one object into its target through a temporary file and a rename.

    Returns (outcome, file): outcome "written" (at its name), "unchanged" (the file there
    already holds this content), "beside" (written as imported_name, the file there differs
    from what the sync last wrote) or "kept" (that name is taken by something else too);
    file is the fingerprint now recorded for the target name (None when not ours)."""
    parent = target.open_parent()
    name = target.segments[-1]
    temporary = f".{name}.arw-sync-{os.getpid()}"
    try:
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=parent)
        try:
            with os.fdopen(fd, "w+b") as handle:
                s3.download_fileobj(bucket, key, handle)
                handle.flush()
                os.fchown(handle.fileno(), target.uid, target.gid)
                os.fchmod(handle.fileno(), 0o644)
                handle.seek(0)
                digest = _sha256(handle)
                written = _fingerprint(os.fstat(handle.fileno()), digest)
            outcome, place, recorded = "written", name, written
            if target.kind == "home":
                try:
                    info = os.stat(name, dir_fd=parent, follow_symlinks=False)
                except FileNotFoundError:
                    info = None
                if info is not None and stat.S_ISREG(info.st_mode) and _digest_at(parent, name) == digest:
                    os.unlink(temporary, dir_fd=parent)
                    return "unchanged", _fingerprint(info, digest)
                if info is not None and not _ours(parent, name, info, record):
                    outcome, place, recorded = "beside", imported_name(name, digest), (record or {}).get("file")
                    try:
                        os.stat(place, dir_fd=parent, follow_symlinks=False)
                        # Already beside it (an earlier pass whose state was lost), or the name is taken.
                        outcome = "unchanged" if _digest_at(parent, place) == digest else "kept"
                        os.unlink(temporary, dir_fd=parent)
                        return outcome, recorded
                    except FileNotFoundError:
                        pass
            os.replace(temporary, place, src_dir_fd=parent, dst_dir_fd=parent)
            return outcome, recorded
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


def _home_record(value):
    """A home key's state: {"etag", "file"}; a bare ETag is the old root-volume format."""
    if isinstance(value, str):
        return {"etag": value, "file": None}
    return value if isinstance(value, dict) else None


def sync(s3, bucket, state, registry_lookup, log=arw.log):
    """One pass. Returns the new state and counts.

    State: shared keys -> ETag on disk; home keys -> {"etag", "file": fingerprint of what
    the sync last wrote at the key's own name, or None}. main() keeps the two apart."""
    objects = list_objects(s3, bucket)
    new_state = {}
    counts = {"written": 0, "unchanged": 0, "beside": 0, "refused": 0, "failed": 0, "removed": 0}
    for key, etag in sorted(objects.items()):
        allowed = target_for(key)
        if allowed is None:
            counts["refused"] += 1
            log(f"notebook sync: refused key {key!r} (not notebooks/shared/<path> or notebooks/home/<account>/<path>)")
            continue
        kind, account, segments = allowed
        if kind == "shared":
            ids, record = (0, 0), None
        else:
            ids = account_ids(account, registry_lookup)
            if ids is None:
                counts["refused"] += 1
                log(f"notebook sync: refused key {key!r}: {account} is not a hub account")
                continue
            record = _home_record(state.get(key))
        known = record["etag"] if record else state.get(key)
        if known == etag:
            # Already synced: also when the person deleted or changed the file since.
            new_state[key] = record or etag
            counts["unchanged"] += 1
            continue
        target = Target(kind, account, segments, ids[0], ids[1])
        try:
            outcome, written = write_object(s3, bucket, key, target, record)
            new_state[key] = etag if kind == "shared" else {"etag": etag, "file": written}
            counts["beside" if outcome == "kept" else outcome] += 1
            if outcome in ("beside", "kept"):
                log(f"notebook sync: {target.display} differs from what the sync last wrote there; kept as it is, "
                    + ("the new version is beside it" if outcome == "beside" else "and the name for the new version is taken: nothing written"))
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


def _load_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=arw.CONFIG_PATH)
    parser.add_argument("--state", default=os.path.join(arw.STATE_DIR, "notebook-sync.json"), help="the shared mirror's state")
    parser.add_argument("--home-state", default=HOME_STATE, help="the homes' state, on the home volume")
    args = parser.parse_args(argv)
    config = arw.load_config(args.config)
    bucket = config.get("notebookBucket")
    if not bucket:
        arw.log("notebook sync: no notebook bucket in the environment description; nothing to do")
        return 0
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configure"))
    import accounts  # noqa: PLC0415

    state = _load_state(args.state)
    # Home keys in --state are the format before the home state existed (bare ETags):
    # taken over once, so an upgrade neither fetches every home file again nor doubles it.
    state.update(_load_state(args.home_state))
    new_state, counts = sync(arw.aws("s3", config), bucket, state, accounts.entry_by_name)
    os.makedirs(os.path.dirname(args.home_state), mode=0o700, exist_ok=True)
    arw.write_json(args.home_state, {k: v for k, v in new_state.items() if isinstance(v, dict)}, mode=0o600)
    arw.write_json(args.state, {k: v for k, v in new_state.items() if isinstance(v, str)}, mode=0o600)
    arw.log("notebook sync: " + ", ".join(f"{value} {name}" for name, value in counts.items()))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
