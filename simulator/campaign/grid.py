"""A campaign's tasks: the parameter grid × seeds, and the scenario as plain data.

    parse_axis("loss=0,0.005,0.01")  -> ("loss", [0, 0.005, 0.01])
    parse_seeds("1-5,9")             -> [1, 2, 3, 4, 5, 9]
    points({"loss": [0, 0.01], "cc": ["reno", "cubic"]})  -> 4 dicts, the first axis slowest
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from typing import Any

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_scenario
from simulator.scenario.params import parse_override, parse_value
from simulator.scenario.compose import anchored
from simulator.scenario.yamlpos import load_yaml_file

__all__ = ["parse_axis", "parse_seeds", "points", "point_key", "scenario_dict", "digest", "validate"]

MAX_SEEDS = 1_000_000


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """``NAME=V1,V2,...``: each value a YAML scalar, as ``netsim run -p`` reads it."""
    name, values = parse_override(text)
    parsed = [parse_value(v, f"-p {name}") for v in values.split(",")]
    if len({json.dumps(v) for v in parsed}) != len(parsed):
        raise ScenarioError("a value is given twice", field=f"-p {name}")
    return name, parsed


def parse_seeds(text: str) -> list[int]:
    """``20`` (one seed), ``1-20`` (inclusive), or a comma list of those."""
    seeds: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ScenarioError(f"expected seeds like 1-20 or 1,2,5, got '{text}'", field="--seeds")
        first, last = int(low), int(high) if dash else int(low)
        if last < first or last - first >= MAX_SEEDS:
            raise ScenarioError(f"'{part}' is not a range of at most {MAX_SEEDS} seeds",
                                field="--seeds")
        seeds += range(first, last + 1)
    if len(set(seeds)) != len(seeds):
        raise ScenarioError("a seed is given twice", field="--seeds")
    return seeds


def points(axes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (one point with no axes)."""
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*axes.values())]


def point_key(params: dict[str, Any]) -> str:
    """A point's identity in the store: its parameters as canonical JSON."""
    return json.dumps(params, sort_keys=True, default=str)


def scenario_dict(path: str | os.PathLike[str]) -> dict:
    """The scenario file's data with its topology file inline (the topology's
    ``params:`` defaults joined to the scenario's, which win) and every file the
    topology names made absolute (:func:`~simulator.scenario.compose.anchored`): all a
    worker needs, whatever its working directory."""
    doc = load_yaml_file(path)
    data = dict(doc.data)
    ref = data.get("topology")
    if isinstance(ref, dict):
        data["topology"] = anchored(ref, os.path.dirname(os.path.abspath(path)))
    elif isinstance(ref, str):
        tpath = os.path.normpath(os.path.join(os.path.dirname(os.fspath(path)), os.path.expanduser(ref)))
        topology = anchored(load_yaml_file(tpath).data, os.path.dirname(tpath))
        own = topology.pop("params", None) or {}
        if own:
            data["params"] = {**own, **(data.get("params") or {})}
        data["topology"] = topology
    return data


def digest(data: dict) -> str:
    """The scenario's digest: what a changed scenario file is detected by."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def validate(path: str | os.PathLike[str], grid: list[dict[str, Any]]) -> None:
    """Load the scenario file at every point, so that a mistake is reported at its
    file:line before anything runs."""
    for params in grid:
        load_scenario(path, params=params)
