"""trace.jsonl is gathered in blocks (engine/trace.py's JsonLinesSink) and still whole
however a run ends: every line made before the end is in the file."""

import pytest

from simulator.phy.link import Channel
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

LAN = """
name: lan
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    sw: {type: switch}
    b: {type: host, ip: 10.0.0.2/24}
  links: [[a, sw], [sw, b]]
until: 10s
run:
  - {at: 1s, on: a, ping: {dst: 10.0.0.2, count: 300, interval: 1ms}}
"""


def test_a_run_that_fails_midway_leaves_every_line_made_before_it(tmp_path, monkeypatch):
    run_scenario(load_text(LAN), tmp_path / "whole", plots=False)
    whole = (tmp_path / "whole" / "trace.jsonl").read_bytes()
    arrive, calls, written = Channel._arrive, [], []

    def failing(channel, event):
        calls.append(1)
        if len(calls) == 600:
            written.append(channel.sim.tracer.line_sink("tx").written)
            raise RuntimeError("a bug in a handler")
        arrive(channel, event)

    monkeypatch.setattr(Channel, "_arrive", failing)
    with pytest.raises(RuntimeError):
        run_scenario(load_text(LAN), tmp_path / "failed", plots=False)
    failed = (tmp_path / "failed" / "trace.jsonl").read_bytes()
    assert len(whole) < 1 << 20                       # less than one block: all gathered
    assert len(failed) == written[0] and failed.endswith(b"\n")
    assert whole.startswith(failed) and len(failed.splitlines()) > 500
