"""The command line's output: rich's ``Console`` where a terminal shows it (colours,
bold), :class:`PlainConsole` where it goes to a file or a pipe.

Importing rich costs about a tenth of a trivial ``netsim run`` (benchmarks/RESULTS.md,
"startup3"), and off a terminal rich prints no styles: :class:`PlainConsole` writes
the same characters (markup removed, rules as wide as rich draws them) without it.
Both take rich's markup (``[green]PASS[/green]``, :func:`escape` for text).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata

# a markup tag as rich reads one, with the backslashes before it (an odd number escapes it)
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(text: str) -> str:
    """``text`` as markup that prints as ``text`` (its tag-like brackets escaped)."""
    text = _TAG.sub(lambda m: 2 * m[1] + "\\" + m[2], text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        text += "\\"                  # a tag appended after it stays a tag
    return text


def plain(markup: str) -> str:
    """What ``markup`` prints as without styles: tags dropped, an escaped tag kept, a
    pair of backslashes before a tag one backslash, ``\\[`` elsewhere ``[``."""
    out, done = [], 0
    for tag in _TAG.finditer(markup):
        slashes = len(tag[1])
        out += [markup[done:tag.start()].replace("\\[", "["), "\\" * (slashes // 2),
                tag[2] if slashes % 2 else ""]
        done = tag.end()
    out.append(markup[done:].replace("\\[", "["))
    return "".join(out)


def make_console(stderr: bool = False, rich: bool = False):
    """The console for standard output (or error): rich's on a terminal (or when
    ``rich``), else plain."""
    file = sys.stderr if stderr else sys.stdout
    if not (rich or _styled(file)):
        return PlainConsole(file)
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def _styled(file) -> bool:
    """Whether rich would style output to ``file`` (rich's rules: TTY_COMPATIBLE,
    FORCE_COLOR, else whether it is a terminal)."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    if "FORCE_COLOR" in os.environ:
        return os.environ["FORCE_COLOR"] != ""
    try:
        return file.isatty()
    except (AttributeError, ValueError):       # no isatty, or closed
        return False


class PlainConsole:
    """The part of rich's ``Console`` the commands use, for output that is not a
    terminal: ``print``, ``rule`` and ``file``; lines are never wrapped (rich's
    ``soft_wrap``). What else it prints (a ``Table``) is rich's, on a console it makes
    for the same file; a command that needs more (a progress display) asks
    :func:`make_console` for rich's."""

    def __init__(self, file):
        self._file = file
        self._console = None

    @property
    def file(self):
        return self._file

    def _rich(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self._file, highlight=False, soft_wrap=True,
                                    emoji=False)
        return self._console

    def print(self, text="", markup: bool = True, highlight: bool = False, **options) -> None:
        """Print ``text`` (markup unless ``markup=False``); anything else rich renders,
        or text with other options (``style=``, ``end=``), rich prints."""
        if options or not isinstance(text, str):
            self._rich().print(text, markup=markup, highlight=highlight, **options)
            return
        self._file.write((plain(text) if markup else text) + "\n")

    def rule(self, title: str = "", style: str | None = None) -> None:
        """A line of ``─`` across the width, ``title`` (markup) centred in it."""
        width = _width()
        title = plain(title).replace("\n", " ")
        if width < 5 or not title:
            self._file.write("─" * width + "\n")
            return
        title = _fit(title, width - 4)
        side = (width - _cells(title)) // 2
        right = width - (side - 1) - _cells(title) - 2
        self._file.write(f"{'─' * (side - 1)} {title} {'─' * right}\n")


def _width() -> int:
    """The width rich gives a console off a terminal: a standard stream's terminal's,
    else ``COLUMNS``, else 80."""
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            pass
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        width = int(columns)
    return width or 80


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide characters two, combining ones none."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in ``…`` where it was cut."""
    if _cells(text) <= width:
        return text
    while _cells(text) > width - 1:
        text = text[:-1]
    return text + " " * (width - 1 - _cells(text)) + "…"    # a wide character cut: a space
