"""Start the DHCP services a topology declares on its built nodes (docs/dhcp.md):
clients on ``ip: dhcp`` interfaces, servers (``dhcp_server``) and relay agents
(``dhcp_relay``), all from time 0; and what they report for summary.json
(``services``) and for the ``dhcp`` expectations."""

from simulator.apps.dhcp.client_node import ClientOptions, DhcpClients
from simulator.apps.dhcp.relay import DhcpRelay
from simulator.apps.dhcp.relay_node import DhcpRelayNode
from simulator.apps.dhcp.server import DhcpServer, Pool
from simulator.apps.dhcp.server_node import DhcpServerNode
from simulator.apps.dhcp.transmit import SECOND
from simulator.wire.addr import MacAddress

from .dhcp_specs import pool_network

__all__ = ["start_dhcp", "dhcp_services", "dhcp_results"]


def start_dhcp(net) -> None:
    """Run every DHCP client, server and relay of ``net.topology`` on ``net.nodes``."""
    topology = net.topology
    for name, spec in topology.nodes.items():
        node = net.nodes[name]
        if getattr(spec, "dhcp_server", None) is not None:
            node.dhcp_server = DhcpServerNode(node, _server(net, node, spec))
        if getattr(spec, "dhcp_relay", None) is not None:
            relay = spec.dhcp_relay
            node.dhcp_relay = DhcpRelayNode(node, DhcpRelay(relay.servers, relay.max_hops),
                                            relay.interfaces)
        dhcp = {n: i.dhcp for n, i in getattr(spec, "interfaces", {}).items()
                if getattr(i, "dhcp", None) is not None}
        if dhcp:
            gateway = spec.gateway
            if gateway is not None and any(gateway in a.network
                                           for a in node.ip.addresses.values()):
                gateway = None                      # on a static subnet: already routed
            node.dhcp_clients = DhcpClients(node, gateway)
            for iface_name, c in dhcp.items():
                node.dhcp_clients.add(node.interfaces[iface_name], ClientOptions(
                    hostname=c.hostname, client_id=c.client_id, probe=c.probe,
                    broadcast=c.broadcast, initial_delay=c.initial_delay,
                    release_at=c.release_at))
            node.dhcp_clients.start()


def _server(net, node, spec) -> DhcpServer:
    """The server's pools; a pool's default router is the address a router (this node,
    if it forwards, first) has on the pool's subnet, as a home router offers itself. The
    server identifier is its address on the first pool's subnet, else its first address."""
    routers_on = {a.network: a.ip for n in [*net.nodes.values(), node]
                  if getattr(n, "ip", None) is not None and n.ip.forwarder is not None
                  for a in n.ip.addresses.values()}
    pools = []
    for pool in spec.dhcp_server.pools:
        network = pool_network(net.topology, spec, pool)
        default = routers_on.get(network)
        routers = pool.routers if pool.routers is not None else [default] if default else []
        pools.append(Pool(network, pool.range[0], pool.range[1], routers=routers,
                          dns_servers=pool.dns, domain=pool.domain,
                          lease_time_s=pool.lease // SECOND,
                          reservations={MacAddress(m): a for m, a in pool.reservations.items()}))
    served = [a.ip for a in node.ip.addresses.values() if pools[0].network == a.network]
    server_id = (served or [next(iter(node.ip.addresses.values())).ip])[0]  # RFC 2131 §4.3.1
    return DhcpServer(server_id, pools, offer_hold_ns=spec.dhcp_server.offer_hold,
                      decline_hold_ns=spec.dhcp_server.decline_hold)


def dhcp_services(net) -> dict:
    """``services: {node: {dhcp_server|dhcp_relay|dhcp_client: ...}}`` for summary.json."""
    services: dict = {}
    for name, node in net.nodes.items():
        for key, attr in (("dhcp_server", "dhcp_server"), ("dhcp_relay", "dhcp_relay")):
            if getattr(node, attr, None) is not None:
                services.setdefault(name, {})[key] = getattr(node, attr).summary()
        if getattr(node, "dhcp_clients", None) is not None:
            services.setdefault(name, {})["dhcp_client"] = node.dhcp_clients.results()
    return services


def dhcp_results(net) -> list[dict]:
    """Each client's result, judged by ``expect: [{app: dhcp, ...}]``."""
    return [r for node in net.nodes.values() if getattr(node, "dhcp_clients", None) is not None
            for r in node.dhcp_clients.results()]
