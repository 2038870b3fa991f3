"""What the DHCP node drivers share: sending a :class:`Transmit` through a UDP port
and tracing each message as a ``dhcp`` event named by its type (``discover``,
``offer``, ``request``, ``ack``, ``nak``, ``decline``, ``release``, ``inform``)."""

from simulator.engine.drops import Drop
from simulator.wire.dhcp import MESSAGE_TYPES, ZERO, DhcpMessage
from simulator.wire.errors import DecodeError

__all__ = ["send", "decode", "trace_events"]


def send(node, port, transmit, dev=None):
    """Send ``transmit`` from ``port`` (out of ``dev`` on-link when given); the
    SendError if it could not leave. Traced as ``dhcp.<type>``."""
    message = transmit.message
    tracer = node.sim.tracer
    if tracer.on:
        fields = {"xid": f"0x{message.xid:08x}", "chaddr": str(message.client_mac),
                  "src": str(transmit.src), "dst": str(transmit.dst)}
        for name in ("ciaddr", "yiaddr", "giaddr"):
            if getattr(message, name) != ZERO:
                fields[name] = str(getattr(message, name))
        kind = MESSAGE_TYPES.get(message.message_type, "bootp").lower()
        tracer.emit(node.name, "dhcp", kind, **fields)
    return port.sendto(message.pack(), transmit.dst, transmit.port, src=transmit.src,
                       dev=dev, link_dst=transmit.mac)


def decode(node, datagram) -> DhcpMessage | None:
    """The DHCP message in a datagram, or None (traced as a drop) if it is garbled."""
    try:
        return DhcpMessage.unpack(bytes(datagram.payload))
    except DecodeError as error:
        node.sim.tracer.drop(node.name, "dhcp", Drop.MALFORMED, error=str(error))
        return None


def trace_events(node, events) -> None:
    """The logic's own records (``dhcp_bound``, ``dhcp_lease_expired``, ...)."""
    tracer = node.sim.tracer
    if tracer.on:
        for event in events:
            fields = dict(event)
            tracer.emit(node.name, "dhcp", fields.pop("event"), **fields)
