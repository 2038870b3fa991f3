"""Every drop is counted and traced with a reason from one enum; packets a host refuses
itself are traced too. Also the apps' edges: traceroute with no route, ping's "time",
TTL 0."""

import ast
import json
from ipaddress import IPv4Address
from pathlib import Path

from simulator.apps.traceroute import Traceroute
from simulator.engine.drops import Drop
from simulator.engine.sim import Simulation
from simulator.stack.errno import Errno, SendError
from simulator.wire.addr import MacAddress
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.helpers import MS, SECOND, host, ping, router, two_hosts

SIMULATOR = Path(__file__).resolve().parents[2] / "simulator"


def traced(sim):
    events = []
    sim.tracer.add_sink(events.append)
    return events


def drops(events):
    return [(e["node"], e["layer"], e["reason"]) for e in events if e["event"] == "drop"]


def test_reasons_are_their_own_names_so_trace_and_summary_keys_stay_strings():
    for reason in Drop:
        assert reason == reason.name and json.dumps(reason) == f'"{reason.name}"'


def test_no_drop_call_in_the_simulator_spells_a_reason_as_a_string():
    literals = []
    for path in SIMULATOR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "drop"):
                literals += [f"{path.name}:{node.lineno}" for arg in node.args
                             if isinstance(arg, ast.Constant) and str(arg.value).isupper()]
    assert literals == []


def test_filtered_not_for_me_and_multicast_not_routed_are_traced_and_counted():
    sim, h1, h2 = two_hosts()
    r = router(sim, "r", "10.0.1.1/24")
    events = traced(sim)
    iface = h2.interfaces["eth0"]
    packet = IPv4Packet(IPv4Address("10.0.0.1"), IPv4Address("10.0.0.99"), PROTO_UDP,
                        UdpDatagram(1, 2, b"x"))
    iface.deliver(EthernetFrame(MacAddress.local(77), h1.interfaces["eth0"].mac,
                                ETHERTYPE_IPV4, packet))             # another station's MAC
    iface.deliver(EthernetFrame(iface.mac, h1.interfaces["eth0"].mac, ETHERTYPE_IPV4, packet))
    group = packet.replace(dst=IPv4Address("239.1.1.1"))
    r.interfaces["e0"].deliver(EthernetFrame(r.interfaces["e0"].mac, h1.interfaces["eth0"].mac,
                                             ETHERTYPE_IPV4, group))
    assert drops(events) == [("h2", "l2", "L2_FILTERED"), ("h2", "ip", "NOT_FOR_ME"),
                             ("r", "ip", "MULTICAST_NOT_ROUTED")]
    counters = sim.tracer.counters
    assert (counters[("h2", "drop:L2_FILTERED")], counters[("h2", "drop:NOT_FOR_ME")],
            counters[("r", "drop:MULTICAST_NOT_ROUTED")]) == (1, 1, 1)
    assert iface.drops == {"L2_FILTERED": 1, "NOT_FOR_ME": 1}


def test_a_datagram_the_host_refuses_itself_is_traced():
    sim, h1, h2 = two_hosts()
    events = traced(sim)
    sock = h1.udp.bind(0)
    assert sock.sendto(b"x", IPv4Address("192.0.2.1"), 9) == SendError(Errno.ENETUNREACH)
    assert sock.sendto(bytes(2000), IPv4Address("10.0.0.2"), 9, df=True) == \
        SendError(Errno.EMSGSIZE, 1500)
    assert drops(events) == [("h1", "ip", "NO_ROUTE"), ("h1", "ip", "MSG_TOO_LONG")]
    assert [e.get("dst") for e in events] == ["192.0.2.1", "10.0.0.2"]
    assert sim.tracer.counters[("h1", "drop:NO_ROUTE")] == 1


def test_ttl_zero_is_refused_and_not_turned_into_64():
    sim, h1, h2 = two_hosts()
    got = []
    h2.udp.bind(9).on_datagram = lambda packet, datagram: got.append(packet.ttl)
    sock = h1.udp.bind(0)
    assert sock.sendto(b"x", IPv4Address("10.0.0.2"), 9, ttl=0) == SendError(Errno.EINVAL)
    assert sock.sendto(b"x", IPv4Address("10.0.0.2"), 9) is None
    assert sock.sendto(b"x", IPv4Address("10.0.0.2"), 9, ttl=1) is None
    sim.run(SECOND)
    assert got == [64, 1]


def traceroute(icmp):
    sim = Simulation(1)
    h = host(sim, "h", "10.0.0.1/24")                  # no gateway: no route off the subnet
    app = Traceroute(h, IPv4Address("192.0.2.1"), icmp=icmp)
    h.apps.append(app)
    app.start()
    sim.run(60 * SECOND)
    return sim, app


def test_traceroute_without_a_route_stops_at_once_as_linux_does():
    sim, app = traceroute(icmp=False)
    assert app.lines == ["traceroute to 192.0.2.1 (192.0.2.1), 30 hops max, 60 byte packets",
                         "connect: Network is unreachable"]
    assert app.result()["hops"] == [] and app.result()["error"] == "ENETUNREACH"
    assert traceroute(icmp=True)[1].lines[1] == "send: Network is unreachable"


def test_ping_time_runs_to_the_last_send_not_the_last_reply():
    sim, h1, h2 = two_hosts(delay=300 * MS)            # replies come 0.6 s after each request
    app = ping(sim, h1, "10.0.0.2", count=3, interval_ns=SECOND)
    sim.run(10 * SECOND)
    assert app.result()["received"] == 3
    assert app.lines[-2].endswith("0% packet loss, time 2000ms")
