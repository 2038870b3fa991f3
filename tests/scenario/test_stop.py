"""Stopping apps (simulator.apps.lifecycle): a ``stop`` action ends any app as Ctrl-C
ends the real tool (TCP sockets close with a FIN after the data written); a
``node_down`` ends the node's apps as a power cut does (nothing more is sent, no
process of theirs keeps running)."""

import re

import pytest

from simulator.apps import APPS
from simulator.apps.lifecycle import Stoppable, live_processes
from tests.scenario.test_actions import MS, PAIR, ROUTED, run, txs

S = 1000 * MS


def seq_and_len(event) -> tuple[int, int]:
    info = event["info"]
    return int(re.search(r"Seq=(\d+)", info)[1]), int(re.search(r"Len=(\d+)", info)[1])


def test_a_stopped_bulk_send_closes_after_the_data_written_and_reports_until_the_stop(tmp_path):
    result, events = run(PAIR.format(run="""
  - {at: 0s, on: b, name: sink, bulk_sink: {port: 5001}}
  - {at: 1s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, port: 5001, duration: 5s,
                                             sndbuf: 64KB}}
  - {at: 2s, stop: bulk}
"""), tmp_path)
    bulk, sink = result.apps[1], result.apps[0]
    sent = bulk.result()["bytes_sent"]
    out = tcp = txs(events, "a", "TCP")
    syn_seq = seq_and_len(tcp[0])[0]
    fins = [e for e in out if "FIN" in e["info"]]
    assert len(fins) == 1 and fins[0]["ns"] > 2 * S       # the queued data drains first
    fin_seq, fin_len = seq_and_len(fins[0])
    assert (fin_seq + fin_len - syn_seq - 1) % 2**32 == sent   # the FIN follows every byte written
    assert not [e for e in out if e["ns"] < 2 * S and "FIN" in e["info"]]
    assert sink.received == sent                           # all of it arrived, none after the FIN
    data = [e for e in out if seq_and_len(e)[1]]
    # the FIN rides on the last data segment (Linux tcp_send_fin), which leaves right
    # behind the one before it: the queue drains at the link's rate after the stop
    assert data[-1] is fins[0] and fin_len > 0
    assert fins[0]["ns"] == data[-2]["ns"] + data[-2]["ser_ns"]
    report = next(r for r in result.results() if r["name"] == "bulk")
    assert report["stopped_ns"] == 2 * S and report["stopped_by"] == "stop"
    assert report["output"][-1] == "bulk_send: stopped at 2.000000000 s"
    # the summary spans connect → stop and counts what was acknowledged by then
    summary = report["output"][-2]
    assert summary.startswith("[  1]   0.00-1.00   sec") and summary.endswith("sender")
    assert 0 < report["bytes_acked"] <= sent
    assert bulk.ended_ns == 2 * S and live_processes(bulk) == []


def test_a_stopped_tcp_echo_sends_its_fin_at_the_stop_and_keeps_its_round_trips(tmp_path):
    result, events = run(PAIR.format(run="""
  - {at: 0s, on: b, name: srv, tcp_echo_server: {port: 7}}
  - {at: 1s, on: a, name: echo, tcp_echo: {dst: 10.0.0.2, count: 10, interval: 500ms}}
  - {at: 2200ms, stop: echo}
"""), tmp_path)
    fins = [e for e in txs(events, "a", "TCP") if "FIN" in e["info"]]
    assert [e["ns"] for e in fins] == [2200 * MS]          # nothing was queued: at once
    echo = next(r for r in result.results() if r["name"] == "echo")
    assert echo["received"] == 3                           # 1.0, 1.5 and 2.0 s
    # the server sees the FIN and closes its side: the connection ends orderly
    srv_fins = [e for e in txs(events, "b", "TCP") if "FIN" in e["info"]]
    assert len(srv_fins) == 1 and srv_fins[0]["ns"] > 2200 * MS
    assert result.apps[1].sock.state.value == "TIME-WAIT"
    assert all(live_processes(app) == [] for app in result.apps[1:])


def test_stopping_udp_send_traceroute_and_dig_stops_their_sending_and_keeps_the_partial_result(
        tmp_path):
    result, events = run(ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="8s", run="""
  - {at: 1s, on: a, name: u, udp_send: {dst: 10.0.2.10, port: 9, count: 10}}
  - {at: 3500ms, stop: u}
  - {at: 1s, on: a, name: t, traceroute: {dst: 10.0.2.99, max_hops: 5, probes: 1, wait: 1s}}
  - {at: 2500ms, stop: t}
  - {at: 1s, on: b, name: d, dig: {name: example.com, server: 10.0.1.99, timeout: 1s}}
  - {at: 2500ms, stop: d}
"""), tmp_path)
    u, t, d = (next(r for r in result.results() if r["name"] == n) for n in "utd")
    assert u["sent"] == 3 and u["stopped_ns"] == 3500 * MS    # at 1, 2 and 3 s
    udp = [e["ns"] for e in txs(events, "a", "UDP") if ":9 " in e["info"] or "→ 9 " in e["info"]]
    assert len(udp) == 3 and udp[1:] == [2 * S, 3 * S]       # the first waited for ARP
    # traceroute: hop 1 answered, hop 2 timed out (nobody has 10.0.2.99), hop 3 cut short
    assert t["hops"] == ["10.0.1.1", None] and t["stopped_ns"] == 2500 * MS
    assert t["output"][-2:] == [" 2  *", "traceroute: stopped at 2.500000000 s"]
    probes = [e["ns"] for e in txs(events, "a", "UDP") if e["ip_dst"] == "10.0.2.99"]
    assert len(probes) == 3 and probes[-1] < 2500 * MS
    # dig: tries at 1 s and 2 s, none at 3 s; no answer, so no rcode
    queries = [e["ns"] for e in events if e["node"] == "b" and e["event"] == "dns.query"
               and e["layer"] == "dns"]
    assert queries == [1 * S, 2 * S] and d["rcode"] is None and d["stopped_by"] == "stop"


def test_node_down_ends_the_node_apps_without_sending_and_without_a_live_process(tmp_path):
    text = ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="6s", run="""
  - {at: 0s, on: b, name: srv, bulk_sink: {port: 5001}}
  - {at: 0s, on: b, name: echo, udp_echo_server: {port: 7}}
  - {at: 1s, on: b, name: back, bulk_send: {dst: 10.0.1.10, port: 5002, bytes: 10MB}}
  - {at: 0s, on: a, name: asink, bulk_sink: {port: 5002}}
  - {at: 1s, on: a, name: bulk, bulk_send: {dst: 10.0.2.10, port: 5001, bytes: 100MB}}
  - {at: 1s, on: b, name: p, ping: {dst: 10.0.1.10, count: 100, interval: 100ms}}
  - {at: 1500ms, node_down: b}
  - {at: 3s, node_up: b}
""")
    result, events = run(text, tmp_path)
    later = [e for e in events if e["node"] == "b" and e["event"] == "tx" and e["ns"] >= 1500 * MS]
    assert later and min(e["ns"] for e in later) > 3 * S   # nothing while off
    # after node_up: b's ARP for its gateway and RSTs to a's segments for the lost connections
    assert {e["proto"] if e["proto"] == "ARP" else e["info"].split()[3] for e in later} == \
        {"ARP", "[RST]"}
    on_b = [app for app in result.apps if app.host.name == "b"]
    assert len(on_b) == 4
    for app in on_b:
        assert live_processes(app) == [] and app.ended_ns == 1500 * MS
        report = next(r for r in result.results() if r["name"] == app.name)
        assert report["stopped_by"] == "power off"
        assert report["output"][-1].endswith("stopped at 1.500000000 s (power off)")
    ping = next(r for r in result.results() if r["name"] == "p")
    assert ping["transmitted"] == 5 and ping["finished"]      # 1.0 … 1.4 s


def test_a_stop_before_the_start_means_the_app_never_runs(tmp_path):
    result, events = run(PAIR.format(run="""
  - {at: 1s, stop: u}
  - {at: 2s, on: a, name: u, udp_send: {dst: 10.0.0.2, port: 9}}
"""), tmp_path)
    assert not txs(events, "a", "UDP") and result.apps[0].stopped_ns == 1 * S


@pytest.mark.parametrize("stop_at", ["1500ms", "500ms"], ids=["running", "before its start"])
@pytest.mark.parametrize("kind", sorted(APPS))
def test_every_app_kind_can_be_stopped(kind, stop_at, tmp_path):
    """Any kind stops (netsim check used to refuse some), running or not yet started,
    and reports it; nothing of it runs on."""
    result, events = run(PAIR.format(run=f"""
  - {{at: 1s, on: a, name: x, {kind}: {EXAMPLES[kind]}}}
  - {{at: {stop_at}, stop: x}}
"""), tmp_path)
    app, = result.apps
    assert isinstance(app, Stoppable) and live_processes(app) == []
    report, = result.results()
    stopped = 1500 * MS if stop_at == "1500ms" else 500 * MS
    assert (report["stopped_ns"], report["stopped_by"]) == (stopped, "stop")
    assert report["output"][-1] == f"{kind}: stopped at {stopped / S:.9f} s"
    if stop_at == "500ms":
        assert not [e for e in events if e["node"] == "a" and e["event"] == "tx"]


# clients of 10.0.0.3, which nobody has: each is still trying (ARP, SYN, retries) at 1.5 s
EXAMPLES = {
    "browse": "{urls: [http://10.0.0.3/]}", "bulk_send": "{dst: 10.0.0.3}",
    "bulk_sink": "{}", "dig": "{name: example.com, server: 10.0.0.3}",
    "http_get": "{url: http://10.0.0.3/}", "nslookup": "{name: example.com, server: 10.0.0.3}",
    "ping": "{dst: 10.0.0.3}", "reqresp": "{dst: 10.0.0.3}", "reqresp_server": "{}",
    "tcp_echo": "{dst: 10.0.0.3}", "tcp_echo_server": "{}", "traceroute": "{dst: 10.0.0.3}",
    "udp_cbr": "{dst: 10.0.0.3}", "udp_cbr_sink": "{}", "udp_echo": "{dst: 10.0.0.3}",
    "udp_echo_server": "{}", "udp_send": "{dst: 10.0.0.3, port: 9, count: 10}",
    "udp_sink": "{port: 9}",
}
