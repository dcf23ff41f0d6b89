"""Unit tests of agent/notebook_sync.py against moto's S3 (run by
test/instance/notebook-sync.test.ts with a python3 that has boto3 and moto)."""
import hashlib
import json
import os
import sys
import tempfile
import unittest

TEMPLATES = os.environ["ARW_TEMPLATES"]
sys.path.insert(0, TEMPLATES)
os.environ.setdefault("ARW_LOG", os.path.join(tempfile.mkdtemp(), "boot.log"))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from agent import notebook_sync  # noqa: E402

BUCKET = "arw-lab1-notebooks"
ME = os.getuid()
MY_NAME = __import__("pwd").getpwuid(ME).pw_name


def sha(data):
    """The tag of a version written beside a changed home file."""
    return hashlib.sha256(data).hexdigest()[:8]


class Keys(unittest.TestCase):
    ALLOWED = {
        "notebooks/shared/intro.ipynb": ("shared", None, ["intro.ipynb"]),
        "notebooks/shared/week 1/lab.ipynb": ("shared", None, ["week 1", "lab.ipynb"]),
        "notebooks/home/ada/thesis/ch1.ipynb": ("home", "ada", ["thesis", "ch1.ipynb"]),
    }
    REFUSED = [
        "notebooks/shared/../../etc/x",
        "notebooks/shared/a/../../x",
        "notebooks/shared/./x",
        "notebooks/shared//x",
        "notebooks/shared/",
        "notebooks/shared/.bashrc",
        "notebooks/shared/.ipynb_checkpoints/a.ipynb",
        "notebooks/shared/a\\..\\b",
        "notebooks/shared/a\nb",
        "notebooks/shared/a\x00b",
        "/etc/passwd",
        "notebooks//etc/passwd",
        "notebooks/home/ada",
        "notebooks/home/ada/",
        "notebooks/home/Ada/x.ipynb",
        "notebooks/home/../root/x",
        "notebooks/home/-rf/x",
        "notebooks/other/x",
        "elsewhere/notebooks/shared/x",
        "notebooks/shared/" + "x" * 1100,
    ]

    def test_allowed_keys_map_below_their_target(self):
        for key, expected in self.ALLOWED.items():
            self.assertEqual(notebook_sync.target_for(key), expected, key)

    def test_everything_else_is_refused(self):
        for key in self.REFUSED:
            self.assertIsNone(notebook_sync.target_for(key), repr(key))


@mock_aws
class Sync(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.shared = os.path.join(self.root, "shared")
        self.homes = os.path.join(self.root, "home")
        self.outside = os.path.join(self.root, "outside")
        for path in (self.shared, self.homes, self.outside, os.path.join(self.homes, MY_NAME)):
            os.makedirs(path)
        notebook_sync.SHARED_ROOT = self.shared
        notebook_sync.HOME_ROOT = self.homes
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.s3.create_bucket(Bucket=BUCKET)
        self.logged = []

    def put(self, key, body):
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    def registry(self, name):
        if name == MY_NAME:
            return {"name": name, "uid": ME}
        raise KeyError(name)

    def run_sync(self, state):
        return notebook_sync.sync(self.s3, BUCKET, state, self.registry, log=self.logged.append)

    def read(self, *parts):
        with open(os.path.join(*parts), encoding="utf-8") as handle:
            return handle.read()

    def test_shared_and_home_files_arrive_then_only_changes_are_fetched(self):
        self.put("notebooks/shared/intro.ipynb", b'{"v": 1}')
        self.put("notebooks/shared/week1/lab.ipynb", b"{}")
        self.put(f"notebooks/home/{MY_NAME}/thesis/ch1.ipynb", b'{"mine": 1}')
        state, counts = self.run_sync({})
        self.assertEqual(counts["written"], 3, self.logged)
        self.assertEqual(self.read(self.shared, "notebooks", "intro.ipynb"), '{"v": 1}')
        home_file = os.path.join(self.homes, MY_NAME, "notebooks", "thesis", "ch1.ipynb")
        self.assertEqual(self.read(home_file), '{"mine": 1}')
        self.assertEqual(os.stat(home_file).st_uid, ME)
        self.assertEqual(os.stat(home_file).st_mode & 0o777, 0o644)

        state, counts = self.run_sync(state)
        self.assertEqual((counts["written"], counts["unchanged"]), (0, 3))

        self.put("notebooks/shared/intro.ipynb", b'{"v": 2}')
        state, counts = self.run_sync(state)
        self.assertEqual(counts["written"], 1)
        self.assertEqual(self.read(self.shared, "notebooks", "intro.ipynb"), '{"v": 2}')

    def test_shared_folder_is_made_when_there_is_no_shared_storage(self):
        os.rmdir(self.shared)
        self.put("notebooks/shared/intro.ipynb", b"{}")
        _, counts = self.run_sync({})
        self.assertEqual(counts["written"], 1, self.logged)
        self.assertEqual(os.stat(self.shared).st_mode & 0o777, 0o755)

    def test_removed_objects_leave_shared_but_never_a_home(self):
        self.put("notebooks/shared/old.ipynb", b"{}")
        self.put(f"notebooks/home/{MY_NAME}/keep.ipynb", b"{}")
        state, _ = self.run_sync({})
        self.s3.delete_object(Bucket=BUCKET, Key="notebooks/shared/old.ipynb")
        self.s3.delete_object(Bucket=BUCKET, Key=f"notebooks/home/{MY_NAME}/keep.ipynb")
        state, counts = self.run_sync(state)
        self.assertFalse(os.path.exists(os.path.join(self.shared, "notebooks", "old.ipynb")))
        self.assertTrue(os.path.exists(os.path.join(self.homes, MY_NAME, "notebooks", "keep.ipynb")))
        self.assertEqual(state, {})

    def test_hostile_keys_and_unknown_accounts_write_nothing(self):
        for key in ["notebooks/shared/../../outside/pwned", "notebooks/shared/.bashrc", "notebooks/home/nobody-here/x.ipynb", "notebooks/home/ada/x.ipynb"]:
            self.put(key, b"pwned")
        _, counts = self.run_sync({})
        self.assertEqual((counts["written"], counts["refused"]), (0, 4))
        self.assertEqual(os.listdir(self.outside), [])
        for _dirpath, _dirs, files in os.walk(self.root):
            self.assertNotIn("pwned", files)

    def aside(self):
        return [name for name in os.listdir(self.shared) if name.startswith("notebooks.moved-")]

    def test_a_link_planted_where_the_shared_folder_goes_is_moved_aside_not_followed(self):
        os.symlink(self.outside, os.path.join(self.shared, "notebooks"))
        self.put("notebooks/shared/x.ipynb", b"data")
        _, counts = self.run_sync({})
        self.assertEqual(counts["written"], 1, self.logged)
        self.assertEqual(os.listdir(self.outside), [])
        self.assertEqual(self.read(self.shared, "notebooks", "x.ipynb"), "data")
        [aside] = self.aside()
        self.assertEqual(os.readlink(os.path.join(self.shared, aside)), self.outside)

    def test_a_users_own_shared_notebooks_folder_is_moved_aside_and_kept(self):
        if ME != 0:
            self.fail("run as root: the sync runs as root and this check needs chown")
        planted = os.path.join(self.shared, "notebooks")
        os.makedirs(planted)
        with open(os.path.join(planted, "intro.ipynb"), "w", encoding="utf-8") as handle:
            handle.write("theirs")
        os.chown(planted, 65534, 65534)
        self.put("notebooks/shared/intro.ipynb", b"ours")
        _, counts = self.run_sync({})
        self.assertEqual((counts["written"], counts["failed"]), (1, 0), self.logged)
        self.assertEqual(os.stat(planted).st_uid, 0)
        self.assertEqual(self.read(planted, "intro.ipynb"), "ours")
        [aside] = self.aside()
        self.assertEqual(os.stat(os.path.join(self.shared, aside)).st_uid, 65534)
        self.assertEqual(self.read(self.shared, aside, "intro.ipynb"), "theirs")

    def test_links_inside_a_home_are_never_followed(self):
        notebooks = os.path.join(self.homes, MY_NAME, "notebooks")
        os.makedirs(notebooks)
        os.symlink(self.outside, os.path.join(notebooks, "sub"))
        target = os.path.join(self.outside, "victim.txt")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("original")
        os.symlink(target, os.path.join(notebooks, "victim.ipynb"))
        self.put(f"notebooks/home/{MY_NAME}/sub/x.ipynb", b"data")
        self.put(f"notebooks/home/{MY_NAME}/victim.ipynb", b"new")
        _, counts = self.run_sync({})
        # The directory link is refused; the file link is the person's (kept), the new
        # version goes beside it, and the link's target is untouched.
        self.assertEqual((counts["beside"], counts["failed"]), (1, 1))
        self.assertEqual(sorted(os.listdir(self.outside)), ["victim.txt"])
        self.assertEqual(self.read(target), "original")
        self.assertTrue(os.path.islink(os.path.join(notebooks, "victim.ipynb")))
        self.assertEqual(self.read(notebooks, f"victim.imported-{sha(b'new')}.ipynb"), "new")

    def home_file(self, *parts):
        return os.path.join(self.homes, MY_NAME, "notebooks", *parts)

    def edit(self, path, text):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def test_an_edited_home_notebook_survives_a_lost_state_and_the_import_goes_beside_it(self):
        key = f"notebooks/home/{MY_NAME}/a.ipynb"
        self.put(key, b"imported")
        self.run_sync({})
        self.edit(self.home_file("a.ipynb"), "my edits")
        # A replacement instance whose state is gone: the file must not be replaced.
        state, counts = self.run_sync({})
        self.assertEqual(self.read(self.home_file("a.ipynb")), "my edits")
        self.assertEqual((counts["written"], counts["beside"]), (0, 1), self.logged)
        beside = self.home_file(f"a.imported-{sha(b'imported')}.ipynb")
        self.assertEqual(self.read(beside), "imported")
        self.assertEqual(os.stat(beside).st_uid, ME)
        # Nothing more on later passes, and nothing doubled when the state is lost again.
        for start in (state, {}):
            _, counts = self.run_sync(start)
            self.assertEqual((counts["written"], counts["beside"]), (0, 0))
        self.assertEqual(len(os.listdir(self.home_file())), 2)

    def test_an_edited_home_notebook_is_not_replaced_by_a_new_import(self):
        key = f"notebooks/home/{MY_NAME}/a.ipynb"
        self.put(key, b"v1")
        state, _ = self.run_sync({})
        self.edit(self.home_file("a.ipynb"), "my edits")
        self.put(key, b"v2")
        state, counts = self.run_sync(state)
        self.assertEqual(self.read(self.home_file("a.ipynb")), "my edits")
        self.assertEqual((counts["written"], counts["beside"]), (0, 1))
        self.assertEqual(self.read(self.home_file(f"a.imported-{sha(b'v2')}.ipynb")), "v2")

    def test_an_untouched_home_notebook_is_updated_or_just_recorded(self):
        key = f"notebooks/home/{MY_NAME}/a.ipynb"
        self.put(key, b"v1")
        state, _ = self.run_sync({})
        os.utime(self.home_file("a.ipynb"), (1, 1))  # touched, same content: still ours
        self.put(key, b"v2")
        state, counts = self.run_sync(state)
        self.assertEqual((counts["written"], counts["beside"]), (1, 0))
        self.assertEqual(self.read(self.home_file("a.ipynb")), "v2")
        # State lost, same content on disk: recorded, nothing written or doubled.
        _, counts = self.run_sync({})
        self.assertEqual((counts["written"], counts["beside"], counts["unchanged"]), (0, 0, 1))
        self.assertEqual(os.listdir(self.home_file()), ["a.ipynb"])

    def test_the_home_state_lives_on_the_home_volume_so_deleted_files_stay_deleted(self):
        """main() as the timer runs it, then a replacement instance: a new root volume
        (empty --state) with the same home volume."""
        accounts_dir = os.path.join(self.homes, ".aws-research-wizard")
        os.makedirs(accounts_dir, mode=0o700)
        with open(os.path.join(accounts_dir, "users.json"), "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "users": {"me@example.org": {"name": MY_NAME, "uid": ME}}}, handle)
        config = os.path.join(self.root, "environment.json")
        with open(config, "w", encoding="utf-8") as handle:
            json.dump({"region": "us-east-1", "notebookBucket": BUCKET}, handle)
        os.environ["ARW_ACCOUNTS_DIR"] = accounts_dir
        self.addCleanup(os.environ.pop, "ARW_ACCOUNTS_DIR")
        self.put(f"notebooks/home/{MY_NAME}/gone.ipynb", b"{}")
        self.put(f"notebooks/home/{MY_NAME}/kept.ipynb", b"{}")

        def run_main(root_volume):
            argv = ["--config", config, "--state", os.path.join(root_volume, "notebook-sync.json")]
            return notebook_sync.main([*argv, "--home-state", os.path.join(accounts_dir, "notebook-sync.json")])

        self.assertEqual(run_main(tempfile.mkdtemp()), 0)
        os.unlink(self.home_file("gone.ipynb"))
        self.edit(self.home_file("kept.ipynb"), "edited")
        self.assertEqual(run_main(tempfile.mkdtemp()), 0)
        self.assertEqual(os.listdir(self.home_file()), ["kept.ipynb"])
        self.assertEqual(self.read(self.home_file("kept.ipynb")), "edited")
        self.assertEqual(os.stat(os.path.join(accounts_dir, "notebook-sync.json")).st_mode & 0o777, 0o600)

    def test_imported_names_stay_one_plain_segment(self):
        digest = sha(b"x")
        self.assertEqual(notebook_sync.imported_name("a.ipynb", hashlib.sha256(b"x").hexdigest()), f"a.imported-{digest}.ipynb")
        self.assertEqual(notebook_sync.imported_name("notes", hashlib.sha256(b"x").hexdigest()), f"notes.imported-{digest}")
        long_name = notebook_sync.imported_name("é" * 127 + ".ipynb", hashlib.sha256(b"x").hexdigest())
        self.assertLessEqual(len(long_name.encode()), 255)
        self.assertIsNotNone(notebook_sync.SEGMENT.match(long_name))

    def test_a_home_owned_by_someone_else_is_refused(self):
        if ME != 0:
            self.fail("run as root: the sync runs as root and this check needs chown")
        os.chown(os.path.join(self.homes, MY_NAME), 4242, 4242)
        self.put(f"notebooks/home/{MY_NAME}/x.ipynb", b"data")
        _, counts = self.run_sync({})
        self.assertEqual(counts["failed"], 1)
        self.assertFalse(os.path.exists(os.path.join(self.homes, MY_NAME, "notebooks")))

    def test_a_home_that_is_a_link_is_refused(self):
        other = os.path.join(self.homes, MY_NAME)
        os.rmdir(other)
        os.symlink(self.outside, other)
        self.put(f"notebooks/home/{MY_NAME}/x.ipynb", b"data")
        _, counts = self.run_sync({})
        self.assertEqual(counts["failed"], 1)
        self.assertEqual(os.listdir(self.outside), [])


if __name__ == "__main__":
    unittest.main()
