"""A stopped app's periodic timers stop with it (simulator.apps.lifecycle): no request,
datagram or report row after the stop, and none of its code wakes again; an iperf-style
table (apps/report.py ``Intervals``) closes with a partial row at the stop, as iperf3
prints one on Ctrl-C."""

import pytest
from simpy.events import Process

from tests.scenario.test_actions import MS, PAIR, run

S = 1000 * MS


def owners(generator) -> list:
    """The ``self`` of every generator in ``generator``'s ``yield from`` chain."""
    found = []
    while generator is not None:
        frame = getattr(generator, "gi_frame", None)
        if frame is not None and "self" in frame.f_locals:
            found.append(frame.f_locals["self"])
        generator = getattr(generator, "gi_yieldfrom", None)
    return found


@pytest.fixture
def resumed(monkeypatch):
    """(time, owners) of every SimPy process resumption in the run."""
    seen = []
    resume = Process._resume

    def spy(self, event):
        seen.append((self.env.now, owners(self._generator)))
        return resume(self, event)
    monkeypatch.setattr(Process, "_resume", spy)
    return seen


def table(output: list[str]) -> list[str]:
    return [line for line in output if line.startswith("[  1]") and " sec " in line]


# Each kind running on a at the stop (2.5 s), with a timer due after it (3 s): a
# period, an interval between requests, a table's tick. b serves what needs a server.
TICKING = {
    "ping": "  - {at: 1s, on: a, name: x, ping: {dst: 10.0.0.2, count: 10}}",
    "udp_send": "  - {at: 1s, on: a, name: x, udp_send: {dst: 10.0.0.2, port: 9, count: 10}}",
    "udp_cbr": "  - {at: 1s, on: a, name: x, udp_cbr: {dst: 10.0.0.2, rate: 100kbps, size: 1250B}}",
    "udp_echo": "  - {at: 0s, on: b, udp_echo_server: {}}\n"
                "  - {at: 1s, on: a, name: x, udp_echo: {dst: 10.0.0.2, count: 10}}",
    "tcp_echo": "  - {at: 0s, on: b, tcp_echo_server: {}}\n"
                "  - {at: 1s, on: a, name: x, tcp_echo: {dst: 10.0.0.2, count: 10}}",
    "reqresp": "  - {at: 0s, on: b, reqresp_server: {}}\n"
               "  - {at: 1s, on: a, name: x, reqresp: {dst: 10.0.0.2, interval: 1s}}",
    "bulk_send": "  - {at: 0s, on: b, bulk_sink: {port: 5001}}\n"
                 "  - {at: 1s, on: a, name: x, bulk_send: {dst: 10.0.0.2, port: 5001}}",
    "bulk_sink": "  - {at: 0s, on: a, name: x, bulk_sink: {port: 5001}}\n"
                 "  - {at: 1s, on: b, bulk_send: {dst: 10.0.0.1, port: 5001}}",
    "udp_sink": "  - {at: 0s, on: a, name: x, udp_sink: {port: 9, interval: 1s}}\n"
                "  - {at: 1s, on: b, udp_send: {dst: 10.0.0.1, port: 9, count: 30, interval: 100ms}}",
    "udp_cbr_sink": "  - {at: 0s, on: a, name: x, udp_cbr_sink: {}}\n"
                    "  - {at: 1s, on: b, udp_cbr: {dst: 10.0.0.1, rate: 100kbps, size: 1250B}}",
}


@pytest.mark.parametrize("how", ["stop", "node_down"])
@pytest.mark.parametrize("kind", sorted(TICKING))
def test_nothing_of_a_stopped_app_wakes_after_the_stop(kind, how, resumed, tmp_path):
    stop = "{at: 2500ms, stop: x}" if how == "stop" else "{at: 2500ms, node_down: a}"
    result, _ = run(PAIR.format(run=f"{TICKING[kind]}\n  - {stop}"), tmp_path)
    app = next(a for a in result.apps if a.name == "x")
    assert app.stopped_ns == 2500 * MS
    mine = {id(app), id(getattr(app, "table", None))}        # a sink runs only its table
    woke = [t for t, selves in resumed if mine & set(map(id, selves))]
    assert woke and min(woke) < 2500 * MS and max(woke) == 2500 * MS   # the last: halted


# udp_sink: 512-byte datagrams every 100 ms from 1 s, the first in at 1.0014464 s: ten
# in the first second, five (2.0 … 2.4 s) in the 498.5536 ms up to the stop.
# udp_cbr_sink: one 1250-byte datagram each 100 ms from 1 s, in 2.0368 ms later: 10 in
# the first second, 5 in the 497.9632 ms up to the cut (the one of 2.0 s arrives at the tick)
@pytest.mark.parametrize("kind, event, rows, last", [
    ("udp_sink", "stop: x", [
        "[  1]   0.00-1.00   sec  5.00 KBytes  41.0 Kbits/sec         10",
        "[  1]   1.00-1.50   sec  2.50 KBytes  41.1 Kbits/sec          5"],
     "udp_sink: stopped at 2.500000000 s"),
    ("udp_cbr_sink", "node_down: a", [
        "[  1]   0.00-1.00   sec  12.2 KBytes   100 Kbits/sec  0.000 ms  0/10 (0%)",
        "[  1]   1.00-1.50   sec  6.10 KBytes   100 Kbits/sec  0.000 ms  0/5 (0%)"],
     "udp_cbr_sink: stopped at 2.500000000 s (power off)"),
])
def test_a_stopped_sink_closes_its_table_at_the_stop(kind, event, rows, last, tmp_path):
    result, _ = run(PAIR.format(run=f"{TICKING[kind]}\n  - {{at: 2500ms, {event}}}"), tmp_path)
    out = next(r for r in result.results() if r["name"] == "x")["output"]
    assert table(out) == rows and out[-1] == last
