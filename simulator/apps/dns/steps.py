"""What the sans-I/O DNS clients hand their driver (the seam, docs/dns.md).

Every call on a resolver, stub or forwarder — a new query, ``response_arrives``,
``timer_fires`` — returns a :class:`Step`: messages to send (:class:`Send`), answers
that are ready (:class:`Answer`) and the one time at which the driver must call
``timer_fires`` next (``deadline``, integer ns, or None for no timer). A new Step's
deadline replaces the previous one.
"""

from dataclasses import dataclass, field

from simulator.wire.addr import IPv4Address
from simulator.wire.dns import PORT, Message

__all__ = ["Send", "Answer", "Step", "UDP", "TCP"]

UDP, TCP = "udp", "tcp"


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``message`` to ``server``:``port`` over ``transport``; over TCP the driver
    opens a connection and frames the message (wire.dns.frame_tcp, RFC 7766 §8)."""
    server: IPv4Address
    message: Message
    transport: str = UDP
    port: int = PORT


@dataclass(frozen=True, slots=True)
class Answer:
    """The outcome for the ``client`` token given with the query: a response message,
    or None with ``error`` set when no server answered; ``server``: who answered (the
    stub's answers; None from its hosts table or cache)."""
    client: object
    message: Message | None
    error: str | None = None
    server: IPv4Address | None = None


@dataclass(slots=True)
class Step:
    sends: list[Send] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    deadline: int | None = None
