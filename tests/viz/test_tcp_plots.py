"""TCP plots and ladder labels from a synthetic trace in the run's format (tcp_synth):
the parsed segments, the series each plot draws, and the PNGs themselves."""

import pytest

from simulator.viz.ladder import frames, plot_ladder, state_changes
from simulator.viz.tcp import (goodput_series, plot_cwnd, plot_goodput, plot_rtt, plot_sequence,
                               plot_tcp, sequence_series)
from simulator.viz.tcp_trace import connections, drops, parse_info, relative_info, retransmitted
from simulator.wire.tcp import ACK, SYN, TcpSegment
from simulator.wire.tcp_options import Mss, Sack, SackPermitted, Timestamps, WindowScale
from tests.viz import tcp_synth
from tests.viz.tcp_synth import A, B, ISN_A, ISN_B

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trace():
    return tcp_synth.trace()


def test_info_lines_parse_back_to_the_segment():
    seg = TcpSegment(40000, 5201, 123, 456, SYN | ACK, 65535, b"x" * 10,
                     (Mss(1460), SackPermitted(), Timestamps(7, 9), WindowScale(7),
                      Sack([(1, 2), (3, 4)])))
    f = parse_info(seg.info())
    assert f == {"sport": 40000, "dport": 5201, "flags": frozenset({"SYN", "ACK"}), "seq": 123,
                 "ack": 456, "win": 65535, "length": 10,
                 "options": {"MSS": 1460, "TSval": 7, "TSecr": 9, "WS": 128},
                 "sack": ((1, 2), (3, 4))}
    assert parse_info("Fragmented IP protocol (proto=TCP 6, off=0, ID=0001)") is None


def test_one_connection_with_both_isns_and_window_scales(trace):
    (conn,) = connections(trace)
    assert (conn.client, conn.server, conn.client_node, conn.server_node) == (A, B, "a", "b")
    assert conn.isn == {A: ISN_A, B: ISN_B}
    assert conn.wscale == {A: 128, B: 128}
    assert conn.rel(B, (ISN_B + 1) % (1 << 32)) == 1      # across the 2^32 wrap


def test_retransmission_and_drop_are_found(trace):
    (conn,) = connections(trace)
    sent = [s for s in conn.sent_by(A) if s.seq_space]
    flags = retransmitted(sent, conn)
    assert [conn.rel(A, s.seq) for s, r in zip(sent, flags) if r] == [5001]
    assert drops(trace, conn) == [(25 * tcp_synth.MS + tcp_synth.HOP_NS, "QUEUE_FULL", 5001, 1000)]


def test_time_sequence_series(trace):
    (conn,) = connections(trace)
    s = sequence_series(trace, conn)
    assert s["sender"] == A
    assert len(s["bars"]) == 1 + 20 + 1 + 1              # SYN, 20 segments, the resend, FIN
    assert s["bars"][0][1:] == (0, 1, False)             # the SYN takes sequence number 0
    assert [b[1:] for b in s["bars"] if b[3]] == [(5001, 6001, True)]
    assert s["acks"][0][1] == 1 and s["acks"][-1][1] == 20002
    assert s["window"][-1][1] == 20002 + 1000 * 128      # scaled by the announced WS
    assert s["sacks"][0][1:] == (6001, 7001) and s["sacks"][-1][1:] == (6001, 20001)
    assert [(seq, length) for _, seq, length, _ in s["drops"]] == [(5001, 1000)]


def test_goodput_counts_each_data_byte_once(trace):
    (conn,) = connections(trace)
    series = goodput_series(conn, 10_000_000)
    assert sum(mbps * 1e6 * 0.01 / 8 for _, mbps in series[:-1]) == pytest.approx(20000)


def test_wireshark_labels_with_relative_numbers(trace):
    infos = [e["info"] for e in relative_info(frames(trace)) if e["node"] in ("a", "b")]
    assert infos[:3] == ["[SYN] Seq=0 Win=1000 Len=0 MSS=1460 SACK_PERM WS=128",
                         "[SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0 MSS=1460 SACK_PERM WS=128",
                         "[ACK] Seq=1 Ack=1 Win=128000 Len=1000"]
    assert "[ACK] Seq=1 Ack=5001 Win=128000 Len=0 SLE=6001 SRE=8001" in infos
    assert "[TCP Retransmission] [ACK] Seq=5001 Ack=1 Win=128000 Len=1000" in infos
    assert sum(info.startswith("[TCP Retransmission]") for info in infos) == 1
    assert infos[-2:] == ["[FIN, ACK] Seq=20001 Ack=1 Win=128000 Len=0",
                          "[ACK] Seq=1 Ack=20002 Win=128000 Len=0"]


def test_segments_before_any_syn_keep_their_raw_info():
    seg = TcpSegment(1, 2, 777, 0, ACK, 100)
    event = {"event": "tx", "ns": 0, "node": "a", "peer": "b", "proto": "TCP",
             "ip_src": "10.0.0.1", "ip_dst": "10.0.0.2", "info": seg.info()}
    assert relative_info([event]) == [event]


def test_state_changes_sit_on_their_lifelines(trace):
    marks = state_changes(trace, ["a", "r", "b"], 0, 10**12)
    assert [(x, state) for x, _, state in marks] == [
        (0, "SYN-SENT"), (2, "SYN-RECEIVED"), (0, "ESTABLISHED"), (0, "FIN-WAIT-1"),
        (2, "CLOSE-WAIT")]


def test_every_plot_is_a_png_and_deterministic(trace, tmp_path):
    written = plot_tcp(trace, tmp_path, title="synthetic")
    assert [p.name for p in written] == ["tcp_sequence.png", "tcp_cwnd.png", "tcp_rtt.png",
                                         "tcp_goodput.png"]
    (tmp_path / "again").mkdir()
    again = plot_tcp(trace, tmp_path / "again", title="synthetic")
    for a, b in zip(written, again):
        assert a.read_bytes()[:8] == PNG and a.read_bytes() == b.read_bytes()
    plot_ladder(trace, tmp_path / "ladder.png", nodes=["a", "r", "b"])
    assert (tmp_path / "ladder.png").read_bytes()[:8] == PNG


def test_no_tcp_no_plots(tmp_path):
    ping = [{"event": "tx", "ns": 0, "node": "a", "peer": "b", "proto": "ICMP", "info": "Echo"}]
    assert plot_tcp(ping, tmp_path) == []
    cwnd_less = [e for e in tcp_synth.trace() if e["event"] not in ("tcp.cwnd", "tcp.rtt")]
    assert not plot_cwnd(cwnd_less, tmp_path / "c.png") and not plot_rtt(cwnd_less, tmp_path / "r.png")
    assert plot_sequence(cwnd_less, tmp_path / "s.png") and plot_goodput(cwnd_less, tmp_path / "g.png")


def test_packet_view_agrees_with_the_stack_on_a_lossy_run(tmp_path):
    """tcptrace's inference from the packets (retransmissions, drops) against the
    sender's own ``tcp.retransmit`` records and the links' drop events."""
    from simulator.scenario.load import load_text
    from simulator.scenario.run import run_scenario
    from simulator.viz.trace_io import read_trace

    run_scenario(load_text("""\
name: lossy
topology:
  name: two
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
  links: [{ends: [a, b], rate: 10Mbps, delay: 10ms, loss: 2%, queue: 20}]
seed: 3
until: 3s
run:
  - {at: 0s, on: b, name: sink, bulk_sink: {}}
  - {at: 0s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, bytes: 1MB}}
"""), out_dir=tmp_path, plots=False)
    events = read_trace(tmp_path / "trace.jsonl")
    (conn,) = connections(events)
    sent = [s for s in conn.sent_by(conn.client) if s.seq_space]
    inferred = sum(retransmitted(sent, conn))
    records = [e for e in events if e["event"] == "tcp.retransmit" and e["node"] == "a"]
    assert inferred == len(records) > 0
    lost = drops(events, conn)
    data_drops = [e for e in events if e["event"] == "drop" and e["node"] == "a"
                  and e.get("reason") in ("LINK_LOSS", "QUEUE_FULL") and "Len=0" not in e["info"]]
    assert len(lost) == len(data_drops) > 0
    # every retransmission of data re-sends a segment that was lost (none is spurious
    # here); sequence number 0 is the SYN, which carries no data
    again = {conn.rel(conn.client, s.seq) for s, r in zip(sent, retransmitted(sent, conn)) if r}
    assert again - {0} and again - {0} <= {seq for _, _, seq, _ in lost}
    # and the stack's tcp.cwnd / tcp.rtt records are what the plots read
    written = plot_tcp(events, tmp_path, title="lossy")
    assert [p.name for p in written] == ["tcp_sequence.png", "tcp_cwnd.png", "tcp_rtt.png",
                                         "tcp_goodput.png"]


def test_the_handshake_scenario_shows_every_state_and_relative_numbers(tmp_path):
    """scenarios/tcp_handshake.yaml: what its ladder draws (labels, state marks)."""
    from pathlib import Path

    from simulator.scenario.load import load_scenario
    from simulator.scenario.run import run_scenario
    from simulator.viz.trace_io import read_trace

    path = Path(__file__).resolve().parents[2] / "scenarios" / "tcp_handshake.yaml"
    run_scenario(load_scenario(path), out_dir=tmp_path, plots=False)
    events = read_trace(tmp_path / "trace.jsonl")
    marks = [(x, states) for x, _, states in state_changes(events, ["client", "server"], 0, 10**12)]
    assert marks == [(0, "SYN-SENT"), (1, "SYN-RECEIVED"), (0, "ESTABLISHED\n→ FIN-WAIT-1"),
                     (1, "ESTABLISHED"), (1, "CLOSE-WAIT\n→ LAST-ACK"), (0, "FIN-WAIT-2"),
                     (0, "TIME-WAIT"), (1, "CLOSED")]
    tcp = [(e["node"], e["info"]) for e in relative_info(frames(events)) if e["proto"] == "TCP"]
    assert tcp[0][0] == "client" and tcp[0][1].startswith("[SYN] Seq=0 Win=")
    assert " Len=0 MSS=1460 SACK_PERM WS=" in tcp[0][1]             # MSS = 1500 - 40
    assert tcp[1][0] == "server" and tcp[1][1].startswith("[SYN, ACK] Seq=0 Ack=1 Win=")
    assert tcp[2][1].startswith("[ACK] Seq=1 Ack=1 ")
    data = [info for node, info in tcp if node == "client" and "Len=0" not in info]
    # 6 × 1448 + 1312 bytes (flags such as PSH are the stack's business, not checked)
    assert len(data) == 7 and "] Seq=1 Ack=1 " in data[0] and "] Seq=8689 Ack=1 " in data[-1]
    assert tcp[-2][0] == "server" and "FIN" in tcp[-2][1] and "] Seq=1 Ack=10002 " in tcp[-2][1]
    assert tcp[-1][0] == "client" and tcp[-1][1].startswith("[ACK] Seq=10002 Ack=2 ")


def test_two_connections_between_the_same_nodes_are_told_apart_by_port():
    """tcp_fastopen's two connections client → server had one legend label twice."""
    from simulator.viz.tcp import legend_names
    from simulator.viz.tcp_trace import Connection

    def conn(client_ip, port, node):
        return Connection((client_ip, port), ("10.0.0.2", 5201), client_node=node,
                          server_node="server")

    conns = [conn("10.0.0.1", 32768, "client"), conn("10.0.0.1", 32769, "client"),
             conn("10.0.0.3", 32768, "other")]
    assert legend_names(conns, {"client": "cubic"}) == [
        "client → server (cubic), port 32768", "client → server (cubic), port 32769",
        "other → server"]


def _fastopen_pair() -> list[dict]:
    """tcp_fastopen's shape: two connections client → server on one 20 ms hop, both with
    timestamps (MSS 1460, so 1448 bytes a segment); the second's SYN carries 1420 bytes
    of Fast Open data (RFC 7413 §4.2), and it sends only 580 more. Each side traces its
    own cwnd, as the stack does."""
    from simulator.wire.tcp import FIN
    ms, hop = 1_000_000, 20_000_000
    ends = {"client": ("10.0.0.1", "server"), "server": ("10.0.0.2", "client")}
    ev = []

    def tx(ns, node, sport, dport, seq, ack, flags, payload=0, syn=False):
        ip, peer = ends[node]
        opts = (Mss(1460), SackPermitted(), Timestamps(ns // ms, 0)) if syn else (
            Timestamps(ns // ms, 1),)
        seg = TcpSegment(sport, dport, seq, ack, flags, 502, b"x" * payload, opts)
        ev.append({"t": ns / 1e9, "ns": ns, "node": node, "layer": "phy", "event": "tx",
                   "peer": peer, "arrive_ns": ns + hop, "proto": "TCP", "fate": "ok",
                   "ip_src": ip, "ip_dst": ends[peer][0], "ttl": 64, "info": seg.info()})

    def cwnd(ns, node, local, remote, cwnd, ssthresh=0x7FFFFFFF):
        ev.append({"t": ns / 1e9, "ns": ns, "node": node, "layer": "tcp", "event": "tcp.cwnd",
                   "conn": f"10.0.0.{local}>10.0.0.{remote}", "cwnd": cwnd,
                   "ssthresh": ssthresh, "state": "open"})

    for port, t0, first in ((32768, 100 * ms, 0), (32769, 600 * ms, 1420)):
        c, s = f"1:{port}", "2:5201"
        tx(t0, "client", port, 5201, 1000, 0, SYN, first, syn=True)
        tx(t0 + hop, "server", 5201, port, 5000, 1001 + first, SYN | ACK, syn=True)
        cwnd(t0 + hop, "server", s, c, 14480)
        cwnd(t0 + 2 * hop, "client", c, s, 14480)
        rest = [1448, 552] if not first else [580]
        seq = 1001 + first
        for n in rest:
            tx(t0 + 2 * hop, "client", port, 5201, seq, 5001, ACK, n)
            seq += n
        tx(t0 + 3 * hop, "server", 5201, port, 5001, seq, ACK)
        cwnd(t0 + 3 * hop + 1, "client", c, s, 11 * 1448 if not first else 15928, 7 * 1448)
        tx(t0 + 3 * hop + 1, "client", port, 5201, seq, 5001, FIN | ACK)
        tx(t0 + 4 * hop + 1, "server", 5201, port, 5001, seq + 1, ACK)
    return ev


def test_each_connection_between_one_pair_of_nodes_gets_its_own_cwnd_series(tmp_path):
    """tcp_fastopen's second connection was drawn off the axis: its MSS was read as its
    largest payload (the SYN's 1420 bytes of Fast Open data), not the 1448 the stack
    counts cwnd in, so 10 segments plotted as 10.2, on the top edge."""
    from simulator.viz.tcp import cwnd_series, sender_mss

    events = _fastopen_pair()
    first, second = connections(events)
    assert (first.client[1], second.client[1]) == (32768, 32769)
    assert sender_mss(first) == sender_mss(second) == 1448

    def plain(series):
        return [(t, w, None if s != s else s) for t, w, s in series]    # NaN: infinite

    assert plain(cwnd_series(events, first)) == [(0.14, 10.0, None), (0.160000001, 11.0, 7.0),
                                                 (0.180000001, 11.0, 7.0)]
    assert plain(cwnd_series(events, second)) == [(0.64, 10.0, None), (0.660000001, 11.0, 7.0),
                                                  (0.680000001, 11.0, 7.0)]
    assert plot_cwnd(events, tmp_path / "cwnd.png")


def test_mean_goodput_runs_from_the_first_payload_to_the_ack_of_the_last_byte():
    """tcp_fastopen's first connection read 7.26 Mbit/s: 552 bytes over the 0.56 ms
    between the two ACKs of its one flight, which squashed both series to the axis."""
    from simulator.viz.tcp import mean_goodput_mbps

    first, second = connections(_fastopen_pair())
    assert mean_goodput_mbps(first) == pytest.approx(2000 * 8 / 0.040 / 1e6)    # 140 → 180 ms
    assert mean_goodput_mbps(second) == pytest.approx(2000 * 8 / 0.080 / 1e6)   # SYN 600 → 680
