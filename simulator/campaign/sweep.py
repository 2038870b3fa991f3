"""``netsim sweep``: run every point of a parameter grid × seeds into a store, resuming.

A rerun of the same command runs only the (point, seed) pairs that are missing or
failed. Rows made from another version of the scenario or of netsim are *stale*:
they are reported, and the sweep refuses to mix them with new rows unless
``rerun_stale`` replaces them.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from simulator.scenario.errors import ScenarioError

from . import grid
from .executors import run_dask, run_local
from .store import Store
from .task import Result, code_version

__all__ = ["sweep", "Report"]


@dataclass
class Report:
    """What a sweep did: runs made, runs already in the store, failures among the new."""

    ran: int = 0
    kept: int = 0
    failed: int = 0
    stale: int = 0
    failures: list[Result] = field(default_factory=list)


def sweep(scenario_path: str | os.PathLike[str], axes: dict[str, list[Any]], seeds: list[int],
          out_dir: str | os.PathLike[str], *, workers: int | None = None, dask: str | None = None,
          rerun_stale: bool = False, console: Console | None = None,
          artefacts: bool = False) -> Report:
    """Run the missing (point, seed) pairs of ``axes`` × ``seeds`` into ``out_dir``;
    with ``artefacts`` each run also writes its outputs under ``out_dir/runs/``."""
    console = console or Console(stderr=True)
    points = grid.points(axes)
    grid.validate(scenario_path, points)
    data = grid.scenario_dict(scenario_path)
    scenario_digest, version = grid.digest(data), code_version()
    store = Store(out_dir)
    try:
        store.describe(os.fspath(scenario_path), list(axes))
        rows = store.rows()
        report, todo = Report(), []
        for params in points:
            for seed in seeds:
                row = rows.get((grid.point_key(params), seed))
                stale = row is not None and _stale(row, scenario_digest, version)
                report.stale += stale
                if row is None or row["status"] != "ok" or stale:
                    todo.append((params, seed))
                else:
                    report.kept += 1
        if report.stale and not rerun_stale:
            raise ScenarioError(
                f"{report.stale} stored runs were made from {_changes(rows, scenario_digest, version)}; "
                "rerun with --rerun-stale to replace them, or choose another --out", field=f"--out {out_dir}")
        if report.stale:
            console.print(f"replacing {report.stale} stale runs (another scenario or netsim version)")
        runs = os.fspath(Path(out_dir).resolve() / "runs") if artefacts else None
        _execute(data, todo, store, scenario_digest, report, console, workers, dask, runs)
        rows = store.rows()
    finally:
        store.close()
    _summary(console, axes, points, seeds, rows, out_dir, report)
    return report


def _stale(row: dict, scenario_digest: str, version: dict) -> bool:
    return row["scenario_digest"] != scenario_digest or row["code_digest"] != version["code_digest"]


def _changes(rows: dict, scenario_digest: str, version: dict) -> str:
    what = []
    if any(r["scenario_digest"] != scenario_digest for r in rows.values()):
        what.append(f"another version of the scenario (now {scenario_digest})")
    old = {(r["git_commit"], r["code_digest"]) for r in rows.values()
           if r["code_digest"] != version["code_digest"]}
    if old:
        was = ", ".join(f"commit {c[:10]} code {d}" for c, d in sorted(old, key=str)[:3])
        what.append(f"other netsim code ({was}; now commit {version['git_commit'][:10]} "
                    f"code {version['code_digest']})")
    return " and ".join(what)


def _execute(data, todo, store, scenario_digest, report, console, workers, dask, runs) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failed {task.fields[failed]}  remaining {task.fields[remaining]}  ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("sweep", total=len(todo), failed=0, remaining=len(todo))

        def done(result: Result) -> None:
            store.put(result, scenario_digest)
            report.ran += 1
            if not result.ok:
                report.failed += 1
                report.failures.append(result)
            progress.update(bar, advance=1, failed=report.failed, remaining=len(todo) - report.ran)

        if not todo:
            return
        if dask:
            run_dask(data, todo, done, dask, runs)
        else:
            run_local(data, todo, done, workers, runs)


def _summary(console, axes, points, seeds, rows, out_dir, report: Report) -> None:
    status = Counter((point, row["status"]) for (point, seed), row in rows.items() if seed in seeds)
    table = Table(title=f"{len(points)} points × {len(seeds)} seeds in {escape(os.fspath(out_dir))}")
    for name in axes:
        table.add_column(escape(name))
    for column in ("ok", "failed"):
        table.add_column(column, justify="right")
    for params in points:
        key = grid.point_key(params)
        table.add_row(*(escape(str(params[n])) for n in axes), str(status[key, "ok"]),
                      str(status[key, "failed"]))
    console.print(table)
    console.print(f"ran {report.ran}, kept {report.kept} from earlier, failed {report.failed}")
    for result in report.failures[:5]:
        console.print(escape(f"failed: {result.params} seed {result.seed}: {result.error}"),
                      highlight=False)
