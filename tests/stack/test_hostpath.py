"""The host send fast path (stack/hostpath.py) gives exactly what IPv4.send gives.

A TCP transfer a → r → b, run with ``fast_path`` on and off: every frame each end
received (time and bytes), every interface's counters, the ARP states, the IP
identification counters and the bytes delivered must be equal, and the fast run
must have taken the path the case is about: fused for the transfer's segments, or
handed to IPv4.send for a segment larger than the path MTU or a STALE next hop.
tests/scenario/test_fastpath_scenarios.py does the same for every shipped scenario.
"""

import pytest

from simulator.engine.sim import Simulation
from simulator.stack.arp import STALE
from simulator.stack.errno import Errno
from simulator.stack.ipv4 import IPv4
from simulator.wire.addr import IPv4Address
from tests.helpers import MS, SECOND, routed_pair

B = IPv4Address("10.0.1.1")
DATA = bytes(range(256)) * 400                   # 102,400 bytes: 71 full segments


class Tap:
    def __init__(self):
        self.frames = []

    def write(self, ns, frame):
        self.frames.append((ns, frame.pack()))


def world(fast: bool, monkeypatch):
    """a –100 Mbps– r –10 Mbps– b, 1 ms each, a tap at each end; every ``IPv4.send``
    call's protocol counted in ``calls``: ``(sim, a, b, r, taps, calls)``."""
    calls = []
    send = IPv4.send

    def counted(self, *args, **kwargs):
        calls.append(args[1])                      # the protocol
        return send(self, *args, **kwargs)

    monkeypatch.setattr(IPv4, "send", counted)
    sim = Simulation(1, fast_path=fast)
    a, b, r = routed_pair(sim, rate_out=10**7)
    taps = {"a": Tap(), "b": Tap()}
    a.interfaces["eth0"].captures.append(taps["a"])
    b.interfaces["eth0"].captures.append(taps["b"])
    return sim, a, b, r, taps, calls


def transfer(fast: bool, monkeypatch, before=None) -> dict:
    """Send DATA a → b; ``before(world)`` runs once ARP is resolved, before the data."""
    sim, a, b, r, taps, calls = world(fast, monkeypatch)
    got = bytearray()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 80))
    listener.listen()

    def server():
        sock, _ = yield listener.accept()
        while data := (yield sock.recv(65536)):
            got.extend(data)

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.1.1", 80))
        yield sim.env.timeout(10 * MS)
        if before is not None:
            before(a)
        yield sock.sendall(DATA)
        sock.close()

    sim.process(server())
    sim.process(client())
    sim.run(5 * SECOND)
    return {"frames": {k: t.frames for k, t in taps.items()}, "got": bytes(got),
            "counters": {n.name: n.counters() for n in (a, r, b)},
            "arp": {n.name: {i.name: {k: v.state for k, v in n.ip.arps[i].cache.items()}
                             for i in n.ip.arps} for n in (a, b)},
            "ident": (a.ip._identification, b.ip._identification),
            "tcp_sends": calls.count(6), "pmtu": a.ip.pmtu.entries()}


def _small_pmtu(a) -> None:
    a.ip.pmtu.update(B, 1000, 1500)               # segments of 1448 no longer fit


def _stale_gateway(a) -> None:
    arp = a.ip.arps[a.interfaces["eth0"]]
    arp._enter(arp.cache[int(IPv4Address("10.0.0.254"))], STALE)   # the next send: → DELAY


@pytest.mark.parametrize("case, before", [("fused", None), ("pmtu", _small_pmtu),
                                          ("stale", _stale_gateway)])
def test_a_transfer_is_the_same_with_and_without_the_host_path(case, before, monkeypatch):
    fast = transfer(True, monkeypatch, before)
    slow = transfer(False, monkeypatch, before)
    assert fast["got"] == slow["got"] == DATA
    for key in ("frames", "counters", "arp", "ident", "pmtu"):
        assert fast[key] == slow[key], key
    assert slow["tcp_sends"] > 100                 # every segment, both ways, via IPv4.send
    if case == "fused":
        assert fast["tcp_sends"] <= 2              # only before ARP had resolved
    elif case == "pmtu":      # the segments over the PMTU, until TCP lowers its MSS (EMSGSIZE)
        assert fast["tcp_sends"] > 2
    else:                                          # the one that finds the entry STALE
        assert fast["tcp_sends"] == 3


# (label, destination, payload size, ttl, df, fused): the UDP socket's common case and
# every one the host path must hand to IPv4.send
UDP_SENDS = [("first", "10.0.1.1", 100, None, False, False),      # ARP not yet resolved
             ("plain", "10.0.1.1", 100, None, False, True),
             ("df", "10.0.1.1", 1472, None, True, True),
             ("ttl", "10.0.1.1", 100, 1, False, True),            # r answers Time Exceeded
             ("fragmented", "10.0.1.1", 3000, None, False, False),
             ("emsgsize", "10.0.1.1", 1473, None, True, False),
             ("ttl 0", "10.0.1.1", 100, 0, False, False),         # EINVAL
             ("broadcast", "255.255.255.255", 100, None, False, False),
             ("directed", "10.0.0.255", 100, None, False, False),
             ("multicast", "224.0.0.9", 100, None, False, False),
             ("ourselves", "10.0.0.1", 100, None, False, False),
             ("gateway", "10.0.0.254", 100, None, False, True),  # port unreachable back
             ("last", "10.0.1.1", 500, None, False, True)]


def udp_sends(fast: bool, monkeypatch) -> dict:
    """Every UDP_SENDS datagram from a port of a, 10 ms apart, seen at both ends."""
    sim, a, b, r, taps, calls = world(fast, monkeypatch)
    got = {"a": [], "b": []}
    for node in (a, b):
        port = node.udp.bind(9)
        port.on_datagram = (lambda name: lambda packet, datagram: got[name].append(
            (sim.now, str(packet.src), packet.identification, packet.ttl, packet.df,
             bytes(datagram.payload))))(node.name)
    results = []

    def sender():
        port = a.udp.bind(0)
        for _, dst, size, ttl, df, _ in UDP_SENDS:
            error = port.sendto((bytes(range(256)) * 12)[:size],
                                IPv4Address(dst), 9, ttl=ttl, df=df)
            results.append(None if error is None else (error.errno, error.mtu))
            yield sim.env.timeout(10 * MS)

    sim.process(sender())
    sim.run(SECOND)
    return {"frames": {k: t.frames for k, t in taps.items()}, "got": got, "results": results,
            "counters": {n.name: n.counters() for n in (a, r, b)},
            "ident": (a.ip._identification, b.ip._identification),
            "udp_sends": calls.count(17)}


def test_udp_datagrams_are_the_same_with_and_without_the_host_path(monkeypatch):
    fast = udp_sends(True, monkeypatch)
    slow = udp_sends(False, monkeypatch)
    for key in ("frames", "got", "results", "counters", "ident"):
        assert fast[key] == slow[key], key
    assert slow["udp_sends"] == len(UDP_SENDS)
    assert fast["udp_sends"] == sum(not fused for *_, fused in UDP_SENDS)
    assert [r for r in fast["results"] if r] == [(Errno.EMSGSIZE, 1500), (Errno.EINVAL, None)]
    assert len(fast["got"]["b"]) == 5              # not the TTL 1 one, the fragments reassembled
    assert len(fast["got"]["a"]) == 1              # to ourselves, over the loopback
