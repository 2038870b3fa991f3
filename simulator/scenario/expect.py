"""Checking a scenario's ``expect:`` list against the apps' results.

An expectation selects apps by kind or action name (and optionally node);
every selected app must satisfy every bound given. Each verdict carries a
sentence saying what was measured against what was asked.
"""

from dataclasses import dataclass
from ipaddress import IPv4Interface


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


# name → (the result key it reads, comparison, formatter, words)
CHECKS = {
    "loss": ("loss", lambda got, want: abs(got - want) < 1e-9, _pct, "=="),
    "loss_max": ("loss", lambda got, want: got <= want + 1e-9, _pct, "<="),
    "received": ("received", lambda got, want: got == want, str, "=="),
    "received_min": ("received", lambda got, want: got >= want, str, ">="),
    "rtt_max": ("rtt_max_ns", lambda got, want: got <= want, _ms, "<="),
    "rtt_min": ("rtt_min_ns", lambda got, want: got >= want, _ms, ">="),
    "rtt_avg_max": ("rtt_avg_ns", lambda got, want: got <= want, _ms, "<="),
    "errors": ("errors", lambda got, want: got == want, str, "=="),
    "intact": ("intact", lambda got, want: got == want, str, "=="),
    "reached": ("reached", lambda got, want: got == want, str, "=="),
    "hops": ("hops", lambda got, want: [h or "*" for h in got] == [str(h) for h in want],
             lambda v: " ".join(str(h or "*") for h in v), "=="),
    "output_contains": ("output", lambda got, want: any(want in line for line in got),
                        lambda v: repr(v) if isinstance(v, str) else "output", "contains"),
    "connected": ("connected", lambda got, want: got == want, str, "=="),
    "tcp_state": ("tcp_state", lambda got, want: got == want, str, "=="),
    "bytes_received": ("bytes_received", lambda got, want: got == want, str, "=="),
    "bytes_received_min": ("bytes_received", _at_least, str, ">="),
    "goodput_min": ("goodput_bps", _at_least, _mbps, ">="),
    "goodput_max": ("goodput_bps", _at_most, _mbps, "<="),
    "retransmits_max": ("retransmits", _at_most, str, "<="),
    "retransmits_min": ("retransmits", _at_least, str, ">="),
    "jitter_max": ("jitter_ns", _at_most, _ms, "<="),
    "dhcp_state": ("dhcp_state", lambda got, want: got == want, str, "=="),
    "address_in": ("address", lambda got, want: IPv4Interface(got).ip in want, str, "in"),
    "lease_within": ("lease_obtained_ns", _at_most, _ms, "<="),
}

# The result keys each app kind reports (the RTTs only once a reply came back);
# tests/scenario/test_checks_accept.py pins this against the apps' result().
RESULT_KEYS = {
    "ping": ("loss", "received", "errors", "rtt_min_ns", "rtt_avg_ns", "rtt_max_ns", "output"),
    "traceroute": ("reached", "hops", "output"),
    "udp_send": ("errors", "output"),
    "udp_sink": ("received", "intact", "bytes_received", "errors", "output"),
    "bulk_send": ("connected", "errors", "tcp_state", "retransmits", "output"),
    "bulk_sink": ("connected", "bytes_received", "goodput_bps", "tcp_state", "retransmits",
                  "errors", "output"),
    "tcp_echo": ("connected", "received", "loss", "errors", "rtt_min_ns", "rtt_avg_ns",
                 "rtt_max_ns", "tcp_state", "retransmits", "output"),
    "tcp_echo_server": ("connected", "bytes_received", "tcp_state", "retransmits", "errors",
                        "output"),
    "udp_echo": ("received", "loss", "errors", "rtt_min_ns", "rtt_avg_ns", "rtt_max_ns",
                 "output"),
    "udp_echo_server": ("received", "bytes_received", "errors", "output"),
    "udp_cbr": ("errors", "output"),
    "udp_cbr_sink": ("received", "bytes_received", "loss", "jitter_ns", "goodput_bps", "errors",
                     "output"),
    "reqresp": ("connected", "received", "bytes_received", "loss", "errors", "rtt_min_ns",
                "rtt_avg_ns", "rtt_max_ns", "tcp_state", "retransmits", "output"),
    "reqresp_server": ("connected", "received", "bytes_received", "tcp_state", "retransmits",
                       "errors", "output"),
    "dhcp": ("dhcp_state", "address", "lease_obtained_ns", "errors", "output"),
}


def checks_for(kind: str) -> list[str]:
    """The expectation keys that can be checked on an app of ``kind``."""
    return [name for name, (key, *_rest) in CHECKS.items() if key in RESULT_KEYS[kind]]


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
        for field, (key, holds, fmt, op) in CHECKS.items():
            want = getattr(expectation, field, None)
            if want is None:
                continue
            got = result.get(key)
            passed = got is not None and holds(got, want)
            ok = ok and passed
            shown = fmt(got) if got is not None else "nothing"
            details.append(f"{result['name']}@{result['node']}: {field} {shown} "
                           f"{'' if passed else 'not '}{op} {fmt(want)}")
    return Verdict(ok, spec, "; ".join(details) or "app ran")
