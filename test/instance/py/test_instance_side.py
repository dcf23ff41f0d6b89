"""Unit tests of the instance-side Python (run by test/instance/instance-python.test.ts
with the system python3, the interpreter the instance uses)."""
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import unittest.mock

TEMPLATES = os.environ["ARW_TEMPLATES"]
sys.path.insert(0, TEMPLATES)
os.environ.setdefault("ARW_LOG", os.path.join(tempfile.mkdtemp(), "boot.log"))

from common import arw  # noqa: E402
from configure import mount_s3  # noqa: E402
from install import install  # noqa: E402
from fake_http import Loopback  # noqa: E402

HOSTILE = [
    'Julia $(run(`touch /tmp/x`))',
    "a'b\"c`d`$e\\f",
    "line\nbreak",
    "%n %i $HOME ${PATH}",
    "--channel=https://evil.example/",
    "x" * 300,
]


class SystemdEscape(unittest.TestCase):
    CASES = ["/data/a-b", "/data/a.b", "/data/.hidden", "/mnt/ünï cødé", "/scratch/x/y", "/data/a_b:c", "/data//double/", "/"]

    def test_matches_systemd_escape(self):
        tool = shutil.which("systemd-escape")
        if tool is None:
            self.fail("systemd-escape is required (Debian package systemd)")
        for path in self.CASES:
            expected = subprocess.run([tool, "--path", path], capture_output=True, text=True, check=True).stdout.strip()
            self.assertEqual(arw.systemd_escape_path(path), expected, path)

    def test_distinct_paths_give_distinct_units(self):
        self.assertNotEqual(arw.systemd_escape_path("/data/a.b"), arw.systemd_escape_path("/data/a-b"))


class MountpointArguments(unittest.TestCase):
    def test_read_only_mount(self):
        args = mount_s3.mount_arguments({"source": "s3://usgs-landsat/collection02", "mountPath": "/data/landsat", "readOnly": True, "requesterPays": True, "region": "us-west-2"})
        self.assertEqual(args[0], "/usr/bin/mount-s3")
        self.assertNotIn("--foreground", args)  # daemonizes once mounted: the unit sees failures
        self.assertNotIn("--uid", args)  # Mountpoint refuses uid 0; root is its default owner
        self.assertEqual(args.count("--dir-mode"), 1)
        self.assertEqual(args.count("--file-mode"), 1)
        self.assertIn("--read-only", args)
        self.assertEqual(args[args.index("--prefix") + 1], "collection02/")
        self.assertEqual(args[-3:], ["--", "usgs-landsat", "/data/landsat"])

    def test_read_write_mount_once_each_mode(self):
        args = mount_s3.mount_arguments({"source": "s3://lab/runs/2026/", "mountPath": "/data/results", "readOnly": False})
        self.assertNotIn("--read-only", args)
        self.assertEqual(args.count("--dir-mode"), 1)
        self.assertEqual(args.count("--file-mode"), 1)
        self.assertIn("--allow-delete", args)
        self.assertEqual(args[args.index("--gid") + 1], "1999")
        self.assertEqual(args[args.index("--prefix") + 1], "runs/2026/")

    def test_unit_instance_finds_its_mount(self):
        config = {"dataMounts": [{"source": "s3://a", "mountPath": "/data/a.b"}, {"source": "s3://b", "mountPath": "/data/a-b"}]}
        self.assertEqual(mount_s3.find_mount(config, arw.systemd_escape_path("/data/a-b"))["source"], "s3://b")
        self.assertEqual(mount_s3.find_mount(config, arw.systemd_escape_path("/data/a.b"))["source"], "s3://a")


class KernelRegistration(unittest.TestCase):
    def kernel(self, language, display):
        return {"name": "k1", "display_name": display, "language": language, "version": "1.10", "packages": ["DataFrames", "CSV"], "channels": ["conda-forge"]}

    def test_values_never_reach_source_code(self):
        for language in ("python", "r", "julia"):
            for display in HOSTILE:
                argv, env = install.registration(self.kernel(language, display))
                self.assertEqual(env["ARW_KERNEL_DISPLAY_NAME"], display)
                if language == "python":
                    # An argument of its own, never parsed: argv is not a shell string.
                    self.assertEqual(argv[argv.index("--display-name") + 1], display)
                else:
                    # R and Julia run fixed code; the value only travels in the environment.
                    self.assertFalse(any(display in a for a in argv), (language, argv))

    def test_julia_packages_travel_one_a_line(self):
        argv, env = install.registration(self.kernel("julia", "Julia"))
        self.assertEqual(env["ARW_JULIA_PACKAGES_LINES"], "DataFrames\nCSV")
        self.assertTrue(argv[-1].endswith("install/julia_kernel.jl"))
        self.assertEqual(env["JULIA_DEPOT_PATH"], install.JULIA_DEPOT)

    def test_julia_script_reads_values_as_data(self):
        with open(os.path.join(TEMPLATES, "install", "julia_kernel.jl"), encoding="utf-8") as handle:
            source = handle.read()
        self.assertNotIn("eval(", source)
        self.assertNotIn("include_string", source)
        self.assertIn('ENV["ARW_KERNEL_DISPLAY_NAME"]', source)
        # The kernel sees each user's own depot first, then the shared one.
        self.assertIn('"JULIA_DEPOT_PATH" => ":" * shared_depot', source)

    def test_environment_file_keeps_packages_as_data(self):
        spec = install.kernel_environment({"name": "k", "language": "python", "version": "3.11", "packages": ["samtools=1.20", "pysam"], "channels": ["conda-forge", "bioconda"]})
        self.assertEqual(spec["channels"], ["conda-forge", "bioconda", "nodefaults"])
        self.assertEqual(spec["dependencies"], ["python=3.11", "ipykernel", "samtools=1.20", "pysam"])

    def test_kernel_path_puts_its_environment_first(self):
        self.assertTrue(install.kernel_path({"name": "genomics"}).startswith("/opt/conda/envs/genomics/bin:"))


class KernelPackage(unittest.TestCase):
    """Every Python kernel imports aws_research_wizard, and nothing else of the instance files."""

    def test_python_kernelspecs_get_the_package_dir_and_others_do_not(self):
        prefix = tempfile.mkdtemp()
        for name, language in (("py", "python"), ("r", "r")):
            os.makedirs(os.path.join(prefix, "share", "jupyter", "kernels", name))
            arw.write_json(os.path.join(prefix, "share", "jupyter", "kernels", name, "kernel.json"), {"argv": ["x"], "env": {"OTHER": "1"}})
            install.set_kernel_path({"name": name, "language": language}, kernel_prefix=prefix)
        py = arw.read_json(os.path.join(prefix, "share", "jupyter", "kernels", "py", "kernel.json"), None)
        r = arw.read_json(os.path.join(prefix, "share", "jupyter", "kernels", "r", "kernel.json"), None)
        self.assertEqual(py["env"]["PYTHONPATH"], install.KERNEL_PACKAGE_DIR)
        self.assertEqual(py["env"]["OTHER"], "1")
        self.assertNotIn("PYTHONPATH", r["env"])

    def test_the_package_dir_holds_only_a_link_to_the_package(self):
        lib, target = tempfile.mkdtemp(), tempfile.mkdtemp()
        self.assertEqual(install.link_kernel_package(lib=lib, package_dir=target), "linked")
        self.assertEqual(install.link_kernel_package(lib=lib, package_dir=target), "present")
        self.assertEqual(os.listdir(target), ["aws_research_wizard"])
        self.assertEqual(os.readlink(os.path.join(target, "aws_research_wizard")), os.path.join(lib, "aws_research_wizard"))

    def test_the_extension_config_is_ours_to_write_and_remove_and_no_one_elses(self):
        prefix = tempfile.mkdtemp()
        path = os.path.join(prefix, "etc", "ipython", "ipython_kernel_config.py")
        self.assertEqual(install.set_cost_extension(prefix, True), "on")
        with open(path, encoding="utf-8") as handle:
            self.assertIn('c.InteractiveShellApp.extensions.append("aws_research_wizard")', handle.read())
        self.assertEqual(install.set_cost_extension(prefix, False), "off")
        self.assertFalse(os.path.exists(path))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("c.InteractiveShellApp.exec_lines = ['import numpy']\n")
        self.assertEqual(install.set_cost_extension(prefix, True), "foreign")
        self.assertEqual(install.set_cost_extension(prefix, False), "foreign")
        self.assertTrue(os.path.exists(path))


class Artifacts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp()
        cls.payload = b"#!/bin/sh\necho installer\n"
        cls.hits = {}
        # Laid out as the mirror expects: /HOST/PATH.
        path = os.path.join(cls.root, "github.com/conda-forge/miniforge/releases/download/24.9.2-0")
        os.makedirs(path)
        with open(os.path.join(path, "Miniforge3-24.9.2-0-Linux-aarch64.sh"), "wb") as handle:
            handle.write(cls.payload)
        with open(os.path.join(path, "Miniforge3-24.9.2-0-Linux-aarch64.sh.sha256"), "w", encoding="utf-8") as handle:
            handle.write(hashlib.sha256(cls.payload).hexdigest() + "  Miniforge3-24.9.2-0-Linux-aarch64.sh\n")
        root, hits = cls.root, cls.hits

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=root, **k)

            def do_GET(self):  # noqa: N802
                hits[self.path] = hits.get(self.path, 0) + 1
                if self.path.endswith("/flaky") and hits[self.path] < 3:
                    self.send_error(503)
                    return
                if self.path.endswith("/flaky"):
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        cls.server = Loopback(Handler)
        cls.mirror = cls.server.url
        with open(os.path.join(TEMPLATES, "install", "artifacts.json"), encoding="utf-8") as handle:
            cls.artifacts = json.load(handle)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_architecture_names(self):
        self.assertEqual(install.machine_arch("aarch64"), "arm64")
        self.assertEqual(install.machine_arch("x86_64"), "x86_64")
        # Each download uses its publisher's own name for the architecture.
        self.assertIn("/arm64/mount-s3-", install.artifact_url(self.artifacts["mountpoint"], "arm64"))
        self.assertIn("-Linux-aarch64.sh", install.artifact_url(self.artifacts["miniforge"], "arm64"))
        self.assertIn("/ubuntu/amd64/", install.artifact_url(self.artifacts["cloudwatchAgent"], "x86_64"))

    def test_mirror_layout(self):
        url = install.artifact_url(self.artifacts["miniforge"], "arm64", mirror="http://m.internal/base/")
        self.assertEqual(url, "http://m.internal/base/github.com/conda-forge/miniforge/releases/download/24.9.2-0/Miniforge3-24.9.2-0-Linux-aarch64.sh")

    def test_verified_download_from_mirror(self):
        entry = self.artifacts["miniforge"]
        expected = install.fetch_text(install.artifact_url(entry, "arm64", "sha256Url", self.mirror)).split()[0]
        target = os.path.join(tempfile.mkdtemp(), "miniforge.sh")
        install.download(install.artifact_url(entry, "arm64", mirror=self.mirror), target, sha256=expected)
        with open(target, "rb") as handle:
            self.assertEqual(handle.read(), self.payload)

    def test_checksum_mismatch_is_refused_and_leaves_nothing(self):
        target = os.path.join(tempfile.mkdtemp(), "miniforge.sh")
        url = install.artifact_url(self.artifacts["miniforge"], "arm64", mirror=self.mirror)
        with self.assertRaisesRegex(ValueError, "checksum mismatch"):
            install.download(url, target, sha256="0" * 64, attempts=2, sleep=lambda s: None)
        self.assertFalse(os.path.exists(target))

    def test_transient_errors_are_retried(self):
        target = os.path.join(tempfile.mkdtemp(), "flaky")
        install.download(self.mirror + "/flaky", target, attempts=4, sleep=lambda s: None)
        self.assertEqual(self.hits["/flaky"], 3)

    def test_a_missing_file_fails_at_once(self):
        with self.assertRaises(install.PermanentDownloadError):
            install.download(self.mirror + "/missing", os.path.join(tempfile.mkdtemp(), "x"), attempts=3, sleep=lambda s: None)
        self.assertEqual(self.hits["/missing"], 1)

    def test_server_errors_are_retried_until_the_attempts_run_out(self):
        self.hits.pop("/flaky", None)
        with self.assertRaises(Exception):
            install.download(self.mirror + "/flaky", os.path.join(tempfile.mkdtemp(), "x"), attempts=2, sleep=lambda s: None)
        self.assertEqual(self.hits["/flaky"], 2)


class Accounts(unittest.TestCase):
    def setUp(self):
        os.environ["ARW_ACCOUNTS_DIR"] = tempfile.mkdtemp()
        from configure import accounts  # noqa: PLC0415 - reads ARW_ACCOUNTS_DIR on each call

        self.accounts = accounts

    def test_distinct_signins_never_share_an_account(self):
        names = {self.accounts.name_for(s) for s in ["john.smith@uni.edu", "john@smith.uni.edu", "John.Smith@uni.edu", "john-smith@other.edu"]}
        # The first and third are the same person (case), the others are not.
        self.assertEqual(len(names), 3)

    def test_long_names_that_share_a_prefix_stay_distinct(self):
        a = self.accounts.name_for("a" * 40 + "1@x.org")
        b = self.accounts.name_for("a" * 40 + "2@x.org")
        self.assertNotEqual(a, b)
        self.assertLessEqual(max(len(a), len(b)), 32)

    def test_stable_and_recorded(self):
        first = self.accounts.assign("ada@example.org")
        self.accounts.assign("grace@example.org")
        again = self.accounts.assign("Ada@Example.org ")
        self.assertEqual(first, again)
        with open(os.path.join(os.environ["ARW_ACCOUNTS_DIR"], "users.json"), encoding="utf-8") as handle:
            registry = json.load(handle)
        self.assertEqual(sorted(e["uid"] for e in registry["users"].values()), [2000, 2001])

    def test_image_accounts_are_never_handed_out(self):
        self.assertNotEqual(self.accounts.name_for("root@example.org"), "root")

    def test_control_characters_refused(self):
        with self.assertRaises(ValueError):
            self.accounts.assign("a\nb@example.org")

    def test_account_names_normalize_to_themselves(self):
        # JupyterHub normalizes admin_users (already account names) again at start-up.
        ada = self.accounts.name_for("ada@example.org")
        self.assertEqual(self.accounts.hub_name(ada), ada)
        self.assertEqual(self.accounts.hub_name("Ada@Example.org"), ada)
        with open(os.path.join(os.environ["ARW_ACCOUNTS_DIR"], "users.json"), encoding="utf-8") as handle:
            self.assertEqual(len(json.load(handle)["users"]), 1)



NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


class ExampleNotebooks(unittest.TestCase):
    """configure/examples.py on a temporary root: /shared/examples and a new user's home."""

    def setUp(self):
        from configure import examples  # noqa: PLC0415

        self.examples = examples
        self.root = tempfile.mkdtemp()
        self.shared = os.path.join(self.root, "shared", "examples")

    def config(self, *names, enabled=True):
        return {"notebookExamples": enabled, "exampleNotebooks": [{"name": n, "content": NOTEBOOK.replace("[]", f'["{n}"]', 1)} for n in names]}

    def mode(self, path):
        return os.lstat(path).st_mode & 0o7777

    def test_placed_read_only_and_owned_by_root(self):
        names = self.examples.place_shared(self.config("intro.ipynb", "era5_slice-2.ipynb"), self.shared)
        self.assertEqual(names, ["intro.ipynb", "era5_slice-2.ipynb"])
        self.assertEqual(sorted(os.listdir(self.shared)), ["era5_slice-2.ipynb", "intro.ipynb"])
        self.assertEqual(self.mode(self.shared), 0o755)
        for name in names:
            path = os.path.join(self.shared, name)
            self.assertEqual(self.mode(path), 0o644)
            self.assertEqual(os.lstat(path).st_uid, os.geteuid())
            with open(path, encoding="utf-8") as handle:
                self.assertEqual(json.load(handle)["cells"], [name])
        # No staging directory is left behind next to it.
        self.assertEqual(os.listdir(os.path.dirname(self.shared)), ["examples"])

    def test_hostile_names_never_leave_the_directory(self):
        hostile = ["../escape.ipynb", "/etc/evil.ipynb", "a/b.ipynb", ".hidden.ipynb", "x.py", "x.ipynb\n", "", "..", "x" * 200 + ".ipynb"]
        config = {"exampleNotebooks": [{"name": n, "content": NOTEBOOK} for n in hostile] + [{"name": 7, "content": NOTEBOOK}, {"name": "ok.ipynb", "content": NOTEBOOK}, {"name": "ok.ipynb", "content": "second"}]}
        self.assertEqual(self.examples.place_shared(config, self.shared), ["ok.ipynb"])
        self.assertEqual(os.listdir(self.shared), ["ok.ipynb"])
        with open(os.path.join(self.shared, "ok.ipynb"), encoding="utf-8") as handle:
            self.assertEqual(handle.read(), NOTEBOOK)
        everything = [os.path.join(d, f) for d, _, files in os.walk(self.root) for f in files]
        self.assertEqual(everything, [os.path.join(self.shared, "ok.ipynb")])

    def test_a_new_deploy_replaces_the_set_and_turning_it_off_removes_it(self):
        self.examples.place_shared(self.config("old.ipynb"), self.shared)
        self.examples.place_shared(self.config("new.ipynb"), self.shared)
        self.assertEqual(os.listdir(self.shared), ["new.ipynb"])
        self.assertEqual(self.examples.place_shared(self.config("new.ipynb", enabled=False), self.shared), [])
        self.assertFalse(os.path.lexists(self.shared))
        self.assertEqual(os.listdir(os.path.dirname(self.shared)), [])

    def test_something_a_user_put_there_is_moved_aside_not_followed(self):
        os.makedirs(os.path.dirname(self.shared))
        elsewhere = os.path.join(self.root, "elsewhere")
        os.makedirs(elsewhere)
        os.symlink(elsewhere, self.shared)
        self.examples.place_shared(self.config("intro.ipynb"), self.shared)
        self.assertEqual(os.listdir(elsewhere), [])  # nothing written through the link
        self.assertTrue(os.path.isdir(self.shared) and not os.path.islink(self.shared))
        moved = [n for n in os.listdir(os.path.dirname(self.shared)) if n.startswith("examples.moved-")]
        self.assertEqual(len(moved), 1)
        self.assertEqual(os.readlink(os.path.join(os.path.dirname(self.shared), moved[0])), elsewhere)

    def test_install_reports_a_failure_instead_of_failing_the_boot(self):
        blocker = os.path.join(self.root, "file")
        with open(blocker, "w", encoding="utf-8") as handle:
            handle.write("not a directory")
        with unittest.mock.patch.object(self.examples, "SHARED_EXAMPLES", os.path.join(blocker, "examples")):
            self.assertTrue(self.examples.install(self.config("intro.ipynb")).startswith("failed: "))

    def test_a_new_account_gets_its_own_copy_once(self):
        from configure import accounts  # noqa: PLC0415

        self.examples.place_shared(self.config("intro.ipynb"), self.shared)
        uid = 4242 if os.geteuid() == 0 else os.getuid()
        homes = os.path.join(self.root, "home")
        os.makedirs(homes)
        account = type("Account", (), {"pw_uid": uid})
        with unittest.mock.patch.object(self.examples, "SHARED_EXAMPLES", self.shared), unittest.mock.patch.object(accounts, "HOME_ROOT", homes), unittest.mock.patch.object(accounts.pwd, "getpwnam", return_value=account):
            previous = os.umask(0o077)  # the modes do not depend on the caller's umask
            try:
                accounts.ensure_account({"name": "ada", "uid": uid})
            finally:
                os.umask(previous)
            copy = os.path.join(homes, "ada", "examples", "intro.ipynb")
            self.assertEqual((self.mode(copy), self.mode(os.path.dirname(copy))), (0o644, 0o755))
            with open(copy, encoding="utf-8") as handle:
                self.assertEqual(json.load(handle)["cells"], ["intro.ipynb"])
            self.assertEqual((os.lstat(copy).st_uid, os.lstat(os.path.dirname(copy)).st_uid), (uid, uid))
            # The user edits the copy and the deploy changes the examples: the next boot
            # (same home) copies nothing, and the edit stays.
            with open(copy, "w", encoding="utf-8") as handle:
                handle.write("my edit")
            self.examples.place_shared(self.config("intro.ipynb", "another.ipynb"), self.shared)
            accounts.ensure_account({"name": "ada", "uid": uid})
            self.assertEqual(os.listdir(os.path.dirname(copy)), ["intro.ipynb"])
            with open(copy, encoding="utf-8") as handle:
                self.assertEqual(handle.read(), "my edit")

    def test_seeding_never_overwrites_and_skips_what_is_not_a_plain_file(self):
        self.examples.place_shared(self.config("intro.ipynb", "two.ipynb"), self.shared)
        os.symlink("/etc/passwd", os.path.join(self.shared, "link.ipynb"))
        home = os.path.join(self.root, "home", "grace")
        os.makedirs(os.path.join(home, "examples"))
        with open(os.path.join(home, "examples", "intro.ipynb"), "w", encoding="utf-8") as handle:
            handle.write("mine")
        self.assertEqual(self.examples.seed_home(home, self.shared), ["two.ipynb"])
        with open(os.path.join(home, "examples", "intro.ipynb"), encoding="utf-8") as handle:
            self.assertEqual(handle.read(), "mine")
        self.assertFalse(os.path.lexists(os.path.join(home, "examples", "link.ipynb")))

    def test_no_shared_examples_no_copy(self):
        home = os.path.join(self.root, "home", "alan")
        os.makedirs(home)
        self.assertEqual(self.examples.seed_home(home, self.shared), [])
        self.assertEqual(os.listdir(home), [])


if __name__ == "__main__":
    unittest.main()
