"""NewReno (RFC 6582): Reno's window arithmetic; the difference is in recovery.

The connection keeps fast recovery going across partial ACKs until the cumulative ACK
covers ``recover`` (RFC 6582 §3.2 steps 2-3), asking ``cc.name`` which rule applies.
"""

from .reno import Reno


class NewReno(Reno):
    name = "newreno"
