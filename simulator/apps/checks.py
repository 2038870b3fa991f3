"""The expectation fields an app kind may support, each reading one result key.

A :class:`Check` is one field users write under ``expect:`` (``loss_max: 1%``): its
value type (validated like any YAML field), the result key it reads, how the measured
value must relate to the wanted one and how both are shown in the verdict. The
checks below are shared; an app with a figure of its own declares its Check in its
module. Two kinds that support a field share the same Check object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Literal

from functools import cache

from pydantic import Discriminator, Field, Tag, create_model, model_validator

from simulator.spec.model import Model
from simulator.spec.values import (BitsPerSecond, Bool, Bytes, FieldError, Hop, Int, Nanoseconds,
                                   Probability)

NUMERIC = (Nanoseconds, BitsPerSecond, Bytes, Probability, Int)

TCP_STATES = Literal["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                     "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"]


@dataclass(frozen=True)
class Check:
    """Expectation field ``name``: ``holds(result[key], wanted)``, shown ``got op want``.

    A field named after the figure it reads (``loss``, ``rtt_avg``, ``goodput``: the
    key without its unit suffix) also takes a range, ``[a, b]`` or ``{min: a, max: b}``
    (either bound may be left out), or a tolerance, ``{approx: x, tol: 3%}``
    (``|got − x| ≤ tol·x``): see :func:`range_model`.
    """

    name: str
    key: str
    type: Any                                   # the field's value type
    holds: Callable[[Any, Any], bool]
    fmt: Callable[[Any], str] = str
    op: str = "=="
    constraints: dict = field(default_factory=dict)   # pydantic Field bounds (ge=0, ...)
    description: str = ""       # when it passes (docs/yaml.md's App results table)

    @property
    def ranged(self) -> bool:
        """Whether the field takes a range or tolerance (it names a numeric figure)."""
        return self.type in NUMERIC and self.key.removesuffix("_ns").removesuffix("_bps") == self.name

    def field(self) -> tuple[Any, Any]:
        """The optional pydantic field of :class:`~simulator.scenario.schema.Expectation`."""
        if self.ranged:
            either = Annotated[Annotated[self.type, Field(**self.constraints), Tag("<value>")]
                               | Annotated[range_model(self.type), Tag("<range>")],
                               Discriminator(_value_or_range)]
            return (either | None, Field(None, description=self.description or None))
        return (self.type | None, Field(None, description=self.description or None,
                                        **self.constraints))

    def verdict(self, got, want) -> tuple[bool, str]:
        """Whether ``got`` (``None``: not reported) satisfies ``want``, and the sentence
        saying so: ``reached``, ``loss 0% ≤ 1%``; ``received 37, expected 38``."""
        if isinstance(want, Range):
            if got is None:
                return False, f"{self.name}: nothing, expected {want.show(self.fmt)}"
            ok = want.holds(got)
            return ok, (f"{self.name} {self.fmt(got)} {want.show(self.fmt)}" if ok else
                        f"{self.name} {self.fmt(got)}, expected {want.show(self.fmt)}")
        ok = got is not None and self.holds(got, want)
        if self.type is Bool and self.op == "==":
            return ok, self.name if got is True else f"not {self.name}" if got is False \
                else f"{self.name}: nothing reported"
        shown = "nothing" if got is None else self.fmt(got)
        op = SYMBOLS.get(self.op, self.op)
        if ok:
            return ok, f"{self.name} {shown}" if op == "==" else f"{self.name} {shown} {op} {self.fmt(want)}"
        wanted = self.fmt(want) if op == "==" else f"{op} {self.fmt(want)}"
        return ok, f"{self.name} {shown}, expected {wanted}"


SYMBOLS = {"<=": "≤", ">=": "≥"}


def _value_or_range(data) -> str:
    """A mapping or a list is a range (so its errors are the range's), else a value."""
    return "<range>" if isinstance(data, (dict, list, tuple, Range)) else "<value>"


class Range(Model):
    """A wanted interval (``min``, ``max``, either optional) or value within a relative
    tolerance (``approx``, ``tol``) of one numeric figure."""

    def holds(self, got) -> bool:
        if self.approx is not None:
            return abs(got - self.approx) <= self.tol * abs(self.approx) + 1e-9
        return (self.min is None or got >= self.min) and (self.max is None or got <= self.max)

    def show(self, fmt) -> str:
        if self.approx is not None:
            return f"≈ {fmt(self.approx)} ± {self.tol * 100:g}%"
        if self.min is None:
            return f"≤ {fmt(self.max)}"
        if self.max is None:
            return f"≥ {fmt(self.min)}"
        return f"in [{fmt(self.min)}, {fmt(self.max)}]"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            if len(data) != 2:
                raise ValueError(f"a range is two values [min, max], got {len(data)}")
            return {"min": data[0], "max": data[1]}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Range:
        if self.approx is not None:
            if self.min is not None or self.max is not None:
                raise ValueError("give a range (min, max) or approx with tol, not both")
            if self.tol is None:
                raise FieldError("approx needs a tolerance, e.g. tol: 3%", "tol")
        elif self.tol is not None:
            raise FieldError("tol is the tolerance of approx; give approx too", "approx")
        elif self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both (or approx with tol)")
        elif self.min is not None and self.max is not None and self.min > self.max:
            raise FieldError("min is above max", "max")
        return self


@cache
def range_model(value_type) -> type[Range]:
    """The :class:`Range` of one value type (its bounds parsed as that type: ``10ms``)."""
    name = {Nanoseconds: "Time", BitsPerSecond: "Rate", Bytes: "Size", Probability: "Fraction",
            Int: "Count"}[value_type]
    return create_model(f"{name}Range", __base__=Range, __module__=__name__,
                        min=(value_type | None, None), max=(value_type | None, None),
                        approx=(value_type | None, None), tol=(Probability | None, None))


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


LOSS = Check("loss", "loss", Probability, lambda got, want: abs(got - want) < 1e-9, _pct,
             description="equal (to within 10⁻⁹)")
LOSS_MAX = Check("loss_max", "loss", Probability, lambda got, want: got <= want + 1e-9, _pct, "<=",
                 description="measured ≤ given")
RTT_MAX = Check("rtt_max", "rtt_max_ns", Nanoseconds, _at_most, _ms, "<=",
                description="largest RTT ≤ given")
RTT_MIN = Check("rtt_min", "rtt_min_ns", Nanoseconds, _at_least, _ms, ">=",
                description="smallest RTT ≥ given")
RTT_AVG_MAX = Check("rtt_avg_max", "rtt_avg_ns", Nanoseconds, _at_most, _ms, "<=",
                    description="mean RTT ≤ given")
RECEIVED = Check("received", "received", Int, _equal, constraints={"ge": 0},
                 description="equal (ping: replies; udp_sink: datagrams)")
RECEIVED_MIN = Check("received_min", "received", Int, _at_least, op=">=", constraints={"ge": 0},
                     description="measured ≥ given")
ERRORS = Check("errors", "errors", Int, _equal, constraints={"ge": 0},
               description="equal")
INTACT = Check("intact", "intact", Int, _equal, constraints={"ge": 0},
               description="equal (datagrams whose data is the `udp_send` pattern)")
REACHED = Check("reached", "reached", Bool, _equal,
                description="equal (a probe got a final answer)")
HOPS = Check("hops", "hops", list[Hop],
             lambda got, want: [h or "*" for h in got] == [str(h) for h in want], _hops,
             description='equal, hop for hop (a silent hop is `"*"`)')
OUTPUT_CONTAINS = Check("output_contains", "output", str,
                        lambda got, want: any(want in line for line in got),
                        lambda v: repr(v) if isinstance(v, str) else "output", "contains",
                        description="some output line contains it")
CONNECTED = Check("connected", "connected", Bool, _equal,
                  description="equal")
TCP_STATE = Check("tcp_state", "tcp_state", TCP_STATES, _equal,
                  description="equal (the RFC 9293 state of its last connection at the end)")
BYTES_RECEIVED = Check("bytes_received", "bytes_received", Bytes, _equal, constraints={"ge": 0},
                       description="equal")
BYTES_RECEIVED_MIN = Check("bytes_received_min", "bytes_received", Bytes, _at_least, op=">=",
                           constraints={"ge": 0},
                           description="measured ≥ given")
GOODPUT_MIN = Check("goodput_min", "goodput_bps", BitsPerSecond, _at_least, _mbps, ">=",
                    {"gt": 0},
                    description="measured ≥ given")
GOODPUT_MAX = Check("goodput_max", "goodput_bps", BitsPerSecond, _at_most, _mbps, "<=",
                    {"gt": 0},
                    description="measured ≤ given")
RETRANSMITS_MAX = Check("retransmits_max", "retransmits", Int, _at_most, op="<=",
                        constraints={"ge": 0},
                        description="measured ≤ given (meaningful on senders)")
RETRANSMITS_MIN = Check("retransmits_min", "retransmits", Int, _at_least, op=">=",
                        constraints={"ge": 0},
                        description="measured ≥ given")
JITTER_MAX = Check("jitter_max", "jitter_ns", Nanoseconds, _at_most, _ms, "<=", {"ge": 0},
                   description="measured ≤ given")
# Fields named after a figure, for ranges and tolerances (a bare value: equal)
RTT_AVG = Check("rtt_avg", "rtt_avg_ns", Nanoseconds, _equal, _ms,
                description="equal, or in the range")
GOODPUT = Check("goodput", "goodput_bps", BitsPerSecond, _equal, _mbps,
                description="equal, or in the range")
RETRANSMITS = Check("retransmits", "retransmits", Int, _equal, constraints={"ge": 0},
                    description="equal, or in the range")
JITTER = Check("jitter", "jitter_ns", Nanoseconds, _equal, _ms,
               description="equal, or in the range")

# The shared checks, in the order `expect:`'s field list shows them.
SHARED = (LOSS, LOSS_MAX, RTT_MAX, RTT_MIN, RTT_AVG_MAX, RECEIVED, RECEIVED_MIN, ERRORS, INTACT,
          REACHED, HOPS, OUTPUT_CONTAINS, CONNECTED, TCP_STATE, BYTES_RECEIVED,
          BYTES_RECEIVED_MIN, GOODPUT_MIN, GOODPUT_MAX, RETRANSMITS_MAX, RETRANSMITS_MIN,
          JITTER_MAX, RTT_AVG, GOODPUT, RETRANSMITS, JITTER)

# Groups most apps take together, in the order a kind's "it can check" list shows them.
LOSSES = (LOSS, LOSS_MAX)
RECEIVES = (RECEIVED, RECEIVED_MIN)
RTTS = (RTT_MAX, RTT_MIN, RTT_AVG_MAX, RTT_AVG)
BASIC = (ERRORS, OUTPUT_CONTAINS)
TCP = (CONNECTED, TCP_STATE)
BYTES = (BYTES_RECEIVED, BYTES_RECEIVED_MIN)
GOODPUTS = (GOODPUT_MIN, GOODPUT_MAX, GOODPUT)
RETRANSMITTED = (RETRANSMITS_MAX, RETRANSMITS_MIN, RETRANSMITS)
