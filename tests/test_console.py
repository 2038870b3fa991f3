"""simulator.console's plain console writes what rich's Console writes to a file that
is not a terminal (rich is the reference: the same calls made on both)."""

import io

import pytest
from rich.console import Console
from rich.markup import escape as rich_escape

from simulator import console
from simulator.console import PlainConsole, escape, plain

TEXTS = ["plain", "a [b] c", "[bold]x[/bold]", "x\\[y]", "back\\", "two\\\\", "[/]",
         "ping on pc1", "[1, 2]", "[red]FAIL[/red] a  b", "odd \\\\\\[x] \\[y", "][",
         "a\\[", "x\\\\[b]", "[b]\\[not a tag", "\\[[b]]"]


def both(calls, monkeypatch, columns: int | None = 80) -> tuple[str, str]:
    """What ``calls(console)`` prints on each console, COLUMNS set to ``columns``."""
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(columns))
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    ours, theirs = io.StringIO(), io.StringIO()
    calls(PlainConsole(ours))
    calls(Console(file=theirs, highlight=False, soft_wrap=True, emoji=False))
    return ours.getvalue(), theirs.getvalue()


@pytest.mark.parametrize("text", TEXTS)
def test_escape_is_riches_and_prints_the_text_back(text, monkeypatch):
    assert escape(text) == rich_escape(text)
    ours, theirs = both(lambda c: (c.print(escape(text)), c.print(f"[bold]{escape(text)}[/bold]")),
                        monkeypatch)
    assert ours == theirs
    if "\\" not in text:           # rich's escape leaves some backslashes ambiguous
        assert ours == f"{text}\n{text}\n"


@pytest.mark.parametrize("text", [t for t in TEXTS if t != "[/]"] + ["[red]x[/] y"])
def test_markup_prints_as_rich_prints_it(text, monkeypatch):
    ours, theirs = both(lambda c: (c.print(text), c.print(text, markup=False)), monkeypatch)
    assert ours == theirs
    assert ours.endswith(f"\n{text}\n")
    assert plain(text) + "\n" + text + "\n" == ours


@pytest.mark.parametrize("columns", [80, 37, 120, 5, 4, 1])
@pytest.mark.parametrize("title", ["pc1-pc2 on pc1", "", "x", "a [b]", "expectations",
                                   "a long title " * 12, "日本語のノード on 主機", "wide 日本語 " * 9])
def test_a_rule_is_riches_at_any_width(title, columns, monkeypatch):
    ours, theirs = both(lambda c: c.rule(escape(title), style="dim"), monkeypatch, columns)
    assert ours == theirs
    assert console._cells(ours.rstrip("\n")) == columns


def test_without_columns_a_rule_is_80_wide_off_a_terminal(monkeypatch):
    monkeypatch.setattr(console.os, "get_terminal_size", lambda fd: (_ for _ in ()).throw(OSError))
    out = io.StringIO()
    monkeypatch.delenv("COLUMNS", raising=False)
    PlainConsole(out).rule("dhcp")
    assert out.getvalue() == f"{'─' * 37} dhcp {'─' * 37}\n"


def test_a_table_is_left_to_rich(monkeypatch):
    from rich.table import Table

    table = Table("a", "b")
    table.add_row("1", "[2]")
    ours, theirs = both(lambda c: c.print(table), monkeypatch)
    assert ours == theirs and "a" in ours


def test_a_print_with_more_options_is_left_to_rich(monkeypatch):
    ours, theirs = both(lambda c: (c.print("[b]a[/b]", style="red", end="|"), c.print("b")),
                        monkeypatch)
    assert ours == theirs == "a|b\n"


@pytest.mark.parametrize("env, tty, styled", [
    ({}, False, False), ({}, True, True), ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": ""}, True, False), ({"TTY_COMPATIBLE": "0"}, True, False),
    ({"TTY_COMPATIBLE": "1", "FORCE_COLOR": ""}, False, True)])
def test_rich_styles_exactly_where_rich_would(env, tty, styled, monkeypatch):
    """make_console hands out rich's console where rich would style the output, by
    rich's own rules; elsewhere the plain one."""
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    file = io.StringIO()
    file.isatty = lambda: tty
    monkeypatch.setattr(console.sys, "stdout", file)
    made = console.make_console()
    assert isinstance(made, Console) is styled
    assert Console(file=file).is_terminal is styled          # rich's own verdict
