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
from fake_http import JsonHandler, Loopback  # noqa: E402


class FakeHost:
    """Records what would touch the machine and SSM."""

    def __init__(self):
        self.accounts = {}
        self.passwords = {}
        self.parameters = {}
        self.deleted_homes = []
        self.events = []
        self.hub_answers = True

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

    def end_hub_session(self, name):
        if not self.hub_answers:
            raise RuntimeError("the hub did not answer (connection refused)")
        self.events.append(("hub-user-deleted", name))

    def remove_account(self, name):
        self.events.append(("account-removed", name))
        self.accounts.pop(name, None)
        self.passwords.pop(name, None)

    def delete_home(self, path):
        self.deleted_homes.append(path)
        os.rmdir(path)

    def home_bytes(self, path, timeout):
        self.events.append(("du", path))
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

    def test_remove_ends_the_account_and_then_the_hub_session(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        code, output = self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        self.assertEqual((code, output["results"][0]["status"]), (0, "removed"))
        self.assertEqual(self.host.events, [("account-removed", "ada"), ("hub-user-deleted", "ada")])

    def test_a_hub_that_does_not_answer_fails_the_item_with_the_account_locked_and_a_rerun_finishes(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        self.host.hub_answers = False
        code, output = self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        self.assertEqual((code, output["results"][0]["status"], output["results"][0]["homeKept"]), (1, "failed", True))
        self.assertIn("hub session was not ended", output["results"][0]["message"])
        self.assertNotIn("ada", self.host.accounts)
        self.host.hub_answers = True
        code, output = self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}]})
        self.assertEqual((code, output["results"][0]["status"]), (0, "removed"))
        self.assertEqual(self.run_main(["remove", "--json", "-"], {"users": [{"email": "ada@example.org"}]})[1]["results"][0]["status"], "not-found")

    def test_list_measures_homes_within_a_time_budget(self):
        self.run_main(["add", "--json", "-"], {"users": [{"email": "ada@example.org"}, {"email": "grace@example.org"}]})
        ticks = iter([0, 0, 1, 100, 100])
        listed = users.list_users(self.host, budget_seconds=45, clock=lambda: next(ticks))
        self.assertEqual([u["homeBytes"] for u in listed], [4096, None])
        self.assertEqual(len([e for e in self.host.events if e[0] == "du"]), 1)

    def test_malformed_requests_are_usage_errors(self):
        self.assertEqual(self.run_main(["add", "--json", "-"], {"users": []})[0], 2)
        self.assertEqual(self.run_main(["add", "--json", "-"], {"users": [{"email": "a@b.org"}] * 201})[0], 2)
        with mock.patch("sys.stderr", io.StringIO()):
            self.assertEqual(users.main(["add", "ada@example.org"], host=self.host, config={"environment": "lab1"}), 2)


class FakeHubApi(JsonHandler):
    seen = []
    status = 204

    def do_DELETE(self):  # noqa: N802 - http.server's name
        FakeHubApi.seen.append((self.path, self.headers.get("Authorization")))
        self.reply(FakeHubApi.status, {})


class HubSession(unittest.TestCase):
    """The real Host's call to the hub API, against a loopback hub."""

    def setUp(self):
        self.hub = Loopback(FakeHubApi)
        FakeHubApi.seen = []
        self.token = os.path.join(tempfile.mkdtemp(), "users-admin.token")
        with open(self.token, "w", encoding="utf-8") as handle:
            handle.write("secret-token\n")
        self.host = users.Host({})

    def tearDown(self):
        self.hub.close()

    def end(self, name):
        self.host.end_hub_session(name, hub_api=self.hub.url + "/hub/api", token_file=self.token)

    def test_deletes_the_hub_user_with_the_service_token(self):
        FakeHubApi.status = 204
        self.end("ada-2")
        self.assertEqual(FakeHubApi.seen, [("/hub/api/users/ada-2", "token secret-token")])

    def test_a_user_the_hub_does_not_know_is_fine_a_refusal_is_not(self):
        FakeHubApi.status = 404
        self.end("ada")
        FakeHubApi.status = 403
        with self.assertRaisesRegex(RuntimeError, "HTTP 403"):
            self.end("ada")

    def test_no_token_or_no_hub_is_an_error_not_a_silent_success(self):
        with self.assertRaisesRegex(RuntimeError, "no user-removal token"):
            self.host.end_hub_session("ada", hub_api=self.hub.url + "/hub/api", token_file=self.token + ".missing")
        url = self.hub.url
        self.hub.close()
        with self.assertRaisesRegex(RuntimeError, "did not answer"):
            self.host.end_hub_session("ada", hub_api=url + "/hub/api", token_file=self.token)
        self.hub = Loopback(FakeHubApi)


if __name__ == "__main__":
    unittest.main()
