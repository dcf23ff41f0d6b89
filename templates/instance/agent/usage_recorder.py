#!/usr/bin/env python3
"""Records who uses the hub, for the per-person split of `jupyter cost-report`.

Runs from a systemd timer every few minutes. Each run adds, per hub user, the hours
their server ran since the last run (server-hours), the GPUs their processes hold
times those hours (GPU-hours), and, about once an hour, the bytes their home directory
takes on disk. The totals of each UTC day go to the notebook bucket as

    usage/YYYY-MM-DD.json
    {"date": "YYYY-MM-DD", "users": {"<name>": {"server_hours": n, "gpu_hours": n, "home_bytes": n}}}

(the contract with cost-report). The day's object is read back when this instance has
no record of the day (a replacement instance), so totals are never reset mid-day. It
also leaves the number of people with a running server in active-users.json, which
the kernels' cost tracker divides the instance price by.

Server-hours are published first; homes are measured afterwards within their own time
budget (HOME_BUDGET, well inside the unit's TimeoutStartSec): a run stops measuring when
the budget is spent, keeps the earlier figures of homes not measured yet, saves which homes
this round has done and goes on with the rest next run. A home that alone takes the whole
budget keeps its earlier figure for the round. So a home with millions of files can
never keep the hours from being published.
"""
import argparse
import datetime
import json
import os
import pwd
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import aws, hub_users, log, read_json, retry, write_json  # noqa: E402

HUB_API = "http://127.0.0.1:8000/hub/api"
# A gap longer than this means the instance (or the hub) was stopped: no one used it then.
MAX_GAP = datetime.timedelta(minutes=30)
HOME_EVERY = datetime.timedelta(minutes=55)
PREFIX = "usage/"
KEEP_DAYS = 3
HOME_ROOT = os.environ.get("ARW_HOME_ROOT", "/home")
HOME_BUDGET = 300  # seconds of home measuring per run


class OverBudget(Exception):
    """A home measurement ran past the run's budget."""


def parse_time(value):
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def server_starts(user):
    """When each running server of a user started (None when the hub does not say)."""
    servers = user.get("servers") or {}
    if not isinstance(servers, dict):
        return []
    return [parse_time(s.get("started")) for s in servers.values() if isinstance(s, dict) and s.get("ready")]


def gpu_holders(runner=subprocess.run):
    """Hub user name -> GPUs their processes hold, from nvidia-smi; {} without a GPU driver."""
    try:
        out = runner(
            ["nvidia-smi", "--query-compute-apps=pid,gpu_uuid", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    held = {}
    for line in out.splitlines():
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 2 or not fields[0].isdigit() or fields[1] in ("", "[N/A]"):
            continue  # "[N/A]": the driver cannot see the process (another namespace)
        try:
            owner = pwd.getpwuid(os.stat(f"/proc/{fields[0]}").st_uid).pw_name
        except (OSError, KeyError):
            continue
        held.setdefault(owner, set()).add(fields[1])
    return {owner: len(gpus) for owner, gpus in held.items()}


def home_bytes(path, deadline=None):
    """Bytes a directory tree takes on disk (allocated blocks, each inode once, links not followed).
    Raises OverBudget once time.monotonic() reaches deadline."""
    total, seen, stack = 0, set(), [path]
    while stack:
        if deadline is not None and time.monotonic() >= deadline:
            raise OverBudget(path)
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            total += getattr(info, "st_blocks", 0) * 512 or info.st_size
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return total


def home_of(name):
    """Hub names are the accounts' names (configure/accounts.py), homes are HOME_ROOT/name;
    a name that could leave HOME_ROOT has no home to measure."""
    if not name or "/" in name or name.startswith(".") or "\0" in name:
        return None
    return os.path.join(HOME_ROOT, name)


def split_by_day(start, end):
    """[(date, hours)] of an interval cut at UTC midnights."""
    parts = []
    while start < end:
        midnight = datetime.datetime.combine(start.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=datetime.timezone.utc)
        stop = min(end, midnight)
        parts.append((start.date().isoformat(), (stop - start).total_seconds() / 3600))
        start = stop
    return parts


def _entry(days, date, name):
    return days.setdefault(date, {}).setdefault(name, {"server_hours": 0.0, "gpu_hours": 0.0, "home_bytes": 0})


def accumulate(state, now, users, gpus, homes=None):
    """Pure: adds one sample to the state. Returns (new state, dates changed).

    users: hub user models; gpus: name -> GPUs held now; homes: name -> bytes (None when
    not measured this run). Each running server counts from the later of the last sample
    and its start, so a server started between samples pays only its own minutes.
    """
    days = json.loads(json.dumps(state.get("days") or {}))
    last = parse_time(state.get("lastSample"))
    window_start = now - MAX_GAP if last is None or now - last > MAX_GAP else last
    changed = {now.date().isoformat()}
    for user in users:
        name = user["name"]
        _entry(days, now.date().isoformat(), name)
        starts = server_starts(user)
        for started in starts:
            begin = max(window_start, started) if started else window_start
            for date, hours in split_by_day(begin, now):
                entry = _entry(days, date, name)
                entry["server_hours"] += hours
                entry["gpu_hours"] += hours * gpus.get(name, 0)
                changed.add(date)
        if homes is not None and name in homes:
            _entry(days, now.date().isoformat(), name)["home_bytes"] = homes[name]
    oldest = (now.date() - datetime.timedelta(days=KEEP_DAYS)).isoformat()
    days = {date: value for date, value in days.items() if date >= oldest}
    new_state = {**state, "lastSample": now.isoformat(), "days": days, "homeMeasured": state.get("homeMeasured"), "pending": state.get("pending") or []}
    if homes is not None:
        new_state["homeMeasured"] = now.isoformat()
    return new_state, sorted(changed)


def measure_homes(state, now, names, budget=HOME_BUDGET):
    """Measures the homes this round has not done yet, until `budget` seconds are spent.

    The round (state homeRound: names done) goes on over as many runs as it takes; when it
    is complete homeMeasured is set and the next round starts HOME_EVERY later. Figures are
    kept in state homeBytes, and today's entries get the latest figure of every home, so a
    home not measured yet keeps its earlier one. Returns the names measured this run."""
    known = dict(state.get("homeBytes") or {})
    done = list((state.get("homeRound") or {}).get("done") or [])
    deadline = time.monotonic() + budget
    measured = []
    for name in sorted(set(names) - set(done)):
        path = home_of(name)
        try:
            known[name] = home_bytes(path, deadline) if path else 0
        except OverBudget:
            if not measured:
                # It had the whole budget: it keeps its earlier figure this round.
                done.append(name)
                log(f"usage: the home of {name} was not measured within {budget} s; its earlier figure stays")
            break
        done.append(name)
        measured.append(name)
    today = now.date().isoformat()
    for name in names:
        if name in known:
            _entry(state.setdefault("days", {}), today, name)["home_bytes"] = known[name]
    state["homeBytes"] = {name: known[name] for name in names if name in known}
    if set(names) <= set(done):
        state["homeMeasured"], state["homeRound"] = now.isoformat(), None
    else:
        state["homeRound"] = {"done": done}
    return measured


def homes_due(state, now):
    measured = parse_time(state.get("homeMeasured"))
    return bool(state.get("homeRound")) or measured is None or now - measured >= HOME_EVERY


def document(date, day):
    """The published object: rounded, users in name order."""
    users = {
        name: {"server_hours": round(v["server_hours"], 4), "gpu_hours": round(v["gpu_hours"], 4), "home_bytes": int(v["home_bytes"])}
        for name, v in sorted(day.items())
    }
    return {"date": date, "users": users}


def merge_published(state, date, published):
    """Starts a day this instance has no record of from what an earlier instance published."""
    days = state.setdefault("days", {})
    if date in days or not isinstance(published, dict) or not isinstance(published.get("users"), dict):
        return state
    day = {}
    for name, value in published["users"].items():
        if not isinstance(value, dict):
            continue
        try:
            day[name] = {
                "server_hours": max(0.0, float(value.get("server_hours", 0))),
                "gpu_hours": max(0.0, float(value.get("gpu_hours", 0))),
                "home_bytes": max(0, int(value.get("home_bytes", 0))),
            }
        except (TypeError, ValueError):
            continue
    days[date] = day
    return state


def fetch_published(s3, bucket, date):
    try:
        body = s3.get_object(Bucket=bucket, Key=f"{PREFIX}{date}.json")["Body"].read()
        return json.loads(body)
    except Exception as error:  # noqa: BLE001 - none yet (NoSuchKey) or unreadable: start from zero
        if "NoSuchKey" not in str(error) and "Not Found" not in str(error):
            log(f"usage: could not read {PREFIX}{date}.json: {error}")
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="/etc/aws-research-wizard/environment.json")
    parser.add_argument("--state", default="/var/lib/aws-research-wizard/usage.json")
    parser.add_argument("--active-users", default="/var/lib/aws-research-wizard/active-users.json")
    parser.add_argument("--token-file", default="/etc/aws-research-wizard/usage-recorder.token")
    parser.add_argument("--hub-api", default=HUB_API)
    parser.add_argument("--now", help="ISO time to use instead of the clock (for checks)")
    parser.add_argument("--home-budget", type=float, default=HOME_BUDGET, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = read_json(args.config, None)
    if not isinstance(config, dict) or not config.get("notebookBucket"):
        print(f"usage-recorder: no notebook bucket in {args.config}; nothing to record", file=sys.stderr)
        return 1
    now = parse_time(args.now) if args.now else datetime.datetime.now(datetime.timezone.utc)
    state = read_json(args.state, {})
    if not isinstance(state, dict):
        state = {}
    try:
        with open(args.token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
        users = retry("hub users", lambda: hub_users(token, args.hub_api), attempts=3, base_delay=2)
    except (OSError, ValueError) as error:
        # Nothing recorded, nothing lost: the next run counts from the last sample (up to MAX_GAP).
        print(f"usage-recorder: cannot read the hub's users ({args.hub_api}): {error}", file=sys.stderr)
        return 1
    s3 = aws("s3", config)
    for date in {now.date().isoformat(), (parse_time(state.get("lastSample")) or now).date().isoformat()}:
        if date not in (state.get("days") or {}):
            state = merge_published(state, date, fetch_published(s3, config["notebookBucket"], date))
    state, changed = accumulate(state, now, users, gpu_holders())
    running = sum(1 for user in users if server_starts(user))
    write_json(args.active_users, {"activeUsers": running, "time": now.isoformat()}, mode=0o644)
    published = publish(s3, config["notebookBucket"], state, changed, args.state)
    log(f"usage: {len(users)} users, {running} running, published {', '.join(published)}")
    # Homes only after the hours are out: however long a home takes, it cannot hold them back.
    if homes_due(state, now):
        measured = measure_homes(state, now, [user["name"] for user in users], args.home_budget)
        publish(s3, config["notebookBucket"], state, [now.date().isoformat()], args.state)
        log(f"usage: measured {len(measured)} homes" + ("" if state.get("homeMeasured") == now.isoformat() else "; the rest next run"))
    return 0


def publish(s3, bucket, state, changed, state_path):
    """Publishes the changed days and those a failed run left pending, saving the state
    (pending first, so a failure here is retried by the next run). Returns the dates."""
    changed = sorted(set(changed) | {d for d in state.get("pending") or [] if d in state["days"]})
    state["pending"] = changed
    write_json(state_path, state, mode=0o600)
    for date in changed:
        body = json.dumps(document(date, state["days"].get(date, {})), indent=1, sort_keys=True).encode()
        retry(
            f"publish {PREFIX}{date}.json",
            lambda body=body, date=date: s3.put_object(Bucket=bucket, Key=f"{PREFIX}{date}.json", Body=body, ContentType="application/json"),
            attempts=3,
        )
    state["pending"] = []
    write_json(state_path, state, mode=0o600)
    return changed


if __name__ == "__main__":
    sys.exit(main())
