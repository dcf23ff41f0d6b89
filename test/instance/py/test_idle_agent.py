"""The idle agent against the shared idleness scenarios (test/fixtures/idle/scenarios.json, also
run by test/idle/model.test.ts) and through its command line with fake inputs: a /proc tree,
an nvidia-smi script and a hub on 127.0.0.1. Run by test/instance/instance-files.test.ts
with the system python3."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

TEMPLATES = os.environ["ARW_TEMPLATES"]
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "idle")
sys.path.insert(0, TEMPLATES)

from agent import idle_agent  # noqa: E402
from fake_http import JsonHandler, Loopback  # noqa: E402

AGENT = os.path.join(TEMPLATES, "agent", "idle_agent.py")
MODEL = idle_agent.load_model()
with open(os.path.join(FIXTURES, "scenarios.json"), encoding="utf-8") as _handle:
    TABLE = json.load(_handle)


class SharedScenarios(unittest.TestCase):
    def test_every_scenario(self):
        self.assertGreaterEqual(len(TABLE["scenarios"]), 9)
        for scenario in TABLE["scenarios"]:
            settings = idle_agent.settings_for(MODEL, {**TABLE["config"], **scenario.get("config", {})})
            state, boot = {}, TABLE["bootTime"]
            for step in scenario["steps"]:
                now = TABLE["bootTime"] + step["minute"] * 60
                if step.get("boot"):
                    boot = now
                observation = {**TABLE["quiet"], **step.get("observation", {}), "now": now, "bootTime": boot}
                state, decision = idle_agent.decide(MODEL, settings, state, observation)
                for key, expected in step["expect"].items():
                    with self.subTest(scenario=scenario["name"], minute=step["minute"], field=key):
                        self.assertEqual(decision[key], expected)


def proc_stat(cores, btime=1800000000):
    """cores: list of (busy, idle) jiffies per core."""
    lines = ["cpu  0 0 0 0 0 0 0 0 0 0"]
    for index, (busy, idle) in enumerate(cores):
        lines.append(f"cpu{index} {busy} 0 0 {idle} 0 0 0 0 0 0")
    lines.append(f"btime {btime}")
    return "\n".join(lines) + "\n"


def diskstats(sectors_read, sectors_written):
    rows = [
        f" 259 0 nvme0n1 100 0 {sectors_read} 10 100 0 {sectors_written} 10 0 10 20",
        f" 259 1 nvme0n1p1 100 0 {sectors_read} 10 100 0 {sectors_written} 10 0 10 20",
        " 7 0 loop0 5 0 999999 1 0 0 0 0 0 1 1",
    ]
    return "\n".join(rows) + "\n"


def net_dev(received, sent):
    return (
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        f"    lo: 999999999 10 0 0 0 0 0 0 999999999 10 0 0 0 0 0 0\n"
        f"  ens5: {received} 10 0 0 0 0 0 0 {sent} 10 0 0 0 0 0 0\n"
    )


class Measuring(unittest.TestCase):
    def test_one_pegged_core_on_32_vcpus_is_the_busiest_core(self):
        before = idle_agent.read_proc(self._proc([(0, 0)] * 32))
        after = idle_agent.read_proc(self._proc([(6000, 0)] + [(0, 6000)] * 31))
        measured = idle_agent.rates(before, after, 60)
        self.assertEqual(measured["busiestCorePercent"], 100.0)
        self.assertLess(measured["averageCpuPercent"], 4)  # what the old agent compared with 5%

    def test_disk_counts_disks_once_and_network_skips_loopback(self):
        before = idle_agent.read_proc(self._proc([(0, 0)], sectors=(0, 0), net=(0, 0)))
        after = idle_agent.read_proc(self._proc([(0, 100)], sectors=(60 * 2048, 60 * 2048), net=(60 * 1000, 60 * 500)))
        measured = idle_agent.rates(before, after, 60)
        self.assertEqual(measured["diskBytesPerSecond"], 2 * 1024 * 1024)  # not doubled by the partition, no loop0
        self.assertEqual(measured["networkBytesPerSecond"], 1500)

    def test_nvidia_smi_odd_output(self):
        self.assertEqual(idle_agent.parse_nvidia_smi("[N/A], [N/A]\n"), (None, None))
        self.assertEqual(idle_agent.parse_nvidia_smi("[N/A], 15100\n"), (None, 15100.0))
        self.assertEqual(idle_agent.parse_nvidia_smi(""), (None, None))
        self.assertEqual(idle_agent.parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."), (None, None))
        self.assertEqual(idle_agent.parse_nvidia_smi("97, 15100\n3, 200\n"), (97.0, 15300.0))

    def test_missing_nvidia_smi_is_unknown_not_a_crash(self):
        self.assertEqual(idle_agent.gpu_reading("/nonexistent/nvidia-smi"), (None, None))

    def _proc(self, cores, sectors=(0, 0), net=(0, 0)):
        root = tempfile.mkdtemp()
        write(root, "stat", proc_stat(cores))
        write(root, "diskstats", diskstats(*sectors))
        write(root, "net/dev", net_dev(*net))
        return root


def write(root, relative, text, mode=0o644):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)
    return path


class FakeHub(JsonHandler):
    """The hub's user list and one user server's kernels and terminals, as the agent reads them."""

    kernels = []
    terminals = []
    token = "agent-token"
    seen = []
    # A second user whose server misbehaves: "404" on /api/terminals, or "slow" (answers late).
    mallory = None
    # Answer the user list as JupyterHub does with many users: capped at a page (here one
    # user, mallory first), with a pointer to the next page when pagination is asked for.
    paged = False

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        FakeHub.seen.append((self.path, self.headers.get("Authorization"), json.loads(self.rfile.read(length) or b"{}")))
        return self.reply(200, {})

    def do_GET(self):  # noqa: N802 - http.server's name
        FakeHub.seen.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"token {self.token}":
            return self.reply(403, {"message": "no"})
        if self.path.startswith("/hub/api/users"):
            users = [{"name": "ada", "servers": {"": {"ready": True, "url": "/user/ada/"}}}]
            if FakeHub.mallory:
                users.append({"name": "mallory", "servers": {"": {"ready": True, "url": "/user/mallory/"}}})
            if FakeHub.paged:
                users.reverse()
                offset = int(urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("offset", ["0"])[0])
                page = users[offset : offset + 1]
                if self.headers.get("Accept") != "application/jupyterhub-pagination+json":
                    return self.reply(200, page)
                following = {"offset": offset + 1} if offset + 1 < len(users) else None
                return self.reply(200, {"items": page, "_pagination": {"offset": offset, "limit": 1, "total": len(users), "next": following}})
            return self.reply(200, users)
        if self.path.startswith("/user/mallory/"):
            if FakeHub.mallory == "slow":
                time.sleep(3)
            if self.path.endswith("/api/terminals") and FakeHub.mallory == "404":
                return self.reply(404, {"message": "Not Found"})
            try:
                return self.reply(200, [])
            except OSError:
                return None  # the agent stopped waiting (its deadline): nobody to answer
        if self.path == "/user/ada/api/kernels":
            return self.reply(200, FakeHub.kernels)
        if self.path == "/user/ada/api/terminals":
            return self.reply(200, FakeHub.terminals)
        return self.reply(404, {})


class CommandLine(unittest.TestCase):
    """`idle_agent.py --once --dry-run` with every input pointed at fakes."""

    @classmethod
    def setUpClass(cls):
        cls.server = Loopback(FakeHub)
        cls.hub_url = cls.server.url

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        self.work = tempfile.mkdtemp()
        self.proc = os.path.join(self.work, "proc")
        self.state = os.path.join(self.work, "state")
        self.token = write(self.work, "token", FakeHub.token)
        self.config = write(self.work, "environment.json", json.dumps({"gpu": True, "autoShutdown": {"idleMinutes": 30, "warnMinutes": 10, "signals": ["kernels", "cpu", "gpu"], "cpuThresholdPercent": 5, "gpuThresholdPercent": 10}}))
        self.smi = write(self.work, "nvidia-smi", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$0.args\"\ncat \"$0.out\"\n", mode=0o755)
        self.gpu("0, 0")
        FakeHub.kernels, FakeHub.terminals, FakeHub.mallory, FakeHub.paged = [], [], None, False

    def gpu(self, output):
        write(self.work, "nvidia-smi.out", output + "\n")

    def machine(self, cores, sectors=(0, 0), net=(0, 0), btime=1800000000):
        write(self.proc, "stat", proc_stat(cores, btime))
        write(self.proc, "diskstats", diskstats(*sectors))
        write(self.proc, "net/dev", net_dev(*net))

    def run_agent(self, now, hub_url=None, extra=()):
        argv = [sys.executable, AGENT, "--once", "--dry-run", "--config", self.config, "--token-file", self.token, "--hub-url", hub_url or self.hub_url,
                "--proc-root", self.proc, "--nvidia-smi", self.smi, "--state-dir", self.state, "--now", str(now), *extra]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stdout)
        return json.loads(lines[0])

    def test_two_runs_give_rates_and_a_decision(self):
        boot = 1800000000
        self.machine([(0, 0)] * 32, btime=boot)
        first = self.run_agent(boot + 60)
        self.assertEqual(set(first), {"idle", "idle_minutes", "signals", "action", "busy", "stops_in_minutes"})
        self.assertIsNone(first["signals"]["cpu"]["value"])  # no previous sample yet: unknown, not idle CPU
        self.machine([(6000, 0)] + [(0, 6000)] * 31, btime=boot)
        second = self.run_agent(boot + 120)
        self.assertEqual(second["busy"], ["cpu"])
        self.assertEqual(second["signals"]["cpu"]["value"], 100.0)
        self.assertEqual(second["action"], "none")
        with open(self.smi + ".args", encoding="utf-8") as handle:
            self.assertIn("--query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits", handle.read())

    def test_idle_machine_warns_then_stops_on_schedule(self):
        boot = 1800000000
        self.machine([(0, 0)] * 4, btime=boot)
        self.assertEqual(self.run_agent(boot + 60)["action"], "none")
        self.machine([(1, 6000)] * 4, btime=boot)
        warned = self.run_agent(boot + 20 * 60)
        self.assertEqual((warned["action"], warned["stops_in_minutes"], warned["idle_minutes"]), ("warn", 10, 20))
        self.machine([(2, 12000)] * 4, btime=boot)
        self.assertEqual(self.run_agent(boot + 30 * 60)["action"], "stop")

    def test_busy_silent_kernel_through_the_hub(self):
        boot = 1800000000
        self.machine([(0, 0)] * 2, btime=boot)
        FakeHub.kernels = [{"id": "k1", "execution_state": "busy", "last_activity": "2020-01-01T00:00:00Z"}]
        decision = self.run_agent(boot + 45 * 60, extra=["--idle-minutes", "30"])
        self.assertEqual(decision["busy"], ["kernels"])
        self.assertIn(("/user/ada/api/kernels", "token agent-token"), FakeHub.seen)

    def test_open_terminal_counts(self):
        self.machine([(0, 0)] * 2)
        FakeHub.terminals = [{"name": "1", "last_activity": "2020-01-01T00:00:00Z"}]
        self.assertEqual(self.run_agent(1800000000 + 600)["busy"], ["terminals"])

    def test_reads_every_page_of_hub_users(self):
        """A hub caps each user list at a page: ada, with an open terminal, is on the second."""
        self.machine([(0, 0)] * 2)
        FakeHub.mallory, FakeHub.paged = "ok", True
        FakeHub.terminals = [{"name": "1", "last_activity": "2020-01-01T00:00:00Z"}]
        self.assertEqual(self.run_agent(1800000000 + 600)["busy"], ["terminals"])

    def test_one_failing_user_server_is_busy_not_an_unreachable_hub(self):
        """ada has an open terminal; mallory's server answers 404 on /api/terminals. The
        hub stays reachable, ada's terminal keeps counting, mallory's server counts busy,
        long past the hub-unreachable limit (where a whole-hub outage would have ended)."""
        boot = 1800000000
        self.machine([(0, 0)] * 2, btime=boot)
        FakeHub.mallory = "404"
        FakeHub.terminals = [{"name": "1", "last_activity": "2020-01-01T00:00:00Z"}]
        for minute in (1, 40, 65, 75, 90):
            decision = self.run_agent(boot + minute * 60)
            self.assertEqual((decision["busy"], decision["action"]), (["terminals", "servers"], "none"), minute)
            self.assertEqual(decision["signals"]["hub"], {"value": True, "busy": False})
            self.assertEqual(decision["signals"]["servers"]["value"], 1)
            self.assertEqual(decision["signals"]["terminals"]["value"], 1)
        FakeHub.terminals = []
        self.assertEqual(self.run_agent(boot + 95 * 60)["busy"], ["servers"])

    def test_a_slow_user_server_counts_busy_once_the_polling_deadline_passes(self):
        self.machine([(0, 0)] * 2)
        FakeHub.mallory = "slow"  # 3 s per call, 6 s for its two calls
        started = time.monotonic()
        decision = self.run_agent(1800000000 + 40 * 60, extra=["--servers-deadline", "1"])
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual((decision["busy"], decision["action"]), (["servers"], "none"))
        self.assertEqual(decision["signals"]["hub"]["value"], True)

    def test_user_servers_are_asked_at_the_same_time(self):
        calls = []

        def slow():
            calls.append(time.monotonic())
            time.sleep(1)
            return 1

        started = time.monotonic()
        results = idle_agent.poll_all([slow] * 8 + [lambda: 1 / 0], deadline=30)
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual(results[:8], [("ok", 1)] * 8)
        self.assertEqual(results[8][0], "error")

    def test_hub_down_is_not_idle(self):
        self.machine([(0, 0)] * 2)
        decision = self.run_agent(1800000000 + 40 * 60, hub_url="http://127.0.0.1:9")
        self.assertEqual(decision["busy"], ["hub"])
        self.assertFalse(decision["idle"])

    def test_gpu_training_and_na_output(self):
        self.machine([(0, 0)] * 2)
        self.gpu("97, 15100")
        self.assertEqual(self.run_agent(1800000000 + 600)["busy"], ["gpu", "gpuMemory"])
        self.gpu("[N/A], [N/A]")
        decision = self.run_agent(1800000000 + 660)
        self.assertEqual(decision["busy"], [])
        self.assertIsNone(decision["signals"]["gpu"]["value"])

    def test_missing_nvidia_smi_and_empty_proc(self):
        os.makedirs(self.proc, exist_ok=True)
        decision = self.run_agent(1800000000 + 600, extra=["--nvidia-smi", os.path.join(self.work, "absent")])
        self.assertIsNone(decision["signals"]["gpu"]["value"])
        self.assertEqual(decision["busy"], [])

    def test_a_new_boot_restarts_the_clock(self):
        self.machine([(0, 0)] * 2, btime=1800000000)
        self.assertEqual(self.run_agent(1800000000 + 40 * 60)["idle_minutes"], 40)
        self.machine([(0, 0)] * 2, btime=1800090000)
        self.assertEqual(self.run_agent(1800090000 + 60)["idle_minutes"], 1)

    def test_acting_reports_busy_kernels_to_the_culler_and_announces_the_warning(self):
        boot = 1800000000
        pts = tempfile.mkdtemp()
        self.machine([(0, 0)] * 2, btime=boot)
        FakeHub.kernels = [{"id": "k1", "execution_state": "busy", "last_activity": "2020-01-01T00:00:00Z"}]
        FakeHub.seen = []
        argv = [sys.executable, AGENT, "--once", "--config", self.config, "--token-file", self.token, "--hub-url", self.hub_url, "--proc-root", self.proc,
                "--nvidia-smi", self.smi, "--state-dir", self.state, "--pts-root", pts]
        busy = subprocess.run([*argv, "--now", str(boot + 600)], capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(busy.returncode, 0, busy.stderr)
        posts = [entry for entry in FakeHub.seen if len(entry) == 3]
        self.assertEqual(len(posts), 1)
        self.assertEqual(posts[0][0], "/hub/api/users/ada/activity")
        self.assertEqual(list(posts[0][2]["servers"]), [""])
        self.assertFalse(os.path.exists(os.path.join(self.state, "announcement.txt")))
        # Quiet from minute 10: the warning at minute 30 (idle 30 - warn 10) goes to the banner file.
        FakeHub.kernels = []
        quiet = subprocess.run([*argv, "--now", str(boot + 1800)], capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(json.loads(quiet.stdout)["action"], "warn", quiet.stderr)
        with open(os.path.join(self.state, "announcement.txt"), encoding="utf-8") as handle:
            self.assertIn("stops in 10 minutes unless there is activity", handle.read())
        # Activity cancels: the banner goes away.
        FakeHub.terminals = [{"name": "1"}]
        subprocess.run([*argv, "--now", str(boot + 1860)], capture_output=True, text=True, timeout=60, check=False)
        self.assertFalse(os.path.exists(os.path.join(self.state, "announcement.txt")))

    def test_publishes_the_decision_for_status(self):
        # moto stands in for SSM; boto3 honours AWS_ENDPOINT_URL. The instance's python3 has
        # boto3 (python3-boto3); here the interpreter that has moto and a recent boto3 runs both.
        import shutil  # noqa: PLC0415
        import socket  # noqa: PLC0415
        import time  # noqa: PLC0415

        candidates = [sys.executable, shutil.which("python3") or ""]
        python = next((p for p in candidates if p and subprocess.run([p, "-c", "import boto3, moto"], capture_output=True, check=False).returncode == 0), None)
        if python is None:
            self.fail("needs a python3 with boto3 and moto (pip install moto[server]) on PATH")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        moto = subprocess.Popen([python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(moto.wait)
        self.addCleanup(moto.terminate)
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
        read = [python, "-c", "import boto3; print(boto3.client('ssm', region_name='us-east-1').get_parameter(Name='/arw/lab1/idle-status')['Parameter']['Value'])"]
        for _ in range(150):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        with open(self.config, encoding="utf-8") as handle:
            config = json.load(handle)
        write(self.work, "environment.json", json.dumps({**config, "environment": "lab1", "region": "us-east-1"}))
        self.machine([(0, 0)] * 2)
        argv = [python, AGENT, "--once", "--config", self.config, "--token-file", self.token, "--hub-url", self.hub_url, "--proc-root", self.proc,
                "--nvidia-smi", self.smi, "--state-dir", self.state, "--pts-root", tempfile.mkdtemp(), "--now", str(1800000000 + 25 * 60), "--instance-id", "i-0abc"]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        fetched = subprocess.run(read, capture_output=True, text=True, timeout=60, check=False, env=env)
        self.assertEqual(fetched.returncode, 0, fetched.stderr)
        published = json.loads(fetched.stdout)
        self.assertEqual(published["action"], "warn")
        self.assertEqual(published["idleMinutes"], 25)
        self.assertEqual(published["stopsInMinutes"], 10)
        self.assertEqual(published["time"], "2027-01-15T08:25:00Z")
        # The alarm's view of the agent: 0 = the agent counts the hub idle.
        metric = [python, "-c", "import boto3, json; print(json.dumps(boto3.client('cloudwatch', region_name='us-east-1').list_metrics(Namespace='AwsResearchWizard', MetricName='IdleAgentBusy')['Metrics']))"]
        listed = subprocess.run(metric, capture_output=True, text=True, timeout=60, check=False, env=env)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(json.loads(listed.stdout)[0]["Dimensions"], [{"Name": "InstanceId", "Value": "i-0abc"}])


class Terminals(unittest.TestCase):
    def test_warning_reaches_users_terminals_only(self):
        if os.geteuid() != 0:
            self.fail("needs root (to give the fake terminals a user's uid), as the agent runs on the instance")
        pts = tempfile.mkdtemp()
        for name, uid in (("3", 1001), ("4", 0)):
            write(pts, name, "")
            os.chown(os.path.join(pts, name), uid, uid)
        write(pts, "ptmx", "")
        self.assertEqual(idle_agent.tell_terminals(pts, "stops in 10 minutes"), 1)
        with open(os.path.join(pts, "3"), encoding="utf-8") as handle:
            self.assertIn("*** stops in 10 minutes ***", handle.read())
        with open(os.path.join(pts, "4"), encoding="utf-8") as handle:
            self.assertEqual(handle.read(), "")


if __name__ == "__main__":
    unittest.main()
