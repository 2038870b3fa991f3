"""The one exception bad input turns into: :class:`ScenarioError`.

It names where the problem is (file, 1-based line and column, dotted field path)
and what it is, in one line::

    scenarios/bad.yaml:12:9: nodes.pc1.ip: '192.168.0.256/24' is not a valid IPv4 interface (octet 256 > 255)

The CLI prints ``str(error)`` without a traceback and exits with status
:attr:`ScenarioError.exit_status` (2).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ScenarioError", "format_path", "printable"]


def printable(text: str) -> str:
    """``text`` with every character that is not printable (controls, newlines, lone
    surrogates) written as a Python escape, so a message stays one safe line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def format_path(path: Iterable[object]) -> str:
    """``("links", 2, "ends", 1)`` -> ``"links[2].ends[1]"``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class ScenarioError(Exception):
    """Bad topology or scenario input, located in its file.

    Every attribute but ``message`` may be ``None`` when unknown (a missing file
    has no line; a problem with a whole document has no field).
    """

    exit_status = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field or None

    def __str__(self) -> str:
        where = [str(p) for p in (self.file, self.line, self.column) if p is not None]
        parts = [":".join(where)] if where else []
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return printable(": ".join(parts))

    def __repr__(self) -> str:
        return (
            f"ScenarioError({self.message!r}, file={self.file!r}, line={self.line!r}, "
            f"column={self.column!r}, field={self.field!r})"
        )

    def __reduce__(self):  # keep the keyword-only fields across pickling (process pools)
        return (_rebuild, (self.message, self.file, self.line, self.column, self.field))


def _rebuild(message, file, line, column, field) -> ScenarioError:
    return ScenarioError(message, file=file, line=line, column=column, field=field)
