"""Judging a scenario's ``expect:`` list: the apps' results and the trace.

An app expectation selects apps by kind or action name (and optionally node); every
selected app must satisfy every field given, each a
:class:`~simulator.apps.checks.Check`. A trace expectation reads the events as the
run emits them (:class:`TraceWatch`, a tracer sink that keeps counts, not events):
``count`` (how many), ``sequence`` (a subsequence, in trace order) and ``event`` …
``within`` (the first such event at most ``within`` after an action happened).
Each verdict has a name (the expectation's ``name``, or one made from what it
checks) and a sentence saying what was measured against what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_core import to_jsonable_python

from simulator.apps import APPS

from ..engine.units import format_time
from .schema import CHECKS


@dataclass
class Verdict:
    ok: bool
    expectation: dict
    detail: str
    name: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "expect": self.expectation, "detail": self.detail}


def name_of(expectation) -> str:
    """The expectation's name in the report: its ``name``, or what it checks."""
    if expectation.name is not None:
        return expectation.name
    where = f"@{expectation.on}" if expectation.on else ""
    form = expectation.form
    if form == "app":
        return f"{expectation.app}{where} {', '.join(expectation.given())}"
    filters = expectation.filters()
    if form == "count":
        want = " ".join(f"{k} {getattr(expectation, k)}" for k in ("equals", "at_least", "at_most")
                        if getattr(expectation, k) is not None)
        return f"count {filters[0]} {want}"
    if form == "sequence":
        return "sequence " + " → ".join(str(f) for f in filters)
    return f"{filters[0]} within {format_time(expectation.within)} after {expectation.after}"


def _in_app_order(fields: list[str], app: str) -> list[str]:
    """``fields`` in the order the app's kind lists its checks (unknown ones last)."""
    names = APPS[app].check_names if app in APPS else []
    return sorted(fields, key=lambda f: names.index(f) if f in names else len(names))


def spec_of(expectation) -> dict:
    """What summary.json records of an expectation: its fields that are not ``None``, as
    JSON values: ``model_dump(exclude_none=True, mode="json")`` without building the
    serializer of a model with a field per check (~10 ms; tests/test_startup_imports.py
    compares the two)."""
    return {name: to_jsonable_python(value, exclude_none=True)
            for name in type(expectation).model_fields
            if (value := getattr(expectation, name)) is not None}


def evaluate(expectation, results: list[dict], watch: TraceWatch | None = None,
             times: dict[str, int] | None = None) -> Verdict:
    spec = spec_of(expectation)
    name = name_of(expectation)
    if expectation.form == "app":
        ok, detail = _judge_apps(expectation, results)
    else:
        ok, detail = watch.judge(expectation, times or {})
    return Verdict(ok, spec, detail, name)


def _judge_apps(expectation, results: list[dict]) -> tuple[bool, str]:
    selected = [r for r in results
                if (expectation.on is None or r["node"] == expectation.on)
                and expectation.app in (r["app"], r["name"])]
    where = f" on {expectation.on}" if expectation.on else ""
    if not selected:
        return False, f"no app '{expectation.app}'{where} ran"
    details, ok = [], True
    for result in selected:
        prefix = f"{result['name']}@{result['node']}: " if len(selected) > 1 else ""
        for field in _in_app_order(expectation.given(), result["app"]):
            check = CHECKS[field]
            passed, text = check.verdict(result.get(check.key), getattr(expectation, field))
            ok = ok and passed
            details.append(prefix + text)
    return ok, "; ".join(details) or "app ran"


class TraceWatch:
    """A tracer sink for the trace expectations: per count its tally, per sequence how
    far it got, per timing its events' times after the action (the first one counts)."""

    def __init__(self, expectations):
        self.watched = [(i, e, e.filters()) for i, e in enumerate(expectations) if e.form != "app"]
        self.counts: dict[int, int] = {}
        self.progress: dict[int, int] = {}
        self.seen: dict[int, int] = {}             # timing: its first event after the action
        self.times: dict[str, int] = {}            # the run's action times (Actions.times)

    def __bool__(self) -> bool:
        return bool(self.watched)

    def __call__(self, record: dict) -> None:
        for i, expectation, filters in self.watched:
            form = expectation.form
            if form == "count":
                if filters[0].matches(record):
                    self.counts[i] = self.counts.get(i, 0) + 1
            elif form == "sequence":
                k = self.progress.get(i, 0)
                if k < len(filters) and filters[k].matches(record):
                    self.progress[i] = k + 1
            elif filters[0].matches(record):
                at = self.times.get(expectation.after)
                if at is not None and record["ns"] >= at and i not in self.seen:
                    self.seen[i] = record["ns"]

    def judge(self, expectation, times: dict[str, int]) -> tuple[bool, str]:
        i = next(i for i, e, _ in self.watched if e is expectation)
        filters = expectation.filters()
        if expectation.form == "count":
            n = self.counts.get(i, 0)
            lo = expectation.equals if expectation.equals is not None else expectation.at_least
            hi = expectation.equals if expectation.equals is not None else expectation.at_most
            ok = (lo is None or n >= lo) and (hi is None or n <= hi)
            wanted = (f"{lo}" if lo == hi else f"≥ {lo}" if hi is None else f"≤ {hi}"
                      if lo is None else f"in [{lo}, {hi}]")
            return ok, f"{n} × {filters[0]}" + ("" if ok else f", expected {wanted}")
        if expectation.form == "sequence":
            k = self.progress.get(i, 0)
            if k == len(filters):
                return True, " → ".join(str(f) for f in filters) + " in order"
            got = " → ".join(str(f) for f in filters[:k]) or "none of it"
            return False, f"{got}, then no {filters[k]}"
        at = times.get(expectation.after)
        if at is None:
            return False, f"'{expectation.after}' did not happen"
        first = self.seen.get(i)
        if first is None:
            return False, f"no {filters[0]} after {expectation.after} ({format_time(at)})"
        delay = first - at
        ok = delay <= expectation.within
        return ok, (f"{filters[0]} {format_time(delay)} after {expectation.after} "
                    f"{'≤' if ok else '>'} {format_time(expectation.within)}")
