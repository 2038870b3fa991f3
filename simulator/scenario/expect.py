"""Checking a scenario's ``expect:`` list against the apps' results.

An expectation selects apps by kind or action name (and optionally node);
every selected app must satisfy every bound given. The bounds are the apps'
:class:`~simulator.apps.checks.Check` objects (registered in :mod:`simulator.apps`).
Each verdict carries a sentence saying what was measured against what was asked.
"""

from dataclasses import dataclass

from simulator.apps import APPS

from .schema import CHECKS


@dataclass
class Verdict:
    ok: bool
    expectation: dict
    detail: str

    def as_dict(self) -> dict:
        return {"ok": self.ok, "expect": self.expectation, "detail": self.detail}


def _in_app_order(fields: list[str], app: str) -> list[str]:
    """``fields`` in the order the app's kind lists its checks (unknown ones last)."""
    names = APPS[app].check_names if app in APPS else []
    return sorted(fields, key=lambda f: names.index(f) if f in names else len(names))


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
        for field in _in_app_order(expectation.given(), result["app"]):
            check, want = CHECKS[field], getattr(expectation, field)
            got = result.get(check.key)
            passed = got is not None and check.holds(got, want)
            ok = ok and passed
            shown = check.fmt(got) if got is not None else "nothing"
            details.append(f"{result['name']}@{result['node']}: {field} {shown} "
                           f"{'' if passed else 'not '}{check.op} {check.fmt(want)}")
    return Verdict(ok, spec, "; ".join(details) or "app ran")
