#!/usr/bin/env python3
"""Stops the instance when every idleness signal has been quiet for the pack's idle minutes,
after warning everyone with a running server.

Runs every minute from a systemd timer (`--once`). The rules live in idle_model.json next
to this file, the same data `jupyter status` reads, so the agent and the CLI cannot
disagree about what "idle" means. Signals: busy kernels and open terminals (each user
server's API, reached through the hub with the agent's service token; a server that fails
to answer counts as busy), the busiest core's
CPU, disk and network throughput (differences between this run's /proc sample and the
previous run's), GPU utilisation and memory in use (nvidia-smi).

State lives in /run (a tmpfs): a reboot clears it, so the idle clock starts at boot and a
`jupyter start` is never followed by an immediate stop. The instance is launched with
shutdown behaviour "stop", so powering off stops (never terminates) it and every volume
stays. A CloudWatch alarm is the backstop if this agent itself dies.

`idle_agent.py --once --dry-run` prints one JSON decision and changes nothing but its own
state: the way to see on an instance why it is (not) idle.
"""
import argparse
import json
import math
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from common import arw  # noqa: E402 - the instance files' own package, beside this folder

MODEL_PATH = os.path.join(HERE, "idle_model.json")
SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's own size
# Block devices that are not disks holding anyone's work.
IGNORED_DISKS = ("loop", "ram", "zram", "sr", "fd")
HTTP_TIMEOUT = 5
# All user servers together, well inside the unit's TimeoutStartSec (120 s): a server not
# answered by then counts as busy. A few at a time, so one slow server does not hold the rest.
SERVERS_DEADLINE = 60
SERVER_WORKERS = 8


def load_model(path=MODEL_PATH):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def settings_for(model, auto):
    """The pack's auto-shutdown settings (environment.json autoShutdown) over the model's defaults."""
    merged = dict(model["defaults"])
    merged["signals"] = ["kernels", "cpu", "gpu"]
    for key, value in (auto or {}).items():
        if value is not None:
            merged[key] = value
    return merged


def threshold_of(signal, settings):
    limit = signal["busyAtLeast"]
    return float(settings[limit["config"]]) if isinstance(limit, dict) else float(limit)


def decide(model, settings, state, observation):
    """The pure model: (state, observation) -> (new state, decision). Mirrored by src/lib/idle/model.ts."""
    now = float(observation["now"])
    boot = float(observation.get("bootTime") or now)
    if state.get("bootTime") != boot:
        # A state from an earlier boot (or none): the clock starts at this boot.
        state = {"bootTime": boot}
    quiet_since = float(state.get("quietSince", boot))
    hub_down_since = state.get("hubDownSince")
    warned_at = state.get("warnedAt")
    groups = set(settings.get("signals") or [])
    limit = float(model["hubUnreachableLimitMinutes"]) * 60
    busy = []
    signals = {}

    if observation.get("hubReachable") is False:
        hub_down_since = now if hub_down_since is None else float(hub_down_since)
        down_for = now - hub_down_since
        hub_busy = "kernels" in groups and down_for < limit
        if hub_busy:
            busy.append("hub")
        else:
            # Quiet only from the moment the outage passed the limit: the outage itself is not idle time.
            quiet_since = max(quiet_since, hub_down_since + limit)
        signals["hub"] = {"value": False, "unreachableMinutes": int(down_for // 60), "busy": hub_busy}
    else:
        hub_down_since = None
        if "hubReachable" in observation:
            signals["hub"] = {"value": observation["hubReachable"], "busy": False}

    for signal in model["signals"]:
        value = observation.get(signal["observation"])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = None
        threshold = threshold_of(signal, settings)
        counts = signal["group"] in groups
        is_busy = counts and value is not None and value >= threshold
        if is_busy:
            busy.append(signal["name"])
        signals[signal["name"]] = {"value": value, "threshold": threshold, "busy": is_busy, "counted": counts}

    if busy:
        quiet_since = now
        warned_at = None
    quiet = max(0.0, now - quiet_since)
    idle_limit = int(settings.get("idleMinutes") or 0) * 60
    warn = max(0, int(settings.get("warnMinutes") or 0)) * 60
    action, stops_in = "none", None
    if idle_limit > 0 and not busy and quiet >= idle_limit - warn:
        warned_at = now if warned_at is None else float(warned_at)
        remaining = max(idle_limit - quiet, min(warn, idle_limit) - (now - warned_at))
        action = "stop" if remaining <= 0 else "warn"
        stops_in = max(0, math.ceil(remaining / 60))
    elif not busy:
        warned_at = None
    new_state = {"bootTime": boot, "quietSince": quiet_since, "hubDownSince": hub_down_since, "warnedAt": warned_at}
    decision = {
        "idle": not busy,
        "idle_minutes": int(quiet // 60),
        "busy": busy,
        "action": action,
        "stops_in_minutes": stops_in,
        "signals": signals,
    }
    return new_state, decision


# ---- measuring -------------------------------------------------------------------------


def read_proc(proc_root):
    """One sample of the kernel's counters: per-core CPU jiffies, disk sectors, network bytes, boot time."""
    sample = {"cores": {}, "bootTime": None, "diskSectors": None, "networkBytes": None}
    try:
        with open(os.path.join(proc_root, "stat"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if not parts:
                    continue
                if parts[0].startswith("cpu") and parts[0] != "cpu":
                    fields = [int(x) for x in parts[1:]]
                    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
                    # guest time is already counted in user/nice (proc(5)): only the first 8 fields.
                    total = sum(fields[:8])
                    sample["cores"][parts[0]] = [total - idle, total]
                elif parts[0] == "btime":
                    sample["bootTime"] = int(parts[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(os.path.join(proc_root, "diskstats"), encoding="utf-8") as handle:
            rows = [line.split() for line in handle if len(line.split()) >= 10]
        names = {row[2] for row in rows}
        sectors = 0
        for row in rows:
            name = row[2]
            if name.startswith(IGNORED_DISKS):
                continue
            # Partitions repeat their disk's traffic (xvda1 under xvda, nvme0n1p1 under nvme0n1).
            if any(other != name and name.startswith(other) for other in names):
                continue
            sectors += int(row[5]) + int(row[9])
        sample["diskSectors"] = sectors
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(os.path.join(proc_root, "net", "dev"), encoding="utf-8") as handle:
            total = 0
            for line in handle:
                if ":" not in line:
                    continue
                name, counters = line.split(":", 1)
                fields = counters.split()
                if name.strip() == "lo" or len(fields) < 9:
                    continue
                total += int(fields[0]) + int(fields[8])
        sample["networkBytes"] = total
    except (OSError, ValueError, IndexError):
        pass
    return sample


def rates(previous, current, elapsed):
    """Busiest core, average CPU, disk and network per second between two samples (None when unknown)."""
    out = {"busiestCorePercent": None, "averageCpuPercent": None, "diskBytesPerSecond": None, "networkBytesPerSecond": None}
    if not previous or elapsed <= 0:
        return out
    percents = []
    busy_sum = total_sum = 0
    for core, (busy, total) in current.get("cores", {}).items():
        before = previous.get("cores", {}).get(core)
        if not before or total - before[1] <= 0:
            continue
        delta_busy, delta_total = busy - before[0], total - before[1]
        percents.append(100.0 * max(0, delta_busy) / delta_total)
        busy_sum += max(0, delta_busy)
        total_sum += delta_total
    if percents:
        out["busiestCorePercent"] = round(max(percents), 1)
        out["averageCpuPercent"] = round(100.0 * busy_sum / total_sum, 1)
    for key, name, scale in (("diskSectors", "diskBytesPerSecond", SECTOR_BYTES), ("networkBytes", "networkBytesPerSecond", 1)):
        if current.get(key) is not None and previous.get(key) is not None and current[key] >= previous[key]:
            out[name] = round((current[key] - previous[key]) * scale / elapsed)
    return out


def parse_nvidia_smi(text):
    """`utilization.gpu, memory.used` per GPU line -> (max utilisation, total MiB); [N/A] and junk are unknown."""
    utilisation, memory = [], []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 2:
            continue
        for value, into in ((parts[0], utilisation), (parts[1], memory)):
            try:
                number = float(value)
            except ValueError:
                continue  # "[N/A]", "[Not Supported]", an error message
            if math.isfinite(number):
                into.append(number)
    return (max(utilisation) if utilisation else None, sum(memory) if memory else None)


def gpu_reading(nvidia_smi):
    if not nvidia_smi:
        return None, None
    try:
        result = subprocess.run(
            [nvidia_smi, "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None, None
    return parse_nvidia_smi(result.stdout) if result.returncode == 0 else (None, None)


def _get_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)


def _recent(stamp, now, minutes):
    if not stamp:
        return False
    try:
        from datetime import datetime  # noqa: PLC0415

        seen = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return now - seen < minutes * 60


def _server_reading(base, user_name, server_name, server, token, now, recent_minutes):
    """Busy kernels and open terminals of one user server (raises on any failure)."""
    root = base + "/" + server["url"].lstrip("/")
    root = root if root.endswith("/") else root + "/"
    user_kernels = _get_json(urllib.parse.urljoin(root, "api/kernels"), token)
    user_terminals = _get_json(urllib.parse.urljoin(root, "api/terminals"), token)
    if not isinstance(user_kernels, list) or not isinstance(user_terminals, list):
        raise ValueError("kernels or terminals is not a list")
    busy_here = sum(1 for k in user_kernels if k.get("execution_state") in ("busy", "starting") or _recent(k.get("last_activity"), now, recent_minutes))
    return {"user": user_name, "server": server_name, "busyKernels": busy_here, "terminals": len(user_terminals)}


def poll_all(jobs, deadline, workers=SERVER_WORKERS):
    """Runs the jobs on a few daemon threads for at most `deadline` seconds. One result per
    job: ("ok", value), ("error", text), or None when not finished in time. Daemon threads:
    a job still waiting on a slow server never keeps the run from deciding and exiting."""
    results = [None] * len(jobs)
    if not jobs:
        return results
    pending, lock, done, stop = queue.Queue(), threading.Lock(), threading.Event(), threading.Event()
    left = [len(jobs)]
    for index in range(len(jobs)):
        pending.put(index)

    def work():
        while not stop.is_set():
            try:
                index = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = ("ok", jobs[index]())
            except Exception as error:  # noqa: BLE001 - any failure of one server is that server's
                results[index] = ("error", str(error)[:200])
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    done.set()

    for _ in range(min(workers, len(jobs))):
        threading.Thread(target=work, daemon=True).start()
    done.wait(deadline)
    stop.set()
    return list(results)


def hub_reading(hub_url, token, now, recent_minutes=2, deadline=SERVERS_DEADLINE):
    """Busy kernels and open terminals across every running server.

    hubReachable is False only when the hub's own API fails. A user server that fails
    (an error status, bad JSON, a timeout) or is not reached within the deadline is counted
    in unansweredServers, which the model counts as busy: a server that cannot say what it
    runs is no evidence that nobody works on it. A kernel counts when it is executing, or
    has sent a message in the last minutes (someone working interactively between two samples)."""
    reading = {"hubReachable": False, "busyKernels": None, "openTerminals": None, "unansweredServers": None, "servers": []}
    if not token:
        return reading
    base = hub_url.rstrip("/")
    try:
        users = arw.hub_users(token, f"{base}/hub/api", timeout=HTTP_TIMEOUT, state="active")
        targets = []
        for user in users:
            for server_name, server in (user.get("servers") or {}).items():
                if not server.get("ready") or not server.get("url"):
                    continue
                targets.append((str(user["name"]), server_name, server))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        reading["error"] = str(error)[:200]
        return reading
    jobs = [lambda t=target: _server_reading(base, t[0], t[1], t[2], token, now, recent_minutes) for target in targets]
    kernels = terminals = unanswered = 0
    servers = []
    for (user_name, server_name, _server), result in zip(targets, poll_all(jobs, deadline)):
        if result is not None and result[0] == "ok":
            kernels += result[1]["busyKernels"]
            terminals += result[1]["terminals"]
            servers.append(result[1])
        else:
            unanswered += 1
            problem = result[1] if result else f"no answer within {deadline} s"
            servers.append({"user": user_name, "server": server_name, "busyKernels": None, "terminals": None, "error": problem})
            print(f"idle-agent: the server of {user_name} did not answer (counted busy): {problem}", file=sys.stderr)
    reading.update(hubReachable=True, busyKernels=kernels, openTerminals=terminals, unansweredServers=unanswered, servers=servers)
    return reading


def observe(args, previous_sample, model):
    now = float(args.now) if args.now is not None else time.time()
    sample = read_proc(args.proc_root)
    sample["time"] = now
    elapsed = now - float(previous_sample.get("time", now)) if previous_sample else 0
    if previous_sample and previous_sample.get("bootTime") != sample.get("bootTime"):
        previous_sample = None  # counters restarted with the machine
    observation = {"now": now, "bootTime": sample.get("bootTime") or None, **rates(previous_sample, sample, elapsed)}
    observation["gpuPercent"], observation["gpuMemoryMiB"] = gpu_reading(args.nvidia_smi)
    token = ""
    try:
        with open(args.token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError:
        pass
    hub = hub_reading(args.hub_url, token, now, model.get("kernelRecentMinutes", 2), args.servers_deadline)
    observation.update({k: hub[k] for k in ("hubReachable", "busyKernels", "openTerminals", "unansweredServers")})
    return observation, sample, hub


# ---- acting ----------------------------------------------------------------------------


def warning_text(decision):
    minutes = decision["stops_in_minutes"]
    return (
        f"This hub has been idle for {decision['idle_minutes']} minutes and stops in {minutes} minute"
        f"{'' if minutes == 1 else 's'} unless there is activity. Save your work; run a cell or use a terminal to keep it running."
    )


def announce(path, decision):
    """The hub's banner (jupyterhub_config.py reads this file on each page view); removed when no warning stands."""
    if decision["action"] in ("warn", "stop"):
        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(warning_text(decision))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    elif os.path.exists(path):
        os.remove(path)


def tell_terminals(pts_root, text):
    """Writes the warning to every user's pseudo-terminal, as wall does: Jupyter terminals are
    not in utmp, so wall itself would miss them. Root's and system terminals are left alone."""
    told = 0
    try:
        names = [n for n in os.listdir(pts_root) if n.isdigit()]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(pts_root, name)
        try:
            if os.stat(path).st_uid < 1000:
                continue
            fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
            try:
                os.write(fd, f"\r\n\a*** {text} ***\r\n".encode())
                told += 1
            finally:
                os.close(fd)
        except OSError:
            continue
    return told


def keep_servers_active(hub_url, token, hub, decision, now):
    """Tells the hub's culler that servers with busy kernels (or, while a GPU works, every
    server) are active: jupyter_server only records kernel activity when a kernel sends a
    message, so a silent training run would otherwise look idle to the culler."""
    gpu_busy = decision["signals"].get("gpu", {}).get("busy") or decision["signals"].get("gpuMemory", {}).get("busy")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(now))
    for server in hub.get("servers", []):
        if not (server["busyKernels"] or gpu_busy):
            continue
        body = json.dumps({"servers": {server["server"]: {"last_activity": stamp}}}).encode()
        url = f"{hub_url.rstrip('/')}/hub/api/users/{urllib.parse.quote(server['user'], safe='')}/activity"
        request = urllib.request.Request(url, data=body, method="POST", headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=HTTP_TIMEOUT).close()
        except (OSError, ValueError) as error:
            print(f"idle-agent: could not report activity for {server['user']}: {error}", file=sys.stderr)


def idle_status_parameter(config):
    return f"/arw/{config['environment']}/idle-status" if config.get("environment") else None


def instance_id(args):
    """This instance's id (for the alarm's metric), from the metadata service once per boot."""
    if args.instance_id:
        return args.instance_id
    cache = os.path.join(args.state_dir, "instance-id")
    try:
        with open(cache, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        pass
    value = arw.imds_get("/latest/meta-data/instance-id")
    with open(cache, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def publish(config, settings, decision, now, instance=lambda: None):
    """The decision, for `jupyter status` (SSM parameter the stack creates with the alarm), and
    whether the agent counts the hub busy, for the backstop alarm: while the agent says busy
    (a silent kernel, a terminal) the alarm must not stop the instance on a quiet CPU."""
    name = idle_status_parameter(config)
    # The stack creates the parameter (and the right to write it) only with auto-shutdown on.
    if not name or not config.get("region") or not settings.get("idleMinutes"):
        return
    body = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "idle": decision["idle"],
        "idleMinutes": decision["idle_minutes"],
        "busy": decision["busy"],
        "action": decision["action"],
        "stopsInMinutes": decision["stops_in_minutes"],
        "idleLimitMinutes": settings.get("idleMinutes"),
    }
    try:
        import boto3  # noqa: PLC0415 - only acting runs need it
        from botocore.config import Config  # noqa: PLC0415

        # Short timeouts and few retries: the agent runs every minute and must never hang.
        client = boto3.client("ssm", region_name=config["region"], config=Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}))
        client.put_parameter(Name=name, Value=json.dumps(body), Type="String", Overwrite=True)
        try:
            instance = instance()
        except Exception as error:  # noqa: BLE001 - no metadata service: the parameter alone
            print(f"idle-agent: no instance id for the alarm's metric: {error}", file=sys.stderr)
            instance = None
        if instance:
            metrics = boto3.client("cloudwatch", region_name=config["region"], config=Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}))
            metrics.put_metric_data(
                Namespace="AwsResearchWizard",
                MetricData=[{"MetricName": "IdleAgentBusy", "Dimensions": [{"Name": "InstanceId", "Value": instance}], "Value": 0 if decision["idle"] else 1, "Unit": "Count"}],
            )
    except Exception as error:  # noqa: BLE001 - publishing must never stop the agent deciding
        print(f"idle-agent: could not publish the decision: {error}", file=sys.stderr)


def load_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def run_once(args, model):
    config = load_json(args.config, {})
    settings = settings_for(model, config.get("autoShutdown"))
    if args.idle_minutes is not None:
        settings["idleMinutes"] = args.idle_minutes
    if not config.get("gpu") and not args.nvidia_smi_given:
        args.nvidia_smi = None  # no GPU: nothing to ask
    os.makedirs(args.state_dir, exist_ok=True)
    state_path = os.path.join(args.state_dir, "idle-state.json")
    saved = load_json(state_path, {})
    observation, sample, hub = observe(args, saved.get("sample"), model)
    state, decision = decide(model, settings, saved.get("model", {}), observation)
    tmp = f"{state_path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"model": state, "sample": sample}, handle)
    os.replace(tmp, state_path)
    decision["signals"]["averageCpuPercent"] = {"value": observation.get("averageCpuPercent"), "counted": False}
    if not args.dry_run:
        token = load_token(args.token_file)
        keep_servers_active(args.hub_url, token, hub, decision, observation["now"])
        announce(os.path.join(args.state_dir, "announcement.txt"), decision)
        if decision["action"] == "warn" and saved.get("model", {}).get("warnedAt") is None:
            tell_terminals(args.pts_root, warning_text(decision))
        publish(config, settings, decision, observation["now"], lambda: instance_id(args))
    print(json.dumps(decision, sort_keys=True), flush=True)
    if decision["action"] == "stop" and not args.dry_run:
        subprocess.run(["systemctl", "poweroff"], check=False)
    return decision


def load_token(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Stops the instance when the hub has been idle (see idle_model.json).")
    parser.add_argument("--once", action="store_true", help="decide once and exit (the systemd timer runs it every minute)")
    parser.add_argument("--dry-run", action="store_true", help="print the decision; do not warn, publish or power off")
    parser.add_argument("--config", default="/etc/aws-research-wizard/environment.json")
    parser.add_argument("--token-file", default="/etc/aws-research-wizard/idle-agent.token")
    parser.add_argument("--hub-url", default="http://127.0.0.1:8000")
    parser.add_argument("--proc-root", default="/proc")
    parser.add_argument("--nvidia-smi", default=None, help="nvidia-smi to call (default: the one on PATH, on GPU instances)")
    parser.add_argument("--state-dir", default="/run/aws-research-wizard/idle", help="cleared at boot, so the idle clock starts at boot")
    parser.add_argument("--pts-root", default="/dev/pts", help=argparse.SUPPRESS)
    parser.add_argument("--idle-minutes", type=int, default=None)
    parser.add_argument("--now", type=float, default=None, help="epoch seconds to use instead of the clock")
    parser.add_argument("--interval", type=int, default=60, help=argparse.SUPPRESS)
    parser.add_argument("--instance-id", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--servers-deadline", type=float, default=SERVERS_DEADLINE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.nvidia_smi_given = args.nvidia_smi is not None
    if args.nvidia_smi is None:
        args.nvidia_smi = "nvidia-smi"
    model = load_model()
    while True:
        run_once(args, model)
        if args.once:
            return 0
        time.sleep(args.interval)
        args.now = None


if __name__ == "__main__":
    sys.exit(main())
