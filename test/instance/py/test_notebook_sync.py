"""Unit tests of agent/notebook_sync.py against moto's S3 (run by
test/instance/notebook-sync.test.ts with a python3 that has boto3 and moto)."""
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

    def test_a_link_planted_where_the_shared_folder_goes_is_not_followed(self):
        os.symlink(self.outside, os.path.join(self.shared, "notebooks"))
        self.put("notebooks/shared/x.ipynb", b"data")
        _, counts = self.run_sync({})
        self.assertEqual(counts["failed"], 1)
        self.assertEqual(os.listdir(self.outside), [])

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
        # The directory link is refused; the file link is replaced by the file, its target untouched.
        self.assertEqual((counts["written"], counts["failed"]), (1, 1))
        self.assertEqual(sorted(os.listdir(self.outside)), ["victim.txt"])
        self.assertEqual(self.read(target), "original")
        self.assertFalse(os.path.islink(os.path.join(notebooks, "victim.ipynb")))
        self.assertEqual(self.read(notebooks, "victim.ipynb"), "new")

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
