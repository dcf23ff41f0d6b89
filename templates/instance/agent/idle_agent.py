#!/usr/bin/env python3
"""Stops the instance when nobody has used the hub for the configured time.

Runs every minute from a systemd timer. The hub counts as busy when any enabled
signal says so: recent kernel/server activity (JupyterHub API), CPU above the
threshold, or (GPU instances) GPU utilisation above the threshold. After
idleMinutes without any busy signal it powers off; the instance is launched with
shutdown behaviour "stop", so this stops (not terminates) it and every volume stays.
A CloudWatch alarm on CPU is the backstop if this agent itself fails.
"""
import argparse
import datetime
import json
import os
import subprocess
import time
import urllib.request

GPU_BUSY_PERCENT = 10


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(value):
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def cpu_busy_percent(interval=5.0):
    def sample():
        with open("/proc/stat", encoding="utf-8") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return idle, sum(fields)

    idle1, total1 = sample()
    time.sleep(interval)
    idle2, total2 = sample()
    elapsed = total2 - total1
    return 0.0 if elapsed <= 0 else 100.0 * (1 - (idle2 - idle1) / elapsed)


def gpu_busy_percent():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"], check=True, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    values = [float(v) for v in out.split() if v.strip()]
    return max(values) if values else None


def last_hub_activity(token):
    request = urllib.request.Request("http://127.0.0.1:8000/hub/api/users?state=active", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        users = json.load(response)
    times = [parse_time(server.get("last_activity")) for user in users for server in (user.get("servers") or {}).values()]
    times = [t for t in times if t]
    return max(times) if times else None


def decide(now, state, observations, config):
    """Pure decision: returns (new_state, action) where action is 'stop' or None."""
    auto = config.get("autoShutdown", {})
    idle_minutes = int(auto.get("idleMinutes", 60))
    if idle_minutes <= 0:
        return state, None
    signals = set(auto.get("signals", ["kernels", "cpu"]))
    window = datetime.timedelta(minutes=idle_minutes)
    busy = []
    last = observations.get("lastActivity")
    if "kernels" in signals and last is not None and now - last < datetime.timedelta(minutes=2):
        busy.append("kernels")
    cpu = observations.get("cpuPercent")
    if "cpu" in signals and cpu is not None and cpu >= float(auto.get("cpuThresholdPercent", 5)):
        busy.append("cpu")
    gpu = observations.get("gpuPercent")
    if "gpu" in signals and gpu is not None and gpu >= GPU_BUSY_PERCENT:
        busy.append("gpu")
    if busy:
        return {"idleSince": None, "busy": busy}, None
    idle_since = parse_time(state.get("idleSince")) or now
    # Activity reported by the hub after we started counting resets the clock.
    if last is not None and last > idle_since:
        idle_since = last
    new_state = {"idleSince": idle_since.isoformat(), "busy": []}
    return new_state, ("stop" if now - idle_since >= window else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="/etc/aws-research-wizard/environment.json")
    parser.add_argument("--state", default="/var/lib/aws-research-wizard/idle.json")
    parser.add_argument("--token-file", default="/etc/aws-research-wizard/idle-agent.token")
    parser.add_argument("--observe", help="JSON observations to use instead of measuring (for checks)")
    parser.add_argument("--now", help="ISO time to use instead of the clock (for checks)")
    parser.add_argument("--dry-run", action="store_true", help="print the decision, do not power off")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        config = json.load(handle)
    state = {}
    if os.path.exists(args.state):
        with open(args.state, encoding="utf-8") as handle:
            state = json.load(handle)
    now = parse_time(args.now) if args.now else now_utc()
    if args.observe:
        raw = json.loads(args.observe)
        observations = {**raw, "lastActivity": parse_time(raw.get("lastActivity"))}
    else:
        observations = {"cpuPercent": cpu_busy_percent(), "gpuPercent": gpu_busy_percent() if config.get("gpu") else None}
        try:
            with open(args.token_file, encoding="utf-8") as handle:
                observations["lastActivity"] = last_hub_activity(handle.read().strip())
        except (OSError, ValueError) as error:
            # Hub unreachable: do not count that as activity, but say so.
            print(f"idle-agent: hub activity unavailable: {error}")
            observations["lastActivity"] = None
    new_state, action = decide(now, state, observations, config)
    os.makedirs(os.path.dirname(os.path.abspath(args.state)), exist_ok=True)
    with open(args.state, "w", encoding="utf-8") as handle:
        json.dump(new_state, handle)
    print(json.dumps({"action": action, **new_state}))
    if action == "stop" and not args.dry_run:
        subprocess.run(["systemctl", "poweroff"], check=False)


if __name__ == "__main__":
    main()
