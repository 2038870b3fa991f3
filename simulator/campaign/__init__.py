"""Campaigns: a scenario's parameter grid × seeds, run on all cores or a Dask
cluster into a resumable store, then tabulated and plotted (docs/campaigns.md).

    run(scenario_dict, params, seed) -> Result     one run, plain data in and out
    sweep(path, axes, seeds, out_dir)               the grid, resuming, with progress
    load(out_dir) -> pandas.DataFrame               one row per (point, seed)
"""

from .store import load
from .sweep import sweep
from .task import Result, run

__all__ = ["Result", "run", "sweep", "load"]
