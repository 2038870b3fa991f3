"""Reading the simulator's JSON-lines trace (one event dict a line).

:func:`iter_trace` streams: one line in memory at a time, so a plot or a
summary of a multi-gigabyte trace needs memory for what it keeps, not for
the trace. :func:`read_trace` is for traces known to be small (tests).
"""

from collections.abc import Iterator
from os import PathLike

import orjson


def iter_trace(path: str | PathLike) -> Iterator[dict]:
    """The events of a ``trace.jsonl`` file, one at a time, in file order; blank lines skipped."""
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)


def read_trace(path: str | PathLike) -> list[dict]:
    """All events of a ``trace.jsonl`` file, in file order."""
    return list(iter_trace(path))
