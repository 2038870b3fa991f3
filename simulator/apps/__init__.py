"""Applications, by the name a scenario's ``run:`` entries use for them.

Each factory takes the node, the app's spec from the scenario and the
action's name, and returns an object with ``start()`` and ``result()``.
"""

from simulator.apps.bulk import BulkSend, BulkSink
from simulator.apps.ping import Ping
from simulator.apps.reqresp import ReqResp, ReqRespServer
from simulator.apps.tcp_echo import TcpEcho, TcpEchoServer
from simulator.apps.traceroute import Traceroute
from simulator.apps.udp import UdpSend, UdpSink
from simulator.apps.udp_cbr import UdpCbr, UdpCbrSink
from simulator.apps.udp_echo import UdpEcho, UdpEchoServer
from simulator.stack.sockets import SO_RCVBUF, SO_SNDBUF, TCP_CONGESTION, TCP_MAXSEG, TCP_NODELAY


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
    return UdpSink(node, spec.port, interval_ns=spec.interval, name=name)


SOCKET_OPTIONS = {"cc": TCP_CONGESTION, "nodelay": TCP_NODELAY, "sndbuf": SO_SNDBUF,
                  "rcvbuf": SO_RCVBUF, "mss": TCP_MAXSEG}


def options(spec) -> dict:
    """The socket options a TCP app's spec sets (``cc: reno`` → TCP_CONGESTION)."""
    return {SOCKET_OPTIONS[k]: getattr(spec, k) for k in SOCKET_OPTIONS
            if getattr(spec, k) is not None}


def _bulk_send(node, spec, name):
    return BulkSend(node, spec.dst, spec.port, nbytes=spec.bytes, duration_ns=spec.duration,
                    interval_ns=spec.interval, options=options(spec), name=name)


def _bulk_sink(node, spec, name):
    return BulkSink(node, spec.port, interval_ns=spec.interval, options=options(spec), name=name)


def _tcp_echo(node, spec, name):
    return TcpEcho(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, timeout_ns=spec.timeout, options=options(spec),
                   name=name)


def _tcp_echo_server(node, spec, name):
    return TcpEchoServer(node, spec.port, options=options(spec), name=name)


def _udp_echo(node, spec, name):
    return UdpEcho(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, timeout_ns=spec.timeout, name=name)


def _udp_echo_server(node, spec, name):
    return UdpEchoServer(node, spec.port, name=name)


def _udp_cbr(node, spec, name):
    return UdpCbr(node, spec.dst, spec.port, rate=spec.rate, size=spec.size,
                  duration_ns=spec.duration, df=spec.df, name=name)


def _udp_cbr_sink(node, spec, name):
    return UdpCbrSink(node, spec.port, interval_ns=spec.interval, name=name)


def _reqresp(node, spec, name):
    return ReqResp(node, spec.dst, spec.port, requests=spec.requests, request=spec.request,
                   response=spec.response, interval_ns=spec.interval, timeout_ns=spec.timeout,
                   options=options(spec), name=name)


def _reqresp_server(node, spec, name):
    return ReqRespServer(node, spec.port, options=options(spec), name=name)


APPS = {"ping": _ping, "traceroute": _traceroute, "udp_send": _udp_send, "udp_sink": _udp_sink,
        "bulk_send": _bulk_send, "bulk_sink": _bulk_sink, "tcp_echo": _tcp_echo,
        "tcp_echo_server": _tcp_echo_server, "udp_echo": _udp_echo,
        "udp_echo_server": _udp_echo_server, "udp_cbr": _udp_cbr, "udp_cbr_sink": _udp_cbr_sink,
        "reqresp": _reqresp, "reqresp_server": _reqresp_server}
