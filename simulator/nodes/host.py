"""An end host (RFC 1122): an IP node that never forwards."""

from simulator.nodes.ipnode import IpNode


class Host(IpNode):
    kind = "host"
