"""The expectation fields an app kind may support, each reading one result key.

A :class:`Check` is one field users write under ``expect:`` (``loss_max: 1%``): its
value type (validated like any YAML field), the result key it reads, how the measured
value must relate to the wanted one and how both are shown in the verdict. The
checks below are shared; an app with a figure of its own declares its Check in its
module. Two kinds that support a field share the same Check object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pydantic import Field

from simulator.spec.values import BitsPerSecond, Bool, Bytes, Hop, Int, Nanoseconds, Probability

TCP_STATES = Literal["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                     "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"]


@dataclass(frozen=True)
class Check:
    """Expectation field ``name``: ``holds(result[key], wanted)``, shown ``got op want``."""

    name: str
    key: str
    type: Any                                   # the field's value type
    holds: Callable[[Any, Any], bool]
    fmt: Callable[[Any], str] = str
    op: str = "=="
    constraints: dict = field(default_factory=dict)   # pydantic Field bounds (ge=0, ...)

    def field(self) -> tuple[Any, Any]:
        """The optional pydantic field of :class:`~simulator.scenario.schema.Expectation`."""
        return (self.type | None, Field(None, **self.constraints))


def _ms(ns) -> str:
    return f"{ns / 1e6:g} ms"


def _pct(x) -> str:
    return f"{x * 100:g}%"


def _mbps(bps) -> str:
    return f"{bps / 1e6:.4g} Mbps"


def _equal(got, want) -> bool:
    return got == want


def _at_least(got, want) -> bool:
    return got >= want


def _at_most(got, want) -> bool:
    return got <= want


def _hops(v) -> str:
    return " ".join(str(h or "*") for h in v)


LOSS = Check("loss", "loss", Probability, lambda got, want: abs(got - want) < 1e-9, _pct)
LOSS_MAX = Check("loss_max", "loss", Probability, lambda got, want: got <= want + 1e-9, _pct, "<=")
RTT_MAX = Check("rtt_max", "rtt_max_ns", Nanoseconds, _at_most, _ms, "<=")
RTT_MIN = Check("rtt_min", "rtt_min_ns", Nanoseconds, _at_least, _ms, ">=")
RTT_AVG_MAX = Check("rtt_avg_max", "rtt_avg_ns", Nanoseconds, _at_most, _ms, "<=")
RECEIVED = Check("received", "received", Int, _equal, constraints={"ge": 0})
RECEIVED_MIN = Check("received_min", "received", Int, _at_least, op=">=", constraints={"ge": 0})
ERRORS = Check("errors", "errors", Int, _equal, constraints={"ge": 0})
INTACT = Check("intact", "intact", Int, _equal, constraints={"ge": 0})
REACHED = Check("reached", "reached", Bool, _equal)
HOPS = Check("hops", "hops", list[Hop],
             lambda got, want: [h or "*" for h in got] == [str(h) for h in want], _hops)
OUTPUT_CONTAINS = Check("output_contains", "output", str,
                        lambda got, want: any(want in line for line in got),
                        lambda v: repr(v) if isinstance(v, str) else "output", "contains")
CONNECTED = Check("connected", "connected", Bool, _equal)
TCP_STATE = Check("tcp_state", "tcp_state", TCP_STATES, _equal)
BYTES_RECEIVED = Check("bytes_received", "bytes_received", Bytes, _equal, constraints={"ge": 0})
BYTES_RECEIVED_MIN = Check("bytes_received_min", "bytes_received", Bytes, _at_least, op=">=",
                           constraints={"ge": 0})
GOODPUT_MIN = Check("goodput_min", "goodput_bps", BitsPerSecond, _at_least, _mbps, ">=",
                    {"gt": 0})
GOODPUT_MAX = Check("goodput_max", "goodput_bps", BitsPerSecond, _at_most, _mbps, "<=",
                    {"gt": 0})
RETRANSMITS_MAX = Check("retransmits_max", "retransmits", Int, _at_most, op="<=",
                        constraints={"ge": 0})
RETRANSMITS_MIN = Check("retransmits_min", "retransmits", Int, _at_least, op=">=",
                        constraints={"ge": 0})
JITTER_MAX = Check("jitter_max", "jitter_ns", Nanoseconds, _at_most, _ms, "<=", {"ge": 0})

# The shared checks, in the order `expect:`'s field list shows them.
SHARED = (LOSS, LOSS_MAX, RTT_MAX, RTT_MIN, RTT_AVG_MAX, RECEIVED, RECEIVED_MIN, ERRORS, INTACT,
          REACHED, HOPS, OUTPUT_CONTAINS, CONNECTED, TCP_STATE, BYTES_RECEIVED,
          BYTES_RECEIVED_MIN, GOODPUT_MIN, GOODPUT_MAX, RETRANSMITS_MAX, RETRANSMITS_MIN,
          JITTER_MAX)

# Groups most apps take together, in the order a kind's "it can check" list shows them.
LOSSES = (LOSS, LOSS_MAX)
RECEIVES = (RECEIVED, RECEIVED_MIN)
RTTS = (RTT_MAX, RTT_MIN, RTT_AVG_MAX)
BASIC = (ERRORS, OUTPUT_CONTAINS)
TCP = (CONNECTED, TCP_STATE)
BYTES = (BYTES_RECEIVED, BYTES_RECEIVED_MIN)
GOODPUT = (GOODPUT_MIN, GOODPUT_MAX)
RETRANSMITS = (RETRANSMITS_MAX, RETRANSMITS_MIN)
