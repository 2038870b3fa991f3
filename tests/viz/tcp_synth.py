"""A small synthetic TCP trace in the run's format, for the plot tests: a handshake,
20 segments of 1000 bytes with the 6th dropped at the router's queue, duplicate ACKs
with SACK blocks, a fast retransmission, then a four-way close. The Info lines are
made by wire/tcp.py, so the parser meets exactly what the link traces."""

from simulator.wire.tcp import ACK, FIN, SYN, TcpSegment
from simulator.wire.tcp_options import Mss, Sack, SackPermitted, WindowScale

A, B = ("10.0.0.1", 40000), ("10.0.1.2", 5201)
ISN_A, ISN_B = 1_000_000, 4_294_967_000          # B's sequence numbers wrap
MS = 1_000_000
HOP_NS = 5 * MS                                  # each of the two hops: 5 ms


def _seg(src, dst, seq, ack, flags, payload=0, win=1000, options=()):
    return TcpSegment(src[1], dst[1], seq % (1 << 32), ack % (1 << 32), flags, win,
                      b"x" * payload, options)


def _hops(ns, src, dst, seg, dropped=False):
    """The segment's two tx events (a → r → b or back), or one and a drop event."""
    there = src == A
    path = [("a", "r"), ("r", "b")] if there else [("b", "r"), ("r", "a")]
    out = []
    for i, (node, peer) in enumerate(path):
        start = ns + i * HOP_NS
        if dropped and i == 1:
            out.append({"t": start / 1e9, "ns": start, "node": "r", "layer": "phy",
                        "event": "drop", "reason": "QUEUE_FULL", "if": "e1", "info": seg.info()})
            break
        out.append({"t": start / 1e9, "ns": start, "node": node, "layer": "phy", "event": "tx",
                    "peer": peer, "arrive_ns": start + HOP_NS, "proto": "TCP", "fate": "ok",
                    "ip_src": src[0], "ip_dst": dst[0], "ttl": 64, "info": seg.info(),
                    "eth_src": "02:00:00:00:00:01", "eth_dst": "02:00:00:00:00:02"})
    return out


def _rec(ns, node, kind, local, remote, **fields):
    return {"t": ns / 1e9, "ns": ns, "node": node, "layer": "tcp", "event": f"tcp.{kind}",
            "conn": f"{local[0]}:{local[1]}>{remote[0]}:{remote[1]}"} | fields


def trace() -> list[dict]:
    ev, rtt = [], 2 * (2 * HOP_NS)
    ev += [_rec(0, "a", "state", A, B, to="SYN-SENT")]
    ev += _hops(0, A, B, _seg(A, B, ISN_A, 0, SYN, options=(Mss(1460), SackPermitted(),
                                                             WindowScale(7))))
    ev += [_rec(10 * MS, "b", "state", B, A, to="SYN-RECEIVED")]
    ev += _hops(10 * MS, B, A, _seg(B, A, ISN_B, ISN_A + 1, SYN | ACK,
                                    options=(Mss(1460), SackPermitted(), WindowScale(7))))
    ev += [_rec(20 * MS, "a", "state", A, B, to="ESTABLISHED")]
    t = 20 * MS
    for i in range(20):
        seq = ISN_A + 1 + 1000 * i
        ev += _hops(t + i * MS, A, B, _seg(A, B, seq, ISN_B + 1, ACK, 1000), dropped=i == 5)
        ev += [_rec(t + i * MS, "a", "cwnd", A, B, cwnd=(10 + i) * 1448, ssthresh=0x7FFFFFFF,
                    mss=1448, cc="cubic")]
    ack_t = t + 20 * MS
    for i in range(20):                     # ACK per segment; after the hole, SACKs
        hole = i >= 5
        ack = ISN_A + 1 + 1000 * (5 if hole else i + 1)
        sack = (Sack([(ISN_A + 1 + 6000, ISN_A + 1 + 1000 * (i + 1))]),) if hole and i > 5 else ()
        if i == 5:
            continue
        ev += _hops(ack_t + i * MS, B, A, _seg(B, A, ISN_B + 1, ack, ACK, options=sack))
    ev += [_rec(ack_t + 30 * MS, "a", "cwnd", A, B, cwnd=20 * 1448, ssthresh=14 * 1448,
                mss=1448, cc="cubic")]
    ev += _hops(ack_t + 30 * MS, A, B, _seg(A, B, ISN_A + 1 + 5000, ISN_B + 1, ACK, 1000))
    for k in range(20):
        ev += [_rec(t + k * 2 * MS, "a", "rtt", A, B, rtt_ns=rtt + k * 100_000,
                    srtt_ns=rtt + k * 50_000, rttvar_ns=rtt // 2, rto_ns=200 * MS)]
    end = ack_t + 60 * MS
    ev += _hops(end, B, A, _seg(B, A, ISN_B + 1, ISN_A + 1 + 20000, ACK))
    ev += [_rec(end + 30 * MS, "a", "state", A, B, to="FIN-WAIT-1")]
    ev += _hops(end + 30 * MS, A, B, _seg(A, B, ISN_A + 20001, ISN_B + 1, FIN | ACK))
    ev += [_rec(end + 40 * MS, "b", "state", B, A, to="CLOSE-WAIT")]
    ev += _hops(end + 40 * MS, B, A, _seg(B, A, ISN_B + 1, ISN_A + 20002, ACK))
    return sorted(ev, key=lambda e: e["ns"])
