"""The TCP apps end to end on a two-host link: bytes delivered exactly, states at the
end, errors as results, round trips against the link's exact timing."""

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

MS = 1_000_000
RATE = 10_000_000
DELAY = 5 * MS


SCENARIO = """\
name: t
topology:
  name: two
  nodes:
    a: {{type: host, ip: 10.0.0.1/24{tcp}}}
    b: {{type: host, ip: 10.0.0.2/24{tcp}}}
  links: [{{ends: [a, b], rate: 10Mbps, delay: 5ms}}]
until: {until}
run:
{apps}
"""


def run(apps: str, until: str = "5s", tcp: str = ""):
    text = SCENARIO.format(apps=apps, until=until, tcp=tcp)
    return {r["name"]: r for r in run_scenario(load_text(text)).results()}


def flight_ns(payload: int, options: int = 12) -> int:
    """One TCP segment over the link: 20 IPv4 + 20 TCP + options + 18 Ethernet."""
    return (payload + 40 + options + 18) * 8 * 1_000_000_000 // RATE + DELAY


def test_bulk_bytes_arrive_exactly_and_both_sides_close():
    r = run("  - {at: 0s, on: b, name: sink, bulk_sink: {}}\n"
            "  - {at: 1s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, bytes: 1MB}}")
    bulk, sink = r["bulk"], r["sink"]
    assert (bulk["connected"], bulk["bytes_sent"], bulk["bytes_acked"], bulk["errors"]) == (
        True, 1_000_000, 1_000_000, 0)
    assert (bulk["tcp_state"], bulk["retransmits"]) == ("TIME-WAIT", 0)
    assert (sink["connected"], sink["bytes_received"], sink["tcp_state"]) == (True, 1_000_000, "CLOSED")
    bound = RATE * 1448 / 1518                          # payload share of each full frame
    assert 0.8 * bound < sink["goodput_bps"] <= bound
    assert sink["output"][-1].endswith("receiver") and bulk["output"][-1].endswith("sender")


def test_bulk_for_a_duration_keeps_an_interval_table():
    r = run("  - {at: 0s, on: b, name: sink, bulk_sink: {interval: 500ms}}\n"
            "  - {at: 0s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, duration: 2s, "
            "interval: 500ms}}", until="10s")   # 2 s of writes + a 4 MiB send buffer to drain
    rows = [line for line in r["bulk"]["output"] if "sec" in line and "sender" not in line]
    assert len(rows) >= 4 and rows[0].startswith("[  1]   0.00-0.50   sec")
    assert r["sink"]["bytes_received"] == r["bulk"]["bytes_sent"] == r["bulk"]["bytes_acked"]
    assert r["bulk"]["tcp_state"] == "TIME-WAIT"


def test_connecting_to_a_closed_port_is_refused():
    r = run("  - {at: 0s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, bytes: 1KB}}")
    bulk = r["bulk"]
    assert (bulk["connected"], bulk["errors"], bulk["error"], bulk["tcp_state"]) == (
        False, 1, "ECONNREFUSED", "CLOSED")
    assert bulk["output"][-1] == "bulk_send: Connection refused"


def test_tcp_echo_round_trip_is_two_segment_flights():
    r = run("  - {at: 0s, on: b, name: server, tcp_echo_server: {}}\n"
            "  - {at: 1s, on: a, name: echo, tcp_echo: {dst: 10.0.0.2, size: 100B, count: 5, "
            "interval: 300ms}}")
    echo = r["echo"]
    assert (echo["connected"], echo["received"], echo["loss"], echo["damaged"]) == (True, 5, 0.0, 0)
    # data there, echo back at once; the server may send a window-update ACK (a 70-byte
    # frame) just before the echo
    assert 2 * flight_ns(100) <= echo["rtt_min_ns"] <= 2 * flight_ns(100) + 70 * 800
    assert r["server"]["bytes_received"] == 500


def test_reqresp_counts_transactions_and_bytes():
    r = run("  - {at: 0s, on: b, name: server, reqresp_server: {}}\n"
            "  - {at: 1s, on: a, name: rr, reqresp: {dst: 10.0.0.2, requests: 4, request: 200B, "
            "response: 3000B, interval: 100ms}}")
    rr, server = r["rr"], r["server"]
    assert (rr["received"], rr["bytes_received"], rr["loss"], rr["errors"]) == (4, 12_000, 0.0, 0)
    assert (server["received"], server["bytes_received"]) == (4, 800)
    # a transaction: the request's flight, then the response's 1448 + 1448 + 104 bytes
    # back to back (each 1518-byte frame takes 1.2144 ms), at least
    assert rr["rtt_min_ns"] >= flight_ns(200) + 2 * (flight_ns(1448) - DELAY) + flight_ns(104)
    assert rr["rtt_max_ns"] < rr["rtt_min_ns"] + 50 * MS


def test_one_sink_reads_several_connections():
    r = run("  - {at: 0s, on: b, name: sink, bulk_sink: {}}\n"
            "  - {at: 1s, on: a, name: one, bulk_send: {dst: 10.0.0.2, bytes: 100KB}}\n"
            "  - {at: 1s, on: a, name: two, bulk_send: {dst: 10.0.0.2, bytes: 50KB}}")
    assert r["sink"]["bytes_received"] == 150_000
    assert sum(line.startswith("Accepted connection") for line in r["sink"]["output"]) == 2


@pytest.mark.parametrize("cc", ["reno", "newreno", "cubic"])
def test_per_socket_congestion_control_is_used(cc):
    r = run("  - {at: 0s, on: b, name: sink, bulk_sink: {}}\n"
            f"  - {{at: 1s, on: a, name: bulk, bulk_send: {{dst: 10.0.0.2, bytes: 200KB, cc: {cc}}}}}")
    assert r["sink"]["bytes_received"] == 200_000


SERVERS = [("bulk_sink", 5201, "TCP"), ("tcp_echo_server", 7, "TCP"),
           ("reqresp_server", 8000, "TCP"), ("udp_echo_server", 7, "UDP"),
           ("udp_cbr_sink", 5001, "UDP"), ("udp_sink", 9, "UDP")]


def two_servers(kind: str) -> str:
    spec = "{port: 9}" if kind == "udp_sink" else "{}"
    return (f"  - {{at: 0s, on: b, name: first, {kind}: {spec}}}\n"
            f"  - {{at: 0s, on: b, name: second, {kind}: {spec}}}")


@pytest.mark.parametrize("kind, port, proto", SERVERS)
def test_a_second_server_on_a_port_is_a_check_error(kind, port, proto):
    with pytest.raises(ScenarioError) as error:
        run(two_servers(kind), until="1s")
    assert str(error.value).endswith(f"run[1].{kind}.port: {proto} port {port} on b is already "
                                     f"taken by run[0] ({kind})")


@pytest.mark.parametrize("kind, port, proto", SERVERS)
def test_a_second_server_on_a_port_reports_eaddrinuse_at_run_time(kind, port, proto):
    """Built from Python, past the checks, the bind fails as a result, not a crash."""
    once = load_text(SCENARIO.format(until="1s", tcp="", apps=two_servers(kind).splitlines()[0]))
    first = once.run[0]
    scenario = once.model_copy(update={"run": [first, first.model_copy(update={"name": "second"})]})
    r = {r["name"]: r for r in run_scenario(scenario).results()}
    assert r["first"]["errors"] == 0
    assert (r["second"]["errors"], r["second"]["error"]) == (1, "EADDRINUSE")
    assert r["second"]["output"] == [f"{kind}: port {port}: Address already in use"]


