"""Every shipped scenario is a regression test: it loads, runs, every one of its
expectations holds and the run matches its golden result (docs/testing.md). A file
added to scenarios/ is picked up without touching this. `make test` runs the
scenarios here, once; `pytest scenarios/` and `netsim test scenarios/` run the same
checks as the plugin's items and a table."""

import json
from pathlib import Path

import pytest

from simulator.scenario import golden
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").rglob("*.yaml"))


def test_scenarios_are_shipped():
    assert len(SCENARIOS) >= 1


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_its_expectations(path, tmp_path):
    scenario = load_scenario(path)
    assert scenario.expect, f"{path.name} checks nothing: add an expect: list"
    result = run_scenario(scenario, out_dir=tmp_path, plots=False)
    failed = [v.as_dict() for v in result.verdicts if not v.ok]
    assert result.passed and not failed, failed
    assert len(result.verdicts) == len(scenario.expect)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["passed"] is True
    assert summary["scenario"] == scenario.name
    assert len(summary["expectations"]) == len(scenario.expect)
    comparison = golden.compare(path, tmp_path)
    assert comparison.status == "match", "\n".join(comparison.lines)
