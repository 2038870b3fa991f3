"""Applications, by the name a scenario's ``run:`` entries use for them.

Each factory takes the node, the app's spec from the scenario and the
action's name, and returns an object with ``start()`` and ``result()``.
"""

from simulator.apps.ping import Ping
from simulator.apps.traceroute import Traceroute
from simulator.apps.udp import UdpSend, UdpSink


def _ping(node, spec, name):
    return Ping(node, spec.dst, count=spec.count, interval_ns=spec.interval, size=spec.size,
                ttl=spec.ttl, df=spec.df, timeout_ns=spec.timeout, name=name)


def _traceroute(node, spec, name):
    return Traceroute(node, spec.dst, max_hops=spec.max_hops, probes=spec.probes,
                      wait_ns=spec.wait, size=spec.size, icmp=spec.icmp, port=spec.port, name=name)


def _udp_send(node, spec, name):
    return UdpSend(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, df=spec.df, ttl=spec.ttl, name=name)


def _udp_sink(node, spec, name):
    return UdpSink(node, spec.port, name=name)


APPS = {"ping": _ping, "traceroute": _traceroute, "udp_send": _udp_send, "udp_sink": _udp_sink}
