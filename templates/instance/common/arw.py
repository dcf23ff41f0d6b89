"""Shared pieces of the instance side: the environment description, logging, retries,
instance metadata (IMDSv2), AWS clients, and boot progress reporting.

Standard library plus boto3 (python3-boto3 from the distribution): this runs under
the image's system python3 before any conda environment exists.
"""
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CONFIG_PATH = os.environ.get("ARW_CONFIG", "/etc/aws-research-wizard/environment.json")
LIB = os.environ.get("ARW_LIB", "/opt/aws-research-wizard")
STATE_DIR = os.environ.get("ARW_STATE", "/var/lib/aws-research-wizard")
LOG_PATH = os.environ.get("ARW_LOG", "/var/log/aws-research-wizard-bootstrap.log")
IMDS = "http://169.254.169.254"
CONDA = "/opt/conda"
HUB_ENV = CONDA + "/envs/hub"
# Kernelspecs go to the system-wide Jupyter data directory, seen by every Jupyter install.
KERNEL_PREFIX = "/usr/local"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class StepFailed(Exception):
    """A boot step failed; `step` names it for the status report and the signal."""

    def __init__(self, step, message):
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


def load_config(path=None):
    with open(path or CONFIG_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def log(message):
    line = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + " arw: " + message
    print(line, flush=True)
    try:
        with open(LOG_PATH, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError:
        pass


def retry(what, action, attempts=6, base_delay=2.0, max_delay=60.0, retry_on=(Exception,), sleep=time.sleep):
    """Runs action() until it succeeds, with exponential backoff and jitter.

    Networks at boot are flaky (NAT not routed yet, mirrors busy); every download and
    AWS call goes through here so a transient failure is not a failed hub.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except retry_on as error:  # noqa: PERF203 - the loop is the retry
            if attempt == attempts:
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            log(f"{what} failed (attempt {attempt}/{attempts}): {error}; retrying in {delay:.0f}s")
            sleep(delay)
    return None


def run(argv, what=None, env=None, timeout=None, input_text=None):
    """Runs a command (argument list, never a shell string), streaming its output to the log."""
    label = what or argv[0]
    log("running " + label)
    merged = dict(os.environ, **(env or {}))
    result = subprocess.run(argv, env=merged, timeout=timeout, input=input_text, text=True, capture_output=True, check=False)
    output = (result.stdout or "") + (result.stderr or "")
    if output.strip():
        try:
            with open(LOG_PATH, "a", encoding="utf-8") as handle:
                handle.write(output if output.endswith("\n") else output + "\n")
        except OSError:
            pass
    if result.returncode != 0:
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise RuntimeError(f"{label} exited {result.returncode}: {tail}"[:600])
    return result.stdout


def imds_get(path, timeout=3):
    """GET from the instance metadata service with an IMDSv2 session token."""
    token_request = urllib.request.Request(
        IMDS + "/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"}
    )
    with urllib.request.urlopen(token_request, timeout=timeout) as response:
        token = response.read().decode()
    request = urllib.request.Request(IMDS + path, headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read().decode()


def instance_id():
    return retry("instance metadata", lambda: imds_get("/latest/meta-data/instance-id"), attempts=10, base_delay=1)


def aws(service, config):
    """A boto3 client with timeouts and the SDK's own adaptive retries."""
    import boto3  # noqa: PLC0415 - only the AWS-facing steps need it
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        service,
        region_name=config["region"],
        config=Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 8, "mode": "adaptive"}),
    )


class Progress:
    """Boot progress, written to the log, to the boot-status parameter (read by `deploy`
    and `status`) and, at the end, as the CloudFormation readiness signal."""

    def __init__(self, config, phase):
        self.config = config
        self.phase = phase
        self.kernels = {}
        # Example notebooks placed in /shared/examples this boot (None until that step ran).
        self.examples = None
        self._instance = None
        self._ssm = None  # built on the first report, then reused: a boot reports some twenty times

    @property
    def instance(self):
        if self._instance is None:
            self._instance = instance_id()
        return self._instance

    def step(self, name, detail, action):
        """Reports a step, runs it, and turns any failure into a StepFailed naming it."""
        self.report(name, detail)
        try:
            return action()
        except StepFailed:
            raise
        except Exception as error:  # noqa: BLE001 - any failure names its step
            raise StepFailed(name, str(error)[:1500]) from error

    def report(self, step, detail, phase=None, failed_step=None, message=None):
        log(f"[{phase or self.phase}] {detail}")
        status = {
            "phase": phase or self.phase,
            "step": step,
            "detail": detail,
            "failedStep": failed_step,
            "message": message,
            "instanceId": self.instance,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "kernels": self.kernels or _read_json(os.path.join(STATE_DIR, "kernels.json"), {}),
        }
        if self.examples is not None:
            status["examples"] = self.examples
        write_json(os.path.join(STATE_DIR, "boot-status.json"), status)
        name = self.config.get("bootStatusParameter")
        if not name:
            return
        try:
            self._put_status(name, status)
        except Exception as error:  # noqa: BLE001 - progress reporting must never fail the boot
            log(f"could not publish boot status: {error}")

    def _put_status(self, name, status):
        body = json.dumps(status)
        if len(body) > 4000:  # standard SSM parameters hold 4 KB
            status = dict(status, kernels={}, message=(status.get("message") or "")[:1000])
            body = json.dumps(status)
        if self._ssm is None:
            self._ssm = aws("ssm", self.config)
        self._ssm.put_parameter(Name=name, Value=body, Type="String", Overwrite=True)

    def signal(self, success):
        """Tells CloudFormation the hub is ready (or failed): the stack's CreationPolicy waits for it."""
        stack, logical_id = self.config.get("stackName"), self.config.get("hubLogicalId")
        if not stack or not logical_id:
            return
        client = aws("cloudformation", self.config)
        try:
            retry(
                "readiness signal",
                lambda: client.signal_resource(
                    StackName=stack, LogicalResourceId=logical_id, UniqueId=self.instance, Status="SUCCESS" if success else "FAILURE"
                ),
                attempts=5,
            )
        except Exception as error:  # noqa: BLE001
            # A stack that is already complete rejects further signals (every later boot).
            log(f"readiness signal not accepted: {error}")


def _read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


read_json = _read_json


def write_json(path, value, mode=0o644):
    """Atomic write: a crash mid-write never leaves half a registry or status file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


HUB_PAGE = 200  # JupyterHub's largest page


def hub_users(token, hub_api, timeout=10, state=None):
    """Every hub user with their servers, page by page. JupyterHub caps every list answer at a
    page, asked for or not, so a caller that read one answer would miss everyone past it."""
    users, offset = [], 0
    while True:
        query = urllib.parse.urlencode({"offset": offset, "limit": HUB_PAGE, **({"state": state} if state else {})})
        request = urllib.request.Request(
            f"{hub_api}/users?{query}",
            headers={"Authorization": f"token {token}", "Accept": "application/jupyterhub-pagination+json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
        # A hub without pagination answers with a plain list of everyone.
        items = body.get("items", []) if isinstance(body, dict) else body
        users.extend(user for user in items if isinstance(user, dict) and isinstance(user.get("name"), str))
        following = (body.get("_pagination") or {}).get("next") if isinstance(body, dict) else None
        if not following or not items:
            return users
        offset = int(following.get("offset", offset + len(items)))


def systemd_escape_path(path):
    """systemd-escape --path: the unit-name form of an absolute path (systemd.unit(5))."""
    trimmed = "/".join(part for part in path.split("/") if part)
    if not trimmed:
        return "-"
    out = []
    for index, byte in enumerate(trimmed.encode("utf-8")):
        char = chr(byte)
        if char == "/":
            out.append("-")
        elif (char.isascii() and char.isalnum()) or char in ":_" or (char == "." and index > 0):
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def run_phase(phase, body):
    """Runs a phase (body(config, progress)); on failure reports which step failed,
    signals FAILURE and exits 1."""
    config = load_config()
    progress = Progress(config, phase)
    try:
        body(config, progress)
    except StepFailed as error:
        progress.report(error.step, f"failed: {error.step}", phase="failed", failed_step=error.step, message=error.message[:1500])
        progress.signal(False)
        sys.exit(1)
