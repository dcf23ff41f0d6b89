"""aws-research-wizard in the kernel: `cost_tracker` and an IPython extension that
prints the cost of every cell after it runs (`%load_ext aws_research_wizard`; loaded
for every kernel when the domain pack keeps cost tracking on)."""
import time

from . import cost_tracker

__all__ = ["cost_tracker", "load_ipython_extension", "unload_ipython_extension"]


class _CellTimer:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.start = None

    def pre_run_cell(self, info=None):
        cost_tracker._state.in_extension_cell = True
        self.start = self.clock()

    def post_run_cell(self, result=None):
        cost_tracker._state.in_extension_cell = False
        start, self.start = self.start, None
        if start is None:  # the cell that loaded the extension started before it
            return
        try:
            cost_tracker.record(self.clock() - start)
        except Exception as error:  # noqa: BLE001 - never break the user's kernel
            print(f"Cell execution cost: unknown ({error})")


_timers = {}


def load_ipython_extension(ipython):
    if id(ipython) in _timers:
        return
    timer = _CellTimer()
    ipython.events.register("pre_run_cell", timer.pre_run_cell)
    ipython.events.register("post_run_cell", timer.post_run_cell)
    _timers[id(ipython)] = timer


def unload_ipython_extension(ipython):
    timer = _timers.pop(id(ipython), None)
    if timer is not None:
        ipython.events.unregister("pre_run_cell", timer.pre_run_cell)
        ipython.events.unregister("post_run_cell", timer.post_run_cell)
        cost_tracker._state.in_extension_cell = False
