"""Checking a scenario's ``expect:`` list against the apps' results.

An expectation selects apps by kind or action name (and optionally node);
every selected app must satisfy every bound given. Each verdict carries a
sentence saying what was measured against what was asked.
"""

from dataclasses import dataclass


@dataclass
class Verdict:
    ok: bool
    expectation: dict
    detail: str

    def as_dict(self) -> dict:
        return {"ok": self.ok, "expect": self.expectation, "detail": self.detail}


def _ms(ns) -> str:
    return f"{ns / 1e6:g} ms"


def _pct(x) -> str:
    return f"{x * 100:g}%"


def _mbps(bps) -> str:
    return f"{bps / 1e6:.4g} Mbps"


def _at_least(got, want) -> bool:
    return got >= want


def _at_most(got, want) -> bool:
    return got <= want


# name → (measured value from a result, comparison, formatter, words)
CHECKS = {
    "loss": (lambda r: r.get("loss"), lambda got, want: abs(got - want) < 1e-9, _pct, "=="),
    "loss_max": (lambda r: r.get("loss"), lambda got, want: got <= want + 1e-9, _pct, "<="),
    "received": (lambda r: r.get("received"), lambda got, want: got == want, str, "=="),
    "received_min": (lambda r: r.get("received"), lambda got, want: got >= want, str, ">="),
    "rtt_max": (lambda r: r.get("rtt_max_ns"), lambda got, want: got <= want, _ms, "<="),
    "rtt_min": (lambda r: r.get("rtt_min_ns"), lambda got, want: got >= want, _ms, ">="),
    "rtt_avg_max": (lambda r: r.get("rtt_avg_ns"), lambda got, want: got <= want, _ms, "<="),
    "errors": (lambda r: r.get("errors"), lambda got, want: got == want, str, "=="),
    "intact": (lambda r: r.get("intact"), lambda got, want: got == want, str, "=="),
    "reached": (lambda r: r.get("reached"), lambda got, want: got == want, str, "=="),
    "hops": (lambda r: r.get("hops") and [h or "*" for h in r["hops"]],
             lambda got, want: got == [str(h) for h in want], lambda v: " ".join(map(str, v)), "=="),
    "output_contains": (lambda r: r.get("output"), lambda got, want: any(want in line for line in got),
                        lambda v: repr(v) if isinstance(v, str) else "output", "contains"),
    "connected": (lambda r: r.get("connected"), lambda got, want: got == want, str, "=="),
    "tcp_state": (lambda r: r.get("tcp_state"), lambda got, want: got == want, str, "=="),
    "bytes_received": (lambda r: r.get("bytes_received"), lambda got, want: got == want, str, "=="),
    "bytes_received_min": (lambda r: r.get("bytes_received"), _at_least, str, ">="),
    "goodput_min": (lambda r: r.get("goodput_bps"), _at_least, _mbps, ">="),
    "goodput_max": (lambda r: r.get("goodput_bps"), _at_most, _mbps, "<="),
    "retransmits_max": (lambda r: r.get("retransmits"), _at_most, str, "<="),
    "retransmits_min": (lambda r: r.get("retransmits"), _at_least, str, ">="),
    "jitter_max": (lambda r: r.get("jitter_ns"), _at_most, _ms, "<="),
}


def evaluate(expectation, results: list[dict]) -> Verdict:
    spec = expectation.model_dump(exclude_none=True, mode="json")
    selected = [r for r in results
                if (expectation.on is None or r["node"] == expectation.on)
                and expectation.app in (r["app"], r["name"])]
    where = f" on {expectation.on}" if expectation.on else ""
    if not selected:
        return Verdict(False, spec, f"no app '{expectation.app}'{where} ran")
    details, ok = [], True
    for result in selected:
        for field, (measure, holds, fmt, op) in CHECKS.items():
            want = getattr(expectation, field, None)
            if want is None:
                continue
            got = measure(result)
            passed = got is not None and holds(got, want)
            ok = ok and passed
            shown = fmt(got) if got is not None else "nothing"
            details.append(f"{result['name']}@{result['node']}: {field} {shown} "
                           f"{'' if passed else 'not '}{op} {fmt(want)}")
    return Verdict(ok, spec, "; ".join(details) or "app ran")
