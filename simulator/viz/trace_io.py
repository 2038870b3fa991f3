"""Reading the simulator's JSON-lines trace (one event dict a line)."""

import json
from os import PathLike


def read_trace(path: str | PathLike) -> list[dict]:
    """All events of a ``trace.jsonl`` file, in file order; blank lines are skipped."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
