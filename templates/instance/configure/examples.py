"""The pack's example notebooks: read-only in /shared/examples, and a copy of their own
in each new user's home.

The notebooks arrive as data in environment.json (exampleNotebooks: file name and JSON
text). A file name is used only if it is a plain .ipynb name (checked again here, so no
name can leave the directory). /shared is writable by every hub user (sticky, 1777), so
the directory is built afresh under a private temporary name and renamed into place, and
whatever a user may have put at /shared/examples (a link, a file, a directory of their
own) is moved aside, never followed and never deleted.

Each new account gets ~/examples once, when its home directory is created
(accounts.ensure_account): a user's edited copy is never overwritten and nothing is
copied again on later boots.
"""
import os
import re
import shutil
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import log  # noqa: E402

SHARED_EXAMPLES = os.environ.get("ARW_EXAMPLES_DIR", "/shared/examples")
HOME_EXAMPLES = "examples"
# The same rule as EXAMPLE_NAME in src/lib/spec/example-notebooks.ts.
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,93}\.ipynb\Z")
MAX_BYTES = 256 * 1024


def safe_name(name):
    return isinstance(name, str) and NAME.match(name) is not None


def root_owned_directory(path):
    """True for a directory of this process's user (root on the hub), None when nothing is
    there, False for anything else (a link, a file, someone else's directory)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def move_aside(path):
    """Renames whatever is at path (never followed, never deleted) out of the way. Shared
    with agent/notebook_sync.py for /shared/notebooks."""
    aside = f"{path}.moved-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    os.rename(path, aside)
    log(f"{path} was not this hub's directory; moved to {aside}")


def place_shared(config, target=None):
    """Writes the notebooks to /shared/examples (root-owned, 0755/0644), replacing the
    previous set. With notebookExamples off, or no notebooks, the directory is removed.
    Returns the names written."""
    target = target or SHARED_EXAMPLES
    notebooks = (config.get("exampleNotebooks") or []) if config.get("notebookExamples", True) else []
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    current = root_owned_directory(target)
    if current is False:
        move_aside(target)
    names = []
    staging = None
    if notebooks:
        staging = tempfile.mkdtemp(prefix=".examples-", dir=parent)
        for notebook in notebooks:
            name, content = notebook.get("name"), notebook.get("content")
            if not safe_name(name) or name in names or not isinstance(content, str) or len(content.encode("utf-8")) > MAX_BYTES:
                log(f"example notebook {name!r} skipped: not a plain .ipynb file name, a duplicate, or too large")
                continue
            fd = os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.chmod(os.path.join(staging, name), 0o644)
            names.append(name)
        os.chmod(staging, 0o755)
    if current:
        old = tempfile.mkdtemp(prefix=".examples-old-", dir=parent)
        os.rename(target, os.path.join(old, "examples"))
        shutil.rmtree(old)
    if staging:
        os.rename(staging, target)
    return names


def install(config):
    """The configure step: examples help people start but the hub works without them, so a
    failure here is logged and reported, and the boot goes on."""
    try:
        return place_shared(config)
    except OSError as error:
        log(f"example notebooks not placed in {SHARED_EXAMPLES}: {error}")
        return f"failed: {error}"


def seed_home(home, source=None):
    """Copies the shared examples into a new home directory (~/examples). Called by the
    account creation only; the caller gives the whole home to its owner afterwards.
    Only regular files with a plain name are copied; nothing existing is overwritten."""
    source = source or SHARED_EXAMPLES
    if not root_owned_directory(source):
        return []
    destination = os.path.join(home, HOME_EXAMPLES)
    copied = []
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if not safe_name(name) or not stat.S_ISREG(os.lstat(path).st_mode):
            continue
        if not os.path.isdir(destination):
            os.makedirs(destination)
            os.chmod(destination, 0o755)  # whatever the caller's umask (the hub's or configure's)
        try:
            fd = os.open(os.path.join(destination, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            continue
        with open(path, "rb") as original, os.fdopen(fd, "wb") as copy:
            shutil.copyfileobj(original, copy)
        os.chmod(os.path.join(destination, name), 0o644)
        copied.append(name)
    return copied
