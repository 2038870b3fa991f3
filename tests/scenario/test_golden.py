"""Golden results: every shipped scenario has one, and a one-line behaviour change
is caught at its first differing event, shown in context."""

import json
import shutil
from pathlib import Path

import pytest

from simulator.scenario import golden
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.stack.ipv4 import IPv4

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_has_a_golden_result(path):
    record = golden.read(golden.golden_path(path))
    scenario = load_scenario(path)
    assert (record["scenario"], record["seed"]) == (scenario.name, scenario.seed)
    if scenario.trace.off:
        assert record["trace"] is None and record["events"] == [] and record["summary"]
    else:
        trace = record["trace"]
        assert len(record["events"]) == min(trace["events"], golden.KEPT) > 0
        if trace["events"] > golden.KEPT:               # the rest as a digest per block
            assert len(trace["blocks"]) == -(-trace["events"] // golden.BLOCK)
    assert golden.golden_path(path).stat().st_size < 128 * 1024


def _run(path, out):
    result = run_scenario(load_scenario(path), out, plots=False)
    assert result.passed
    return golden.compare(path, out)


def test_a_ttl_change_shows_the_first_differing_event(tmp_path, monkeypatch):
    path = ROOT / "scenarios" / "lan_ping.yaml"
    assert _run(path, tmp_path / "same").status == "match"
    monkeypatch.setattr(IPv4.__init__, "__defaults__", (63,))   # hosts' default TTL 64 -> 63
    comparison = _run(path, tmp_path / "changed")   # the expectations still hold
    assert comparison.status == "differs" and not comparison.ok
    text = "\n".join(comparison.lines)
    # pc1's request (event 14) and the switch's copy of it are unchanged; pc2's reply is first
    assert "trace: first difference at event 17 (59 events before, 59 now):" in text
    assert "        15  1000078640 sw phy.tx if=p2" in text          # context before it
    old = next(line for line in comparison.lines if line.startswith("  -     17"))
    new = next(line for line in comparison.lines if line.startswith("  +     17"))
    assert "pc2 phy.tx" in old and "ttl=64 'Echo (ping) reply" in old
    assert "pc2 phy.tx" in new and "ttl=63 'Echo (ping) reply" in new
    assert comparison.lines[-1] == f"if the change is intended: netsim test --update-golden {path}"


def test_a_summary_change_alone_is_shown(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text((ROOT / "scenarios" / "lan_ping.yaml").read_text()
                        .replace("../topologies/lan.yaml", str(ROOT / "topologies" / "lan.yaml")))
    out = tmp_path / "out"
    run_scenario(load_scenario(scenario), out, plots=False)
    assert golden.update(scenario, out).status == "updated"
    assert golden.update(scenario, out).status == "match"        # unchanged: not rewritten
    record = golden.read(golden.golden_path(scenario))
    record["summary"]["apps.pc1-pc2.received"] = 2
    golden.write(golden.golden_path(scenario), record)
    lines = golden.compare(scenario, out).lines
    assert lines[1:3] == ["summary: 1 numbers changed:", "    apps.pc1-pc2.received: 2 → 3"]


def test_a_longer_trace_shows_where_the_golden_copy_ends(tmp_path):
    src = ROOT / "scenarios" / "lan_ping.yaml"
    shutil.copy(src, tmp_path / "lan_ping.yaml")
    out = tmp_path / "out"
    run_scenario(load_scenario(src), out, plots=False)
    record = golden.record(out)
    record["events"] = record["events"][:40]
    record["trace"]["events"] = 40
    golden.write(tmp_path / "lan_ping.golden.json", record)
    text = "\n".join(golden.compare(tmp_path / "lan_ping.yaml", out).lines)
    assert "first difference at event 41 (40 events before, 59 now)" in text
    assert "  - (the golden trace ends here)" in text
    assert "  +     41  " in text


def test_golden_files_are_deterministic_and_sorted(tmp_path):
    path = ROOT / "scenarios" / "failover.yaml"
    for name in ("a", "b"):
        run_scenario(load_scenario(path), tmp_path / name, plots=False)
    assert golden.record(tmp_path / "a") == golden.record(tmp_path / "b")
    golden.write(tmp_path / "g.json", golden.record(tmp_path / "a"))
    text = (tmp_path / "g.json").read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_file_that_is_not_golden_is_refused(tmp_path):
    (tmp_path / "g.json").write_text('{"format": 9}')
    with pytest.raises(ScenarioError, match="not a netsim golden file"):
        golden.read(tmp_path / "g.json")
