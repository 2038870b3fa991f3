"""Campaigns: a scenario's parameter grid × seeds, run on all cores or a Dask
cluster into a resumable store, then tabulated and plotted (docs/campaigns.md).

    run(scenario_dict, params, seed) -> Result     one run, plain data in and out
    sweep(path, axes, seeds, out_dir)               the grid, resuming, with progress
    load(out_dir) -> pandas.DataFrame               one row per (point, seed)

The names are imported on first use (PEP 562): the CLI imports
``simulator.campaign.commands`` for its parser, and a ``netsim run`` should not
pay for the store, the executors and multiprocessing. Import ``sweep`` from here,
not from ``.sweep``: the submodule's import binds the package attribute to the module.
"""

import importlib

__all__ = ["Result", "run", "sweep", "load"]
_MODULE_OF = {"Result": "task", "run": "task", "sweep": "sweep", "load": "store"}


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value       # after the import: it set `sweep` to the submodule
    return value
