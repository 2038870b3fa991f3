"""DHCP (RFC 2131, RFC 2132) as sans-I/O logic: a server, a client state machine and a
relay agent. None of them sends or schedules anything: each call returns what to
transmit (:class:`Transmit`) and, for the client, what to probe, configure and when to
call back. docs/dhcp.md describes the seam a node driver fills in."""

from .transmit import Transmit

__all__ = ["Transmit"]
