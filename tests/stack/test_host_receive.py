"""The host receive fast path (stack/hostpath.py, ``HostReceivePath``) gives exactly
what ``L2Demux.receive`` → ``IPv4.receive`` → ``IPv4.deliver`` give.

a — r — b (the r–b link's MTU 576); datagrams of each kind are sent with the fast
path on and off: what each socket got (time, source, bytes, the stack's ``rx_iface``
and ``rx_link_group`` as the socket saw them), the ICMP errors and every counter must
be equal, and with the fast path on a unicast datagram for the host must skip
``IPv4.receive`` while every other kind goes through it.
"""

import pytest

from simulator.engine.sim import Simulation
from simulator.stack.ipv4 import IPv4
from simulator.wire.addr import IPv4Address
from tests.helpers import MS, routed_pair

B = IPv4Address("10.0.1.1")
DATA = bytes(range(200))
RECEIVE = IPv4.receive


def run(fast: bool, send, monkeypatch) -> tuple[list, list, dict]:
    """``send(a, r)`` at 10 ms, once ARP is resolved; what the sockets on a and b got,
    the hosts ``IPv4.receive`` saw a datagram on from then on, and every counter."""
    layered = []

    def counted(self, iface, packet, link_group=False):
        if self.sim.now >= 10 * MS and self.forwarder is None:
            layered.append(self.node.name)
        return RECEIVE(self, iface, packet, link_group)

    monkeypatch.setattr(IPv4, "receive", counted)
    sim = Simulation(1, fast_path=fast)
    a, b, r = routed_pair(sim, mtu=576)
    b.interfaces["eth0"].mtu = r.interfaces["e1"].mtu = 576
    got = []
    for node in (a, b):
        port = node.udp.bind(9)
        port.on_datagram = lambda packet, datagram, node=node: got.append((
            node.name, sim.now, str(packet.src), bytes(datagram.payload),
            node.ip.rx_iface.name, node.ip.rx_link_group))
    a.udp.bind(5000).sendto(b"warm-up", B, 7)       # resolves ARP a → r → b (and back)
    sim.call_later(10 * MS, lambda _: send(a, r))
    sim.run(100 * MS)
    counters = {n.name: n.counters() for n in (a, b, r)}
    return got, layered, counters


# each case: what to send, and the hosts whose receive the fast path takes (fused)
CASES = {
    "unicast": (lambda a, r: a.udp.bind(0).sendto(DATA, B, 9), ["b"]),
    "fragments": (lambda a, r: a.udp.bind(0).sendto(DATA * 5, B, 9), []),      # r fragments
    "broadcast": (lambda a, r: r.udp.bind(0).sendto(DATA, IPv4Address("255.255.255.255"), 9),
                  []),
    # b answers Protocol Unreachable: a unicast ICMP datagram for a
    "no protocol": (lambda a, r: a.ip.send(B, 253, DATA), ["a"]),
}


@pytest.mark.parametrize("case", CASES)
def test_a_datagram_is_received_the_same_with_and_without_the_host_path(case, monkeypatch):
    send, fused = CASES[case]
    fast_got, fast_layered, fast_counters = run(True, send, monkeypatch)
    slow_got, slow_layered, slow_counters = run(False, send, monkeypatch)
    assert fast_got == slow_got and fast_counters == slow_counters
    assert fast_got or case == "no protocol"         # the comparison is not empty
    assert sorted(fast_layered + fused) == sorted(slow_layered)
    assert len(slow_layered) >= (2 if case in ("fragments", "no protocol") else 1)
