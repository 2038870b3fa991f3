"""One run of a campaign: the pure entry point :func:`run` and its :class:`Result`.

``run(scenario_dict, params, seed)`` takes plain data (the scenario's parsed YAML
with its topology inline, see :func:`simulator.campaign.grid.scenario_dict`) and
returns plain data, so it crosses process and machine boundaries (a process pool,
a Dask cluster) with nothing unpicklable. Whatever goes wrong inside a run is a
failed :class:`Result`, never an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Result", "run", "run_folder", "metrics", "code_version"]


@dataclass(frozen=True)
class Result:
    """What one (point, seed) gave: ``ok`` is False when the run raised (``error``
    says what); ``metrics`` are the summary's scalars (see :func:`metrics`)."""

    params: dict[str, Any]
    seed: int
    ok: bool
    error: str | None = None
    wall_s: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)
    version: dict[str, str] = field(default_factory=dict)


def run(scenario_dict: dict, params: dict[str, Any], seed: int,
        artefacts: str | None = None) -> Result:
    """Load ``scenario_dict`` with ``params`` overriding its defaults, run it with
    ``seed`` and return its metrics. No output files unless ``artefacts`` names a
    folder: then the run's trace, captures and summary go to :func:`run_folder` in it
    (on a cluster, a folder the workers share)."""
    from simulator.scenario.errors import ScenarioError
    from simulator.scenario.load import load_data
    from simulator.scenario.run import run_scenario

    start = time.perf_counter()
    try:
        scenario = load_data(scenario_dict, None, params)
        scenario = scenario.model_copy(update={"seed": seed})
        out = run_folder(artefacts, params, seed) if artefacts else None
        summary = run_scenario(scenario, out, plots=False).summary()
        return Result(dict(params), seed, True, None, time.perf_counter() - start,
                      metrics(summary), code_version())
    except ScenarioError as exc:    # parsed data has no lines to point at: the field says where
        return Result(dict(params), seed, False, f"{exc.field}: {exc.message}",
                      time.perf_counter() - start, {}, code_version())
    except Exception as exc:  # noqa: BLE001 - a failed run is a result, the campaign goes on
        return Result(dict(params), seed, False, f"{type(exc).__name__}: {exc}",
                      time.perf_counter() - start, {}, code_version())


def run_folder(artefacts: str, params: dict[str, Any], seed: int) -> Path:
    """``ARTEFACTS/<name>=<value>,…,seed=<seed>``: one folder per (point, seed)."""
    point = ",".join(f"{name}={value}" for name, value in sorted(params.items()))
    name = f"{point},seed={seed}" if point else f"seed={seed}"
    return Path(artefacts) / name.replace("/", "_").replace(" ", "_")


def metrics(summary: dict) -> dict[str, Any]:
    """The scalars of a run's summary, flat: ``<app>.<field>`` for each app's numbers
    and flags, ``expect.<i>`` per expectation and ``passed``, ``ended``,
    ``drops.<node>.<reason>``, ``queue_max.<queue>``, ``forwarded.<node>`` and
    ``<node>.<iface>.<counter>``."""
    out: dict[str, Any] = {"passed": summary["passed"],
                           "ended": (summary.get("ended") or {}).get("reason", "until")}
    for app in summary["apps"]:
        for key, value in app.items():
            if value is None or isinstance(value, (bool, int, float)):
                out[f"{app['name']}.{key}"] = value
    for i, verdict in enumerate(summary["expectations"]):
        out[f"expect.{i}"] = verdict["ok"]
    for node, reasons in summary["drops"].items():
        for reason, count in reasons.items():
            out[f"drops.{node}.{reason}"] = count
    for queue, packets in summary["queue_max_packets"].items():
        out[f"queue_max.{queue}"] = packets
    for name, node in summary["nodes"].items():
        if "forwarded" in node:
            out[f"forwarded.{name}"] = node["forwarded"]
        for iface, counters in node["interfaces"].items():
            for counter, value in counters.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[f"{name}.{iface}.{counter}"] = value
    return out


def code_version() -> dict[str, str]:
    """netsim's version, git commit and code digest as this process loaded them
    (:mod:`simulator.campaign.version`): every run of a process carries the same."""
    from .version import VERSION

    return VERSION
