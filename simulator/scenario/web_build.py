"""Starting issue 9's web side on built nodes: the NAT of each ``type: nat`` node and
each node's ``http_server``, registered in ``node.services`` for summary.json."""

from simulator.apps.http.server import HttpServer, filler
from simulator.scenario.web_specs import content_type
from simulator.stack.nat_table import StaticForward
from simulator.wire.ipv4 import PROTO_TCP, PROTO_UDP

PROTOCOLS = {"tcp": PROTO_TCP, "udp": PROTO_UDP}


def start_web_services(net) -> None:
    for name, spec in net.topology.nodes.items():
        node = net.nodes[name]
        if spec.type == "nat":
            _configure_nat(node, spec)
        server = getattr(spec, "http_server", None)
        if server is not None:
            resources = {path: (r.body.encode() if r.body is not None else filler(r.size),
                                r.type or content_type(path))
                         for path, r in server.paths.items()}
            app = HttpServer(node, server.port, resources, dict(server.redirects),
                             server.keep_alive)
            app.start()
            node.services["http_server"] = app


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
    node.services["nat"] = node
