"""The campaign store: one SQLite file, ``DIR/campaign.sqlite``, one row per (point, seed).

A row holds the point's parameters, the seed, ``status`` (``ok`` or ``failed``, with
``error``), the wall time, netsim's version, git commit and code digest, the
scenario's digest, and every metric of the run (:func:`simulator.campaign.task.metrics`).
Rows are committed as results arrive, so a campaign killed halfway keeps what it
ran. :func:`load` gives the table as a pandas DataFrame, one column per parameter
and per metric.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from simulator.scenario.errors import ScenarioError

from .grid import point_key
from .task import Result

__all__ = ["Store", "load", "FILE"]

FILE = "campaign.sqlite"
VERSION_COLUMNS = ("netsim_version", "git_commit", "code_digest")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    point TEXT NOT NULL, seed INTEGER NOT NULL, params TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT, wall_s REAL NOT NULL,
    netsim_version TEXT, git_commit TEXT, code_digest TEXT, scenario_digest TEXT NOT NULL,
    metrics TEXT NOT NULL, PRIMARY KEY (point, seed));
CREATE TABLE IF NOT EXISTS campaign (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """An open campaign store (created when missing)."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.dir = Path(out_dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.dir / FILE)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ScenarioError(f"cannot use the folder as a campaign store: {exc}",
                                field=f"--out {out_dir}") from None

    def close(self) -> None:
        self.db.close()

    def describe(self, scenario: str, names: list[str]) -> None:
        """Record the scenario file and the parameter names (in the grid's order)."""
        known = json.loads(self._get("params") or "[]")
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO campaign VALUES ('scenario', ?)", (scenario,))
            self.db.execute("INSERT OR REPLACE INTO campaign VALUES ('params', ?)",
                            (json.dumps(known + [n for n in names if n not in known]),))

    def rows(self) -> dict[tuple[str, int], dict[str, Any]]:
        """(point, seed) -> status, scenario digest and version of the stored rows."""
        cursor = self.db.execute("SELECT point, seed, status, scenario_digest, netsim_version, "
                                 "git_commit, code_digest FROM runs")
        return {(p, s): {"status": st, "scenario_digest": d, "netsim_version": v,
                         "git_commit": c, "code_digest": cd}
                for p, s, st, d, v, c, cd in cursor}

    def put(self, result: Result, scenario_digest: str) -> None:
        """Insert or replace the row of ``result``'s (point, seed)."""
        version = [result.version.get(k) for k in VERSION_COLUMNS]
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            (point_key(result.params), result.seed, json.dumps(result.params),
                             "ok" if result.ok else "failed", result.error, result.wall_s,
                             *version, scenario_digest, json.dumps(result.metrics)))

    def _get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM campaign WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None


def load(out_dir: str | os.PathLike[str]):
    """The campaign in ``out_dir`` as a pandas DataFrame: one row per (point, seed),
    sorted by the parameters (in the grid's order) and the seed."""
    import pandas as pd

    path = Path(out_dir) / FILE
    if not path.is_file():
        raise ScenarioError(f"no campaign here (no {FILE})", field=f"{out_dir}")
    db = sqlite3.connect(path)
    try:
        names = json.loads((db.execute("SELECT value FROM campaign WHERE key = 'params'").fetchone()
                            or ["[]"])[0])
        records = []
        for params, seed, status, error, wall, *version, sdigest, metrics in db.execute(
                "SELECT params, seed, status, error, wall_s, netsim_version, git_commit, "
                "code_digest, scenario_digest, metrics FROM runs"):
            records.append({**json.loads(params), "seed": seed, "status": status, "error": error,
                            "wall_s": wall, **dict(zip(VERSION_COLUMNS, version)),
                            "scenario_digest": sdigest, **json.loads(metrics)})
    finally:
        db.close()
    keys = names + ["seed"]     # sorted first, so that the columns' order is the sorted rows'
    records.sort(key=lambda record: tuple(_sortable(record.get(k)) for k in keys))
    return pd.DataFrame.from_records(records)


def _sortable(value: Any) -> tuple:
    """Numbers before text before missing values, each in its own order."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value)) if value is not None else (2, 0, "")
