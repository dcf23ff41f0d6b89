"""Unit tests of the usage recorder (templates/instance/agent/usage_recorder.py): a fake
hub on 127.0.0.1 and a fake S3 (moto). Run by test/instance/usage-recorder.test.ts with
a python3 that has boto3 and moto (the instance's own python3 has python3-boto3)."""
import datetime
import json
import os
import pwd
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

TEMPLATES = os.environ["ARW_TEMPLATES"]
sys.path.insert(0, TEMPLATES)
os.environ.setdefault("ARW_LOG", os.path.join(tempfile.mkdtemp(), "boot.log"))
for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[key] = value
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from agent import usage_recorder as recorder  # noqa: E402
from fake_http import JsonHandler, Loopback  # noqa: E402

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ME = pwd.getpwuid(os.getuid()).pw_name


def at(minutes_before):
    return (NOW - datetime.timedelta(minutes=minutes_before)).isoformat()


def user(name, *starts, ready=True):
    return {"name": name, "servers": {f"s{i}": {"ready": ready, "started": start} for i, start in enumerate(starts)}}


class Accumulate(unittest.TestCase):
    def test_first_sample_counts_at_most_the_gap_and_only_since_the_server_started(self):
        state, changed = recorder.accumulate({}, NOW, [user("alice", at(600)), user("bob", at(10)), user("carol")], {})
        day = state["days"]["2026-11-23"]
        self.assertAlmostEqual(day["alice"]["server_hours"], 0.5)  # the 30 min gap, not 10 h
        self.assertAlmostEqual(day["bob"]["server_hours"], 10 / 60)
        self.assertEqual(day["carol"], {"server_hours": 0.0, "gpu_hours": 0.0, "home_bytes": 0})
        self.assertEqual(changed, ["2026-11-23"])

    def test_samples_add_up_and_gpu_hours_follow_the_gpus_held(self):
        state, _ = recorder.accumulate({"lastSample": at(10)}, NOW, [user("alice", at(600))], {"alice": 2})
        later = NOW + datetime.timedelta(minutes=10)
        state, _ = recorder.accumulate(state, later, [user("alice", at(600))], {"alice": 2})
        alice = state["days"]["2026-11-23"]["alice"]
        self.assertAlmostEqual(alice["server_hours"], 20 / 60)
        self.assertAlmostEqual(alice["gpu_hours"], 40 / 60)

    def test_a_stopped_instance_is_not_counted(self):
        state, _ = recorder.accumulate({"lastSample": at(14 * 60)}, NOW, [user("alice", at(5))], {})
        self.assertAlmostEqual(state["days"]["2026-11-23"]["alice"]["server_hours"], 5 / 60)

    def test_an_interval_over_midnight_is_split_between_the_days(self):
        midnight = datetime.datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
        state, changed = recorder.accumulate({"lastSample": "2026-11-23T23:55:00+00:00"}, midnight, [user("alice", "2026-11-23T08:00:00Z")], {"alice": 1})
        self.assertEqual(changed, ["2026-11-23", "2026-11-24"])
        self.assertAlmostEqual(state["days"]["2026-11-23"]["alice"]["server_hours"], 5 / 60)
        self.assertAlmostEqual(state["days"]["2026-11-24"]["alice"]["gpu_hours"], 5 / 60)

    def test_servers_not_ready_and_malformed_models_count_nothing_and_break_nothing(self):
        users = [user("alice", at(5), ready=False), {"name": "bob", "servers": ["nonsense"]}, {"name": "eve", "servers": {"": {"ready": True, "started": "yesterday"}}}]
        state, _ = recorder.accumulate({"lastSample": at(10)}, NOW, users, {})
        day = state["days"]["2026-11-23"]
        self.assertEqual(day["alice"]["server_hours"], 0)
        self.assertEqual(day["bob"]["server_hours"], 0)
        self.assertAlmostEqual(day["eve"]["server_hours"], 10 / 60)  # an unreadable start counts from the last sample

    def test_home_bytes_are_the_latest_measurement_and_old_days_are_dropped(self):
        state = {"days": {"2026-11-01": {"alice": {"server_hours": 3, "gpu_hours": 0, "home_bytes": 5}}}}
        state, _ = recorder.accumulate(state, NOW, [user("alice")], {}, homes={"alice": 4096})
        self.assertEqual(state["days"]["2026-11-23"]["alice"]["home_bytes"], 4096)
        self.assertNotIn("2026-11-01", state["days"])
        self.assertEqual(state["homeMeasured"], NOW.isoformat())


class Measurements(unittest.TestCase):
    def runner(self, output=None, error=None):
        def run(argv, **kwargs):
            self.assertEqual(argv[0], "nvidia-smi")
            self.assertIn("timeout", kwargs)
            if error:
                raise error
            return subprocess.CompletedProcess(argv, 0, stdout=output, stderr="")

        return run

    def test_gpus_are_counted_per_owner_of_the_process(self):
        out = f"{os.getpid()}, GPU-a\n{os.getpid()}, GPU-b\n{os.getpid()}, GPU-a\n[N/A], GPU-c\n{os.getpid()}, [N/A]\nnot a line\n999999999, GPU-d\n"
        self.assertEqual(recorder.gpu_holders(self.runner(out)), {ME: 2})

    def test_no_driver_or_a_failing_driver_means_no_gpu_hours(self):
        self.assertEqual(recorder.gpu_holders(self.runner(error=FileNotFoundError("nvidia-smi"))), {})
        self.assertEqual(recorder.gpu_holders(self.runner(error=subprocess.TimeoutExpired("nvidia-smi", 20))), {})
        self.assertEqual(recorder.gpu_holders(self.runner("No devices were found\n")), {})

    def test_home_bytes_count_blocks_once_per_inode_and_never_follow_links(self):
        root = tempfile.mkdtemp()
        home, outside = os.path.join(root, "alice"), os.path.join(root, "outside")
        os.makedirs(os.path.join(home, "data"))
        os.makedirs(outside)
        with open(os.path.join(home, "data", "a.bin"), "wb") as handle:
            handle.write(os.urandom(200_000))
        empty = recorder.home_bytes(home)
        os.link(os.path.join(home, "data", "a.bin"), os.path.join(home, "b.bin"))
        with open(os.path.join(outside, "big.bin"), "wb") as handle:
            handle.write(os.urandom(2_000_000))
        os.symlink(outside, os.path.join(home, "link"))
        total = recorder.home_bytes(home)
        self.assertGreaterEqual(empty, 200_000)
        self.assertLess(total, 1_000_000)
        self.assertLess(total - empty, 8192)  # the link itself, not the file it points to
        self.assertEqual(recorder.home_bytes(os.path.join(root, "missing")), 0)

    def test_names_that_leave_the_home_root_have_no_home(self):
        for name in ("../etc", ".hidden", "a/b", ""):
            self.assertIsNone(recorder.home_of(name))
        self.assertEqual(recorder.home_of("alice"), os.path.join(recorder.HOME_ROOT, "alice"))


class FakeHub:
    """GET /hub/api/users as JupyterHub 3 answers it: paginated with the pagination Accept header."""

    def __init__(self, users, token, paginate=True):
        self.users, self.token, self.requests = users, token, []
        hub = self

        class Handler(JsonHandler):
            def do_GET(self):  # noqa: N802
                url = urllib.parse.urlparse(self.path)
                hub.requests.append((url.path, self.headers.get("Authorization"), self.headers.get("Accept")))
                if self.headers.get("Authorization") != f"token {hub.token}":
                    return self.reply(403, {"status": 403, "message": "Forbidden"})
                query = dict(urllib.parse.parse_qsl(url.query))
                offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 50)), 200)
                items = hub.users[offset : offset + limit]
                if not paginate or self.headers.get("Accept") != "application/jupyterhub-pagination+json":
                    return self.reply(200, items)
                following = {"offset": offset + limit, "limit": limit} if offset + limit < len(hub.users) else None
                return self.reply(200, {"items": items, "_pagination": {"offset": offset, "limit": limit, "total": len(hub.users), "next": following}})

        self.server = Loopback(Handler)
        self.url = f"{self.server.url}/hub/api"

    def close(self):
        self.server.close()


class HubUsers(unittest.TestCase):
    def test_every_page_is_read(self):
        hub = FakeHub([user(f"u{i:03d}") for i in range(450)], "t0k")
        try:
            users = recorder.hub_users("t0k", hub.url)
        finally:
            hub.close()
        self.assertEqual([u["name"] for u in users], [f"u{i:03d}" for i in range(450)])
        self.assertEqual(len(hub.requests), 3)
        self.assertEqual(hub.requests[0][1:], ("token t0k", "application/jupyterhub-pagination+json"))

    def test_a_hub_answering_with_a_plain_list_is_read_too(self):
        hub = FakeHub([user("alice"), {"name": 7}, "junk"], "t0k", paginate=False)
        try:
            self.assertEqual([u["name"] for u in recorder.hub_users("t0k", hub.url)], ["alice"])
        finally:
            hub.close()

    def test_a_wrong_token_fails_loudly(self):
        hub = FakeHub([user("alice")], "t0k")
        try:
            with self.assertRaises(Exception) as caught:
                recorder.hub_users("wrong", hub.url)
            self.assertIn("403", str(caught.exception))
        finally:
            hub.close()


class PublishedDays(unittest.TestCase):
    def test_merge_keeps_only_numbers_and_never_overrides_a_known_day(self):
        published = {"date": "2026-11-23", "users": {"alice": {"server_hours": 1.5, "gpu_hours": "x"}, "bob": {"server_hours": -4, "home_bytes": 10}, "eve": []}}
        self.assertEqual(recorder.merge_published({}, "2026-11-23", {"users": "nope"}), {"days": {}})
        self.assertEqual(recorder.merge_published({}, "2026-11-23", published)["days"]["2026-11-23"], {"bob": {"server_hours": 0.0, "gpu_hours": 0.0, "home_bytes": 10}})
        known = {"days": {"2026-11-23": {"zed": {"server_hours": 1, "gpu_hours": 0, "home_bytes": 0}}}}
        self.assertEqual(recorder.merge_published(json.loads(json.dumps(known)), "2026-11-23", published), known)


@mock_aws
class Main(unittest.TestCase):
    """The agent as the timer runs it: hub -> state -> usage/<date>.json in the notebook bucket."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.bucket = "arw-lab1-notebooks"
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.s3.create_bucket(Bucket=self.bucket)
        self.config = os.path.join(self.dir, "environment.json")
        with open(self.config, "w", encoding="utf-8") as handle:
            json.dump({"region": "us-east-1", "notebookBucket": self.bucket}, handle)
        self.token = os.path.join(self.dir, "token")
        with open(self.token, "w", encoding="utf-8") as handle:
            handle.write("s3cret\n")
        recorder.HOME_ROOT = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(recorder.HOME_ROOT, "alice"))
        with open(os.path.join(recorder.HOME_ROOT, "alice", "notes.txt"), "wb") as handle:
            handle.write(b"x" * 10_000)
        # nvidia-smi as the driver answers on a GPU hub: a process of ME holds GPU-a.
        bin_dir = os.path.join(self.dir, "bin")
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "nvidia-smi"), "w", encoding="utf-8") as handle:
            handle.write(f'#!/bin/sh\necho "{os.getpid()}, GPU-a"\necho "[N/A], [N/A]"\n')
        os.chmod(os.path.join(bin_dir, "nvidia-smi"), 0o755)
        self.path = os.environ["PATH"]
        os.environ["PATH"] = bin_dir + ":" + self.path
        # What an earlier instance published today before it was replaced.
        self.s3.put_object(Bucket=self.bucket, Key="usage/2026-11-23.json", Body=json.dumps({"date": "2026-11-23", "users": {"alice": {"server_hours": 1.5, "gpu_hours": 0, "home_bytes": 1}}}))
        self.hub = FakeHub([user("alice", at(600)), user("bob"), user(ME, at(20))], "s3cret")

    def tearDown(self):
        self.hub.close()
        os.environ["PATH"] = self.path

    def run_agent(self, now, extra=()):
        argv = ["--config", self.config, "--state", os.path.join(self.dir, "usage.json"), "--active-users", os.path.join(self.dir, "active-users.json")]
        return recorder.main([*argv, "--token-file", self.token, "--hub-api", self.hub.url, "--now", now.isoformat(), *extra])

    def state(self):
        with open(os.path.join(self.dir, "usage.json"), encoding="utf-8") as handle:
            return json.load(handle)

    def published(self, date):
        obj = self.s3.get_object(Bucket=self.bucket, Key=f"usage/{date}.json")
        self.assertEqual(obj["ContentType"], "application/json")
        return json.loads(obj["Body"].read())

    def test_publishes_the_day_continuing_what_an_earlier_instance_published(self):
        self.assertEqual(self.run_agent(NOW), 0)
        self.assertEqual(self.run_agent(NOW + datetime.timedelta(minutes=10)), 0)
        day = self.published("2026-11-23")
        self.assertEqual(day["date"], "2026-11-23")
        self.assertEqual(sorted(day["users"]), sorted(["alice", "bob", ME]))
        # alice: 1.5 h before + 30 min (first sample's gap) + 10 min; ME: 20 min + 10 min, with one GPU.
        self.assertEqual(day["users"]["alice"]["server_hours"], round(1.5 + 40 / 60, 4))
        self.assertEqual(day["users"]["alice"]["gpu_hours"], 0)
        self.assertEqual(day["users"][ME], {"server_hours": 0.5, "gpu_hours": 0.5, "home_bytes": 0})
        self.assertEqual(day["users"]["bob"], {"server_hours": 0, "gpu_hours": 0, "home_bytes": 0})
        self.assertGreaterEqual(day["users"]["alice"]["home_bytes"], 10_000)
        for value in day["users"].values():
            self.assertEqual(sorted(value), ["gpu_hours", "home_bytes", "server_hours"])
        with open(os.path.join(self.dir, "active-users.json"), encoding="utf-8") as handle:
            self.assertEqual(json.load(handle)["activeUsers"], 2)
        self.assertEqual(os.stat(os.path.join(self.dir, "active-users.json")).st_mode & 0o777, 0o644)

    def test_hours_are_published_before_homes_are_measured(self):
        """A home so large that systemd kills the run while measuring it: the hours are out."""

        class Killed(BaseException):
            pass

        def endless(*_args, **_kwargs):
            raise Killed

        original = recorder.home_bytes
        recorder.home_bytes = endless
        self.addCleanup(setattr, recorder, "home_bytes", original)
        with self.assertRaises(Killed):
            self.run_agent(NOW)
        day = self.published("2026-11-23")
        self.assertEqual(day["users"][ME]["server_hours"], round(20 / 60, 4))
        self.assertEqual(day["users"]["alice"]["server_hours"], 2.0)
        self.assertEqual(self.state()["pending"], [])

    def test_homes_over_the_budget_keep_their_figures_and_the_round_goes_on_next_run(self):
        # No time at all: each run gives up on one home (it had the whole budget) and stops.
        names = sorted(["alice", "bob", ME])
        for step, name in enumerate(names):
            self.assertEqual(self.run_agent(NOW + datetime.timedelta(minutes=5 * step), extra=["--home-budget", "0"]), 0)
            state = self.state()
            if step < len(names) - 1:
                self.assertEqual(state["homeRound"], {"done": names[: step + 1]})
                self.assertIsNone(state["homeMeasured"])
            # alice keeps what the earlier instance published; the hours go on.
            day = self.published("2026-11-23")
            self.assertEqual(day["users"]["alice"]["home_bytes"], 1)
            self.assertEqual(day["users"][ME]["server_hours"], round((20 + 5 * step) / 60, 4))
        self.assertIsNone(state["homeRound"])
        self.assertEqual(state["homeMeasured"], (NOW + datetime.timedelta(minutes=10)).isoformat())
        # Not due again until HOME_EVERY has passed; then measured with a real budget.
        self.run_agent(NOW + datetime.timedelta(minutes=20))
        self.assertEqual(self.published("2026-11-23")["users"]["alice"]["home_bytes"], 1)
        self.run_agent(NOW + datetime.timedelta(minutes=70))
        self.assertGreaterEqual(self.published("2026-11-23")["users"]["alice"]["home_bytes"], 10_000)
        self.assertIsNone(self.state()["homeRound"])

    def test_a_run_after_midnight_finishes_yesterday_and_starts_today(self):
        self.run_agent(datetime.datetime(2026, 11, 23, 23, 55, tzinfo=UTC))
        self.run_agent(datetime.datetime(2026, 11, 24, 0, 5, tzinfo=UTC))
        self.assertEqual(self.published("2026-11-24")["users"][ME]["server_hours"], round(5 / 60, 4))
        self.assertEqual(self.published("2026-11-23")["users"][ME]["server_hours"], 0.5 + round(5 / 60, 4))

    def test_a_hub_refusing_the_token_is_said_and_nothing_is_counted(self):
        with open(self.token, "w", encoding="utf-8") as handle:
            handle.write("stale")
        self.assertEqual(self.run_agent(NOW), 1)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "usage.json")))

    def test_a_missing_bucket_in_the_description_is_said_and_nothing_is_written(self):
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write("{not json")
        self.assertEqual(self.run_agent(NOW), 1)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "usage.json")))


if __name__ == "__main__":
    unittest.main()
