"""The lines the per-frame sites make whole (``Channel.tx_line``, ``forward.route_line``,
from memoised pieces, where the JSON-lines sink alone takes ``tx`` and ``route``) are
the bytes orjson makes of the records the same events give otherwise: a run writes
the same trace.jsonl either way, on the fast path and on the layered one."""

from pathlib import Path

import pytest

from simulator.engine.trace import Tracer
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario

ROOT = Path(__file__).resolve().parents[2]
# routers and fragments, lossy links, a hub, spanning tree, an L3 switch
SCENARIOS = ["traceroute", "fragmentation", "tcp_lossy", "lan_ping", "stp_triangle",
             "campus_l3switch"]


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_lines_made_whole_are_the_records_orjson_writes(name, fast_path, tmp_path, monkeypatch):
    monkeypatch.setenv("NETSIM_FAST_PATH", fast_path)
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml").model_copy(
        update={"capture": [], "expect": []})      # no other sink taking every event
    lines = []

    def frame_lines(tracer):
        sink = original(tracer)
        lines.append(sink is not None)
        return sink

    original = Tracer._frame_lines
    monkeypatch.setattr(Tracer, "_frame_lines", frame_lines)
    run_scenario(scenario, tmp_path / "lines", plots=False)
    monkeypatch.setattr(Tracer, "_frame_lines", lambda tracer: None)   # records only
    run_scenario(scenario, tmp_path / "records", plots=False)
    made = (tmp_path / "lines" / "trace.jsonl").read_bytes()
    assert lines[-1] and b'"event":"tx"' in made
    assert made == (tmp_path / "records" / "trace.jsonl").read_bytes()
