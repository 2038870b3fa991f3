"""Golden results: a scenario's trace and summary numbers, pinned next to it.

``scenarios/lan_ping.yaml`` → ``scenarios/lan_ping.golden.json`` holds

- ``trace``: the number of events and the SHA-256 of ``trace.jsonl`` (a fingerprint
  of every field of every event, as INET's fingerprints are);
- ``events``: a compact copy of the first :data:`KEPT` events, one line each —
  time in ns, node, layer.event and a few telling fields, then ``#`` and 4 hex digits
  of a hash of the whole event, so a change in a field the line leaves out still
  shows at its event; past :data:`KEPT` events, a digest per :data:`BLOCK` events
  tells where a longer trace first differs;
- ``summary``: every number in ``summary.json`` (apps' results, counters, drops),
  flattened to ``path: value``.

A run is compared with it (:func:`compare`): the first differing event is shown with
the events before it, old and new, then the summary numbers that changed. The file
is JSON with sorted keys and one event a line, so a reviewed update reads as a diff.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .errors import ScenarioError

FORMAT = 1
KEPT = 1000         # events copied into the golden file
BLOCK = 1000        # events per block digest (traces longer than KEPT)
INFO_MAX = 60       # characters of an event's info kept in its line
CONTEXT = 3         # events shown before the first difference, and after it
SHOWN = 8           # summary numbers listed when they differ
FIELDS = ("if", "arrive_ns", "fate", "reason", "proto", "bytes", "ttl", "state", "role", "port", "link")


def golden_path(scenario_path: str | Path) -> Path:
    """Where a scenario's golden result lives: ``x.yaml`` → ``x.golden.json``."""
    path = Path(scenario_path)
    return path.with_name(path.stem + ".golden.json")


@dataclass
class Comparison:
    """The outcome of comparing a run with its golden file: ``status`` is ``match``,
    ``differs``, ``missing`` (no golden file) or ``updated``; ``lines`` explain it."""

    status: str
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "differs"


def event_line(raw: bytes) -> str:
    """One trace line (JSON) → its compact golden line."""
    event = orjson.loads(raw)
    parts = [str(event["ns"]), event["node"], f"{event['layer']}.{event['event']}"]
    parts += [f"{key}={event[key]}" for key in FIELDS if key in event]
    info = event.get("info")
    if info is not None:
        info = str(info)
        parts.append(repr(info if len(info) <= INFO_MAX else info[:INFO_MAX] + "…"))
    whole = hashlib.blake2b(raw.rstrip(b"\n"), digest_size=2).hexdigest()
    return " ".join(parts) + f" #{whole}"


def _numbers(value, path: str, out: dict) -> None:
    if isinstance(value, (int, float)):           # bools too
        out[path] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            _numbers(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for k, item in enumerate(value):
            _numbers(item, f"{path}[{k}]", out)


def summary_numbers(summary: dict) -> dict:
    """The numbers of ``summary.json`` as ``{"apps.pc1-pc2.received": 3, ...}``;
    apps are keyed by name, verdicts are left out (they are judged on their own)."""
    out: dict = {}
    for key, value in summary.items():
        if key in ("expectations", "passed"):
            continue
        if key == "apps":
            value = {app.get("name", k): {f: v for f, v in app.items() if f != "output"}
                     for k, app in enumerate(value)}
        _numbers(value, key, out)
    return dict(sorted(out.items()))


def record(out_dir: Path) -> dict:
    """The golden record of the run whose outputs are in ``out_dir``."""
    summary = json.loads((out_dir / "summary.json").read_text())
    record = {"netsim_golden": FORMAT, "scenario": summary["scenario"], "seed": summary["seed"],
              "summary": summary_numbers(summary), "trace": None, "events": []}
    trace = out_dir / "trace.jsonl"
    if trace.is_file():
        digest, blocks, block, count = hashlib.sha256(), [], hashlib.sha256(), 0
        with open(trace, "rb") as stream:
            for raw in stream:
                digest.update(raw)
                block.update(raw)
                if count < KEPT:
                    record["events"].append(event_line(raw))
                count += 1
                if count % BLOCK == 0:
                    blocks.append(block.hexdigest()[:16])
                    block = hashlib.sha256()
        if count % BLOCK:
            blocks.append(block.hexdigest()[:16])
        record["trace"] = {"events": count, "sha256": digest.hexdigest(),
                           "blocks": blocks if count > KEPT else []}
    return record


def write(path: Path, golden: dict) -> None:
    """Write a golden record: sorted keys, one event or number a line."""
    path.write_text(json.dumps(golden, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def read(path: Path) -> dict:
    """A golden file's record; bad input (:class:`ScenarioError`) if it is not one."""
    try:
        golden = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"cannot read the golden file ({exc})", file=str(path)) from None
    if not isinstance(golden, dict) or golden.get("netsim_golden") != FORMAT:
        raise ScenarioError(f"not a netsim golden file (format {FORMAT}); rewrite it with "
                            "--update-golden", file=str(path))
    return golden


def update(scenario_path: str | Path, out_dir: Path) -> Comparison:
    """Store the run in ``out_dir`` as the scenario's golden result."""
    path = golden_path(scenario_path)
    new = record(out_dir)
    old = None
    if path.is_file():
        try:
            old = read(path)
        except ScenarioError:
            pass                    # a broken golden file is simply replaced
    if old == new:
        return Comparison("match", [f"{path} is up to date"])
    write(path, new)
    return Comparison("updated", [f"wrote {path}"])


def compare(scenario_path: str | Path, out_dir: Path) -> Comparison:
    """Compare the run in ``out_dir`` with the scenario's golden result."""
    path = golden_path(scenario_path)
    if not path.is_file():
        return Comparison("missing", [f"no golden result ({path}); "
                                      f"store one with: netsim test --update-golden {scenario_path}"])
    old, new = read(path), record(out_dir)
    lines = []
    if (old["scenario"], old["seed"]) != (new["scenario"], new["seed"]):
        lines.append(f"golden result is for '{old['scenario']}' seed {old['seed']}, "
                     f"this run is '{new['scenario']}' seed {new['seed']}")
    lines += _trace_difference(old, new)
    lines += _summary_difference(old["summary"], new["summary"])
    if not lines:
        return Comparison("match")
    lines.append(f"if the change is intended: netsim test --update-golden {scenario_path}")
    return Comparison("differs", [f"differs from {path}:"] + lines)


def _trace_difference(old: dict, new: dict) -> list[str]:
    before, after = old["trace"], new["trace"]
    if before == after:
        return []
    if before is None or after is None:
        return [f"trace: {'recorded' if after else 'off'} now, {'recorded' if before else 'off'} "
                "in the golden result"]
    counts = f"{before['events']} events before, {after['events']} now"
    first = next((k for k, (a, b) in enumerate(zip(old["events"], new["events"])) if a != b), None)
    if first is None and min(before["events"], after["events"]) > len(old["events"]):
        blocks = zip(before["blocks"], after["blocks"])
        k = next((k for k, (a, b) in enumerate(blocks) if a != b), None)
        if k is None:
            k = min(len(before["blocks"]), len(after["blocks"]))
        return [f"trace differs ({counts}) in events {k * BLOCK + 1}..{(k + 1) * BLOCK}, "
                f"past the {len(old['events'])} events the golden file copies; "
                "compare the trace.jsonl of a run of the previous version"]
    if first is None:
        first = min(len(old["events"]), len(new["events"]))
    lines = [f"trace: first difference at event {first + 1} ({counts}):"]
    lines += [f"    {k + 1:>6}  {line}" for k, line in
              enumerate(old["events"][max(0, first - CONTEXT):first], max(0, first - CONTEXT))]
    end = first + CONTEXT
    lines += [f"  - {k + 1:>6}  {line}" for k, line in enumerate(old["events"][first:end], first)]
    lines += [f"  + {k + 1:>6}  {line}" for k, line in enumerate(new["events"][first:end], first)]
    old_line, new_line = (lines_[first] if first < len(lines_) else None
                          for lines_ in (old["events"], new["events"]))
    if old_line and new_line and old_line.rsplit(" #", 1)[0] == new_line.rsplit(" #", 1)[0]:
        lines.append("  (the event differs in a field its line leaves out: see trace.jsonl)")
    if first >= len(old["events"]):
        lines.append("  - (the golden trace ends here)")
    if first >= len(new["events"]):
        lines.append("  + (the trace ends here now)")
    return lines


def _summary_difference(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    changed = [f"    {key}: {_shown(old, key)} → {_shown(new, key)}"
               for key in keys if old.get(key) != new.get(key)]
    if not changed:
        return []
    more = len(changed) - SHOWN
    return ([f"summary: {len(changed)} numbers changed:"] + changed[:SHOWN]
            + ([f"    … and {more} more"] if more > 0 else []))


def _shown(numbers: dict, key: str) -> str:
    return json.dumps(numbers[key]) if key in numbers else "(none)"
