"""Reno (RFC 5681): slow start, congestion avoidance, fast retransmit / fast recovery.

The window arithmetic is the base class's; the connection runs fast recovery and, for
Reno, leaves it at the first ACK that advances SND.UNA (RFC 5681 §3.2 step 6).
"""

from .base import CongestionControl


class Reno(CongestionControl):
    name = "reno"
