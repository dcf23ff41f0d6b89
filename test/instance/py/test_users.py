"""Unit tests of configure/users.py, the instance side of `jupyter users` on private hubs
(run by test/instance/users-python.test.ts with the system python3)."""
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

TEMPLATES = os.environ["ARW_TEMPLATES"]
sys.path.insert(0, TEMPLATES)
os.environ.setdefault("ARW_LOG", os.path.join(tempfile.mkdtemp(), "boot.log"))

from configure import accounts, users  # noqa: E402


class FakeHost:
    """Records what would touch the machine and SSM."""

    def __init__(self):
        self.accounts = {}
        self.passwords = {}
        self.parameters = {}
        self.deleted_homes = []

    def ensure_account(self, entry):
        self.accounts[entry["name"]] = entry["uid"]
        os.makedirs(os.path.join(accounts.HOME_ROOT, entry["name"]), exist_ok=True)
        return entry["name"]

    def has_password(self, name):
        return name in self.passwords

    def set_password(self, name, password):
        self.passwords[name] = password

    def store_password(self, parameter, password):
        self.parameters[parameter] = password

    def delete_password(self, parameter):
        self.parameters.pop(parameter, None)

    def remove_account(self, name):
        self.accounts.pop(name, None)
        self.passwords.pop(name, None)

    def delete_home(self, path):
        self.deleted_homes.append(path)
        os.rmdir(path)

    def home_bytes(self, path):
        return 4096

    def last_login(self, name):
        return None


class Users(unittest.TestCase):
    def setUp(self):
        os.environ["ARW_ACCOUNTS_DIR"] = tempfile.mkdtemp()
        accounts.HOME_ROOT = tempfile.mkdtemp()
        self.host = FakeHost()

    def run_main(self, argv, request=None):
        stdin = io.StringIO(json.dumps(request)) if request is not None else io.StringIO("")
        out = io.StringIO()
        with mock.patch("sys.stdin", stdin), mock.patch("sys.stdout", out):
            code = users.main(argv, host=self.host, config={"environment": "lab1", "region": "us-east-1"})
        return code, json.loads(out.getvalue())

    def test_add_creates_accounts_passwords_in_securestrings_never_on_stdout(self):
        code, output = self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org", "admin": True}, {"email": "grace@example.org"}]})
        self.assertEqual(code, 0)
        results = output["results"]
        self.assertEqual([r["status"] for r in results], ["created", "created"])
        self.assertEqual([r["admin"] for r in results], [True, False])
        self.assertEqual(results[0]["passwordParameter"], "/arw/lab1/users/ada/password")
        self.assertEqual(self.host.parameters["/arw/lab1/users/ada/password"], self.host.passwords["ada"])
        for password in self.host.passwords.values():
            self.assertNotIn(password, json.dumps(output))
            self.assertGreaterEqual(len(password), 20)
        self.assertEqual(accounts.registry_admins(), {"ada"})

    def test_bad_duplicate_and_existing_get_their_own_result_and_exit_1(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        before = dict(self.host.passwords)
        code, output = self.run_main(
            ["add", "--json", "-"],
            {"users": [{"email": "not-an-email"}, {"email": "grace@example.org"}, {"email": "Grace@Example.org"}, {"email": "ada@example.org"}, "x"]},
        )
        self.assertEqual(code, 1)
        self.assertEqual([r["status"] for r in output["results"]], ["invalid", "created", "duplicate", "exists", "invalid"])
        self.assertEqual(self.host.passwords["ada"], before["ada"])  # an existing password is never reset

    def test_hostile_addresses_are_data(self):
        hostile = "a$(touch${IFS}/tmp/x);'`b\"@example.org"
        code, output = self.run_main(["add", "--json", "-"], {"users": [{"email": hostile}]})
        self.assertEqual(code, 0)
        name = output["results"][0]["name"]
        self.assertRegex(name, r"^[a-z][a-z0-9-]*$")
        self.assertIn(accounts.signin_key(hostile), accounts.load_registry()["users"])

    def test_remove_keeps_home_and_uid_and_re_adding_restores_them(self):
        _, added = self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        code, output = self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}, {"email": "nobody@example.org"}]})
        self.assertEqual(code, 1)
        removed, unknown = output["results"]
        self.assertEqual((removed["status"], removed["homeKept"]), ("removed", True))
        self.assertEqual(unknown["status"], "not-found")
        self.assertTrue(os.path.isdir(os.path.join(accounts.HOME_ROOT, "ada")))
        self.assertNotIn("/arw/lab1/users/ada/password", self.host.parameters)
        self.assertEqual(self.run_main(["list"])[1]["users"], [])
        _, again = self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        self.assertEqual(again["results"][0]["status"], "restored")
        self.assertEqual(again["results"][0]["uid"], added["results"][0]["uid"])

    def test_removed_users_are_not_recreated_at_boot(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}, {"email": "grace@example.org"}]})
        self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        with mock.patch.object(accounts, "ensure_account", side_effect=lambda entry: entry["name"]):
            self.assertEqual(accounts.restore_all(), ["grace"])

    def test_delete_home_removes_it(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        code, output = self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}], "deleteHome": True})
        self.assertEqual(code, 0)
        self.assertFalse(output["results"][0]["homeKept"])
        self.assertEqual(self.host.deleted_homes, [os.path.join(accounts.HOME_ROOT, "ada")])

    def test_list_shows_each_active_user(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org", "admin": True}, {"email": "grace@example.org"}]})
        code, output = self.run_main(["list"])
        self.assertEqual(code, 0)
        self.assertEqual(
            [(u["email"], u["name"], u["admin"], u["status"], u["homeBytes"]) for u in output["users"]],
            [("ada@example.org", "ada", True, "active", 4096), ("grace@example.org", "grace", False, "active", 4096)],
        )

    def test_malformed_requests_are_usage_errors(self):
        self.assertEqual(self.run_main(["add", "--json", "-"], {"users": []})[0], 2)
        self.assertEqual(self.run_main(["add", "--json", "-"], {"users": [{"email": "a@b.org"}] * 201})[0], 2)
        with mock.patch("sys.stderr", io.StringIO()):
            self.assertEqual(users.main(["add", "ada@example.org"], host=self.host, config={"environment": "lab1"}), 2)


if __name__ == "__main__":
    unittest.main()
