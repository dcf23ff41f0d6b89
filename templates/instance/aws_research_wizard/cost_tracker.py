"""The cost of a notebook cell: wall time x the hub instance's hourly price, shared
between the people using the hub, plus the GPUs the kernel itself holds.

    from aws_research_wizard import cost_tracker
    with cost_tracker.track_cell():
        results = run_gatk_variant_calling(samples)
    # Cell execution cost: $2.34 (15 minutes compute)

The price comes from the environment description the stack writes on the instance
(/etc/aws-research-wizard/environment.json, or the file ARW_ENVIRONMENT names when it
is a path), or from ARW_HOURLY_PRICE_USD, so it works offline and on a laptop. The
model, stated so a figure can be checked by hand:

    cost = hours x (hourlyPrice - gpuHourlyPrice) / users
         + hours x gpuHourlyPrice x gpusHeldByThisKernel / gpuCount

`users` is the number of people sharing the instance (argument, ARW_ACTIVE_USERS, or
the count the usage recorder last saw), at least 1. The GPU part is charged only to a
kernel that holds a GPU (nvidia-smi lists its process). Every problem with the price
is reported in the printed line; tracking never breaks the user's cell.

Standard library only, Python 3.8+: it runs in every kernel environment.
"""
import collections
import contextlib
import json
import math
import os
import subprocess
import sys
import threading
import time

DEFAULT_ENVIRONMENT_FILE = "/etc/aws-research-wizard/environment.json"
DEFAULT_ACTIVE_USERS_FILE = "/var/lib/aws-research-wizard/active-users.json"
# A price above this is a typo (the largest EC2 instances cost about $100 an hour).
MAX_HOURLY_PRICE_USD = 1000.0

Price = collections.namedtuple("Price", "hourly_usd gpu_hourly_usd gpu_count source")
CellCost = collections.namedtuple("CellCost", "seconds cost_usd users gpus hourly_usd")


class CostConfigError(ValueError):
    """The price or the user count could not be read: says what, where and how to fix it."""


class Summary(collections.namedtuple("Summary", "cells seconds cost_usd")):
    """Totals of the cells tracked in this Python session."""

    def __str__(self):
        return f"Session: {self.cells} cell{'s' if self.cells != 1 else ''}, {format_duration(self.seconds)} compute, {format_usd(self.cost_usd)}"


_lock = threading.Lock()
_session = {"cells": 0, "seconds": 0.0, "cost_usd": 0.0}
_state = threading.local()


def _number(value, what, where, minimum=0.0, maximum=None):
    """A finite number within bounds, from untrusted text or JSON, or a CostConfigError."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise CostConfigError(f"{what} in {where} is {value!r}: expected a number") from None
    if not math.isfinite(number) or number < minimum or (maximum is not None and number > maximum):
        bounds = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise CostConfigError(f"{what} in {where} is {value!r}: expected a number {bounds}")
    return number


def environment_file():
    """ARW_ENVIRONMENT names the description file when it is a path; on the hub it holds the
    environment's name (set by the hub for every server), and the default file is used."""
    named = os.environ.get("ARW_ENVIRONMENT", "")
    if named and (os.sep in named or named.endswith(".json")):
        return named
    return DEFAULT_ENVIRONMENT_FILE


def load_price(hourly_price=None, path=None):
    """The instance's price: an argument or ARW_HOURLY_PRICE_USD first, then the environment description."""
    if hourly_price is not None:
        return Price(_number(hourly_price, "hourly_price", "the argument", maximum=MAX_HOURLY_PRICE_USD), 0.0, 0, "argument")
    override = os.environ.get("ARW_HOURLY_PRICE_USD", "").strip()
    if override:
        hourly = _number(override, "ARW_HOURLY_PRICE_USD", "the environment", maximum=MAX_HOURLY_PRICE_USD)
        return Price(hourly, 0.0, 0, "ARW_HOURLY_PRICE_USD")
    path = path or environment_file()
    try:
        with open(path, encoding="utf-8") as handle:
            description = json.load(handle)
    except FileNotFoundError:
        raise CostConfigError(f"no environment description at {path}: set ARW_HOURLY_PRICE_USD (US dollars per hour) or ARW_ENVIRONMENT to the file") from None
    except (OSError, ValueError) as error:
        raise CostConfigError(f"cannot read the environment description {path}: {error}") from None
    if not isinstance(description, dict) or "hourlyPriceUsd" not in description:
        raise CostConfigError(f"{path} has no hourlyPriceUsd: redeploy the environment with this version, or set ARW_HOURLY_PRICE_USD")
    hourly = _number(description["hourlyPriceUsd"], "hourlyPriceUsd", path, maximum=MAX_HOURLY_PRICE_USD)
    gpu_count = int(_number(description.get("gpuCount") or 0, "gpuCount", path, maximum=64))
    gpu_hourly = _number(description.get("gpuHourlyPriceUsd") or 0, "gpuHourlyPriceUsd", path, maximum=hourly) if gpu_count else 0.0
    return Price(hourly, gpu_hourly, gpu_count, path)


def active_users(users=None):
    """How many people share the instance: the argument, ARW_ACTIVE_USERS, or the usage
    recorder's last count; 1 when nothing says otherwise."""
    if users is not None:
        return int(_number(users, "users", "the argument", minimum=1, maximum=100000))
    value = os.environ.get("ARW_ACTIVE_USERS", "").strip()
    if value:
        return int(_number(value, "ARW_ACTIVE_USERS", "the environment", minimum=1, maximum=100000))
    try:
        with open(os.environ.get("ARW_ACTIVE_USERS_FILE", DEFAULT_ACTIVE_USERS_FILE), encoding="utf-8") as handle:
            count = json.load(handle).get("activeUsers")
        return max(1, int(_number(count, "activeUsers", "the usage recorder's file", maximum=100000)))
    except (OSError, ValueError, AttributeError, CostConfigError):
        return 1


def gpus_held(pid=None):
    """GPUs on which this process (the kernel) holds a compute context; 0 without nvidia-smi."""
    pid = os.getpid() if pid is None else pid
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-compute-apps=pid,gpu_uuid", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    held = set()
    for line in out.splitlines():
        fields = [field.strip() for field in line.split(",")]
        if len(fields) == 2 and fields[0] == str(pid):  # "[N/A]" (no pid visible) never matches
            held.add(fields[1])
    return len(held)


def cell_cost(seconds, price, users=1, gpus=0):
    """The cost model above, as a pure function."""
    hours = max(0.0, seconds) / 3600.0
    shared = (price.hourly_usd - price.gpu_hourly_usd) / max(1, users)
    gpu = price.gpu_hourly_usd * min(gpus, price.gpu_count) / price.gpu_count if price.gpu_count else 0.0
    return CellCost(seconds, hours * (shared + gpu), users, gpus, price.hourly_usd)


def format_usd(value):
    # Cents hide what short cells cost: below a dollar show four decimals.
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.4f}" if value >= 0.00005 or value == 0 else "<$0.0001"


def format_duration(seconds):
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    if seconds < 3600:
        minutes = seconds / 60
        return f"{minutes:.0f} minute{'s' if round(minutes) != 1 else ''}"
    hours, rest = divmod(int(round(seconds)), 3600)
    return f"{hours} h {rest // 60} min"


def describe(cost):
    shared = f", shared by {cost.users} users" if cost.users > 1 else ""
    gpus = f", {cost.gpus} GPU{'s' if cost.gpus != 1 else ''}" if cost.gpus else ""
    return f"Cell execution cost: {format_usd(cost.cost_usd)} ({format_duration(cost.seconds)} compute{shared}{gpus})"


def record(seconds, users=None, hourly_price=None, out=None, add_to_session=True):
    """Prices `seconds` of compute, prints the line and adds it to the session totals.
    Returns the CellCost, or None (with the reason printed) when the price is unknown."""
    out = out or sys.stdout
    try:
        price = load_price(hourly_price)
        # nvidia-smi only where there are GPUs to pay for: no process spawned per cell elsewhere.
        cost = cell_cost(seconds, price, active_users(users), gpus_held() if price.gpu_count else 0)
    except CostConfigError as error:
        print(f"Cell execution cost: unknown ({error})", file=out)
        return None
    if add_to_session:
        with _lock:
            _session["cells"] += 1
            _session["seconds"] += cost.seconds
            _session["cost_usd"] += cost.cost_usd
    print(describe(cost), file=out)
    return cost


@contextlib.contextmanager
def track_cell(users=None, hourly_price=None, clock=None, out=None):
    """Times the block and prints what it cost; exceptions from the block pass through."""
    clock = clock or time.monotonic
    start = clock()
    try:
        yield
    finally:
        try:
            # Inside a cell the extension already counts, print but do not count twice.
            record(clock() - start, users, hourly_price, out, add_to_session=not getattr(_state, "in_extension_cell", False))
        except Exception as error:  # noqa: BLE001 - a cost line must never break the cell
            print(f"Cell execution cost: unknown ({error})", file=out or sys.stdout)


def session_summary():
    """Totals of every cell tracked in this session (track_cell and the extension)."""
    with _lock:
        return Summary(_session["cells"], _session["seconds"], _session["cost_usd"])


def reset_session():
    with _lock:
        _session.update(cells=0, seconds=0.0, cost_usd=0.0)
