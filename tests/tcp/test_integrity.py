"""Acceptance (issue 7): whatever a link does to the frames, the receiver reads exactly
the bytes that were sent, or the connection ends with a reason. Never wrong bytes,
never a hang.

Two hosts over one 10 Mb/s, 5 ms link that loses (0-30 %), duplicates, reorders
(jitter larger than a frame's time) and corrupts frames in both directions: half of
the damaged frames netem-style (the FCS catches them: loss), half with one bit of the
TCP payload flipped and the Ethernet FCS recomputed, so the TCP checksum must.
"""

import hashlib
import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.phy.faults import CorruptedFrame
from simulator.stack.errno import Errno, SocketError
from simulator.stack.sockets import SHUT_WR
from simulator.stack.tcp.config import TcpConfig
from tests.helpers import MS, SECOND, two_hosts

LIMIT = 6 * 3600 * SECOND   # far beyond any give-up time (retries2 = 15, RTO ≤ 120 s)
# ETIMEDOUT, or the soft error that outlived it: EHOSTUNREACH when ARP went unanswered
# (Linux reports the local "host unreachable" the same way)
REASONS = {Errno.ETIMEDOUT, Errno.EHOSTUNREACH, Errno.ECONNRESET, Errno.ECONNREFUSED}
GAVE_UP = {Errno.ETIMEDOUT, Errno.EHOSTUNREACH}


def damage_frames(channel, rate: float, rng: random.Random) -> None:
    """Damage ``rate`` of the frames on ``channel``: half of them netem-style (one bit
    anywhere, so the FCS fails), half past the FCS (one bit of a TCP segment's payload,
    FCS recomputed, as if a router's memory were bad: only the TCP checksum is left)."""

    def damage(frame):
        draw = rng.random()
        if draw >= rate:
            return frame
        raw = bytearray(frame.pack_with_fcs())
        if draw < rate / 2:
            bit = rng.randrange(len(raw) * 8)
        else:
            lo, hi = tcp_payload(raw)
            if lo == hi:
                return frame
            bit = rng.randrange(lo * 8, hi * 8)
        raw[bit >> 3] ^= 1 << (bit & 7)
        if draw >= rate / 2:
            raw[-4:] = zlib.crc32(raw[:-4]).to_bytes(4, "little")
        return CorruptedFrame(bytes(raw), frame)

    channel.faults.damage = damage


def tcp_payload(raw: bytes) -> tuple[int, int]:
    """The byte range of the TCP payload in an Ethernet frame (empty if none)."""
    if raw[12:14] != b"\x08\x00" or raw[23] != 6:
        return 0, 0
    ip = 14
    tcp = ip + (raw[ip] & 0x0F) * 4
    start = tcp + (raw[tcp + 12] >> 4) * 4
    end = ip + int.from_bytes(raw[ip + 2:ip + 4], "big")
    return start, max(start, end)


def transfer(size, loss, duplicate, jitter_ms, corrupt, profile, sack, cc, seed,
             cut_at=None):
    """``size`` random bytes from 10.0.0.1 to 10.0.0.2; the link goes down for good at
    ``cut_at`` (ns) if given."""
    sim, a, b = two_hosts(rate=10_000_000, delay=5 * MS, seed=seed, loss=loss,
                          duplicate=duplicate, jitter=jitter_ms * MS, corrupt=corrupt,
                          queue_packets=1000)
    link = a.interfaces["eth0"].link
    rng = random.Random(seed)
    for channel in (link.ab, link.ba):
        if corrupt:
            damage_frames(channel, corrupt, rng)
    a.tcp_config = b.tcp_config = TcpConfig.profile(profile, sack=sack, cc=cc)
    data = random.Random(size).randbytes(size)
    out = {"got": bytearray(), "eof": False, "server": None, "client": None}

    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 5001))
    listener.listen(1)

    def server():
        sock, _ = yield listener.accept()
        try:
            while True:
                chunk = yield sock.recv(65536)
                if not chunk:
                    out["eof"], out["eof_at"] = True, sim.now
                    return
                out["got"] += chunk
        except SocketError as e:
            out["server"] = e.errno

    def client():
        sock = a.socket("tcp")
        out["sock"] = sock
        try:
            yield sock.connect(("10.0.0.2", 5001))
            yield sock.sendall(data)
            sock.shutdown(SHUT_WR)
            yield sock.recv(1)              # the server never answers: wait for a reason
        except SocketError as e:
            out["client"], out["client_at"] = e.errno, sim.now

    def cut():
        yield sim.env.timeout(cut_at)
        link.set_up(False)

    sim.process(server())
    sim.process(client())
    if cut_at is not None:
        sim.process(cut())
    sim.run(LIMIT)
    return data, out


@settings(max_examples=150, deadline=None)
@given(size=st.integers(0, 120_000), loss=st.floats(0, 0.3), duplicate=st.floats(0, 0.1),
       jitter_ms=st.integers(0, 8), corrupt=st.floats(0, 0.1),
       profile=st.sampled_from(["linux", "rfc"]), sack=st.booleans(),
       cc=st.sampled_from(["reno", "newreno", "cubic"]), seed=st.integers(1, 10_000))
def test_bytes_arrive_exactly_or_the_connection_fails_with_a_reason(
        size, loss, duplicate, jitter_ms, corrupt, profile, sack, cc, seed):
    data, out = transfer(size, loss, duplicate, jitter_ms, corrupt, profile, sack, cc,
                         seed)
    got = bytes(out["got"])
    assert data.startswith(got), "the receiver read bytes that were never sent"
    if out["eof"]:
        assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    else:
        reasons = {out["server"], out["client"]} - {None}
        assert reasons, f"no EOF and no error after {LIMIT // SECOND} s: a hang"
        assert reasons <= REASONS


def test_a_clean_link_delivers_everything():
    data, out = transfer(200_000, 0, 0, 0, 0, "linux", True, "cubic", 1)
    assert out["eof"] and bytes(out["got"]) == data


def test_heavy_damage_still_delivers_exactly():
    """20 % loss, duplicates, reordering and corruption together."""
    data, out = transfer(60_000, 0.2, 0.05, 4, 0.05, "linux", True, "cubic", 7)
    assert out["eof"] and bytes(out["got"]) == data


def test_a_link_that_dies_mid_transfer_makes_the_sender_give_up():
    """After the last of retries2 = 15 retransmissions (the RTO doubling from a few
    hundred ms to the 120 s cap; Linux's budget from 200 ms is 924.6 s) it gives up."""
    data, out = transfer(2_000_000, 0, 0, 0, 0, "linux", True, "cubic", 1, cut_at=SECOND)
    assert out["client"] in GAVE_UP and not out["eof"]
    assert 900 * SECOND < out["client_at"] - SECOND < 1100 * SECOND
    assert 0 < len(out["got"]) < len(data) and data.startswith(bytes(out["got"]))


@pytest.mark.parametrize("profile", ["linux", "rfc"])
def test_a_peer_that_never_answers_fails_the_connect(profile):
    data, out = transfer(1000, 1.0, 0, 0, 0, profile, True, "cubic", 1)
    assert out["client"] in GAVE_UP and out["got"] == b""
    # syn_retries = 6: retransmissions 1, 2, 4, ... 32 s apart, then 64 s: 127 s (Linux)
    assert out["client_at"] == 127 * SECOND
