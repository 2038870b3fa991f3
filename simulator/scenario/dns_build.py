"""Starting DNS on built nodes: every IP node gets ``node.resolver`` (its stub, from
``dns:``), and the ``dns_server`` / ``dns_resolver`` / ``dns_forwarder`` it is given
runs from time 0. Each goes into ``node.dns_services`` (kind → object with
``summary()``), which :func:`dns_services` reports for summary.json's ``services``."""

from simulator.apps.dns.host_resolver import HostResolver
from simulator.apps.dns.resolver import ResolverConfig
from simulator.apps.dns.services import AuthoritativeService, ForwarderService, RecursiveService
from simulator.apps.dns.stub import ResolvConf
from simulator.engine.units import NS_PER_S


def _options(spec) -> dict:
    """resolv.conf's options from a ``dns:`` or ``dns_forwarder:`` spec."""
    return {"timeout": spec.timeout // NS_PER_S, "attempts": spec.attempts,
            "rotate": spec.rotate, "edns0": spec.edns0}


def start_dns(network) -> None:
    """Give each IP node of ``network`` its resolver and its DNS service."""
    for name, spec in network.topology.nodes.items():
        node = network.nodes[name]
        if not hasattr(spec, "dns"):
            continue                                # switches and hubs
        services = node.dns_services = {}
        stub = spec.dns
        node.resolver = HostResolver(
            node, stub.servers, _options(stub),
            hosts={host: [str(a) for a in addresses] for host, addresses in stub.hosts.items()},
            cache_size=stub.cache_size, domain=stub.domain)
        services["dns"] = node.resolver
        if spec.dns_server is not None:
            services["dns_server"] = AuthoritativeService(
                node, [zone.zone() for zone in spec.dns_server.zones])
        if spec.dns_resolver is not None:
            r = spec.dns_resolver
            config = ResolverConfig(timeout_ns=r.timeout, tries_per_server=r.tries_per_server,
                                    resolution_timeout_ns=r.resolution_timeout,
                                    max_queries=r.max_queries, edns_payload=r.edns_payload)
            services["dns_resolver"] = RecursiveService(
                node, [hint.pair() for hint in r.root_hints], config, r.cache_size)
        if spec.dns_forwarder is not None:
            f = spec.dns_forwarder
            services["dns_forwarder"] = ForwarderService(node, ResolvConf(tuple(f.servers), **_options(f)),
                                                         f.cache_size)



def dns_services(network) -> dict:
    """``{node: {dns|dns_server|dns_resolver|dns_forwarder: counters}}``; a stub never
    asked reports nothing."""
    out: dict = {}
    for name, node in network.nodes.items():
        for kind, service in getattr(node, "dns_services", {}).items():
            summary = service.summary()
            if summary is not None:
                out.setdefault(name, {})[kind] = summary
    return out
