"""Starting issue 9's web side on built nodes: the NAT of each ``type: nat`` node and
each node's ``http_server``, kept in ``node.web_services`` (kind → object with
``summary()``), which :func:`web_services` reports for summary.json's ``services``."""

from simulator.scenario.web_specs import content_type
from simulator.stack.nat_table import StaticForward
from simulator.wire.ipv4 import PROTO_TCP, PROTO_UDP

PROTOCOLS = {"tcp": PROTO_TCP, "udp": PROTO_UDP}


def start_web_services(net) -> None:
    """Configure each NAT node and start each ``http_server`` (h11 is imported only
    where a node has one)."""
    for name, spec in net.topology.nodes.items():
        node = net.nodes[name]
        node.web_services = {}
        if spec.type == "nat":
            _configure_nat(node, spec)
        server = getattr(spec, "http_server", None)
        if server is not None:
            from simulator.apps.http.server import HttpServer, filler

            resources = {path: (r.body.encode() if r.body is not None else filler(r.size),
                                r.type or content_type(path))
                         for path, r in server.paths.items()}
            app = HttpServer(node, server.port, resources, dict(server.redirects),
                             server.keep_alive)
            app.start()
            node.web_services["http_server"] = app


def _configure_nat(node, spec) -> None:
    nat = spec.nat
    t = nat.timeouts
    forwards = tuple(StaticForward(PROTOCOLS[f.proto], f.port, f.to[0], f.to[1])
                     for f in nat.forwards)
    node.configure_nat(nat.outside, spec.inside_interfaces(), public=nat.public,
                       ports=range(nat.ports[0], nat.ports[1] + 1), mapping=nat.mapping,
                       filtering=nat.filtering, udp_timeout_ns=t.udp,
                       tcp_established_ns=t.tcp_established, tcp_transitory_ns=t.tcp_transitory,
                       icmp_timeout_ns=t.icmp, forwards=forwards, hairpinning=nat.hairpinning)
    node.web_services["nat"] = node


def web_services(net) -> dict:
    """``{node: {nat|http_server: summary}}`` for summary.json."""
    return {name: {kind: service.summary() for kind, service in node.web_services.items()}
            for name, node in net.nodes.items() if getattr(node, "web_services", None)}
