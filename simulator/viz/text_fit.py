"""Text set to fit a figure: widths measured by glyph advance in the figures' font (no
renderer needed), lines wrapped at a width, an over-long text shortened with an ellipsis."""

from __future__ import annotations

from functools import cache

from matplotlib.font_manager import FontProperties, findfont, get_font

EM_PX = 1000          # the size advances are read at
ELLIPSIS = "…"


@cache
def _advance(char: str) -> float:
    """How far ``char`` moves the pen in the figures' font, in ems (unhinted)."""
    font = get_font(findfont(FontProperties()))       # shared: sized here, read at once
    font.set_size(EM_PX, 72)
    return font.load_char(ord(char)).linearHoriAdvance / 65536 / EM_PX


def width(text: str, pt: float) -> float:
    """Inches, with a margin: Agg's hinted glyphs come out wider than the outlines. The
    sum of the characters' advances (kerning left out: a fraction of a per cent here)."""
    return sum(_advance(c) for c in text) * pt / 72 * 1.12


def wrap(text: str, room: float, pt: float) -> list[str]:
    """``text`` broken at spaces into lines of at most ``room`` inches (greedy: each line
    takes as many words as fit); a word longer than ``room`` stands on its own line."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and width(f"{lines[-1]} {word}", pt) <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return [line.strip() for line in lines]


def shortened(text: str, room: float, pt: float) -> str:
    """``text`` if it fits ``room`` inches, else its longest head that does with an
    ellipsis after it (cut at a space when there is one in the last third)."""
    if width(text, pt) <= room:
        return text
    end = len(text)
    while end and width(text[:end].rstrip() + ELLIPSIS, pt) > room:
        end -= 1
    head = text[:end]
    space = head.rfind(" ")
    if space > 2 * len(head) // 3:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def fit_lines(head: str, tail: str, room: float, pt: float, lines: int = 2) -> list[str]:
    """``head + tail`` wrapped into at most ``lines`` lines of ``room`` inches. What does
    not fit is taken off ``head``'s end (an ellipsis marks where); ``tail`` is kept whole
    when it fits the lines alone, else it is shortened too."""
    def fits(out: list[str]) -> bool:
        return len(out) <= lines and all(width(s, pt) <= room for s in out)

    words = head.split(" ")
    tries = [head + tail] + [" ".join(words[:n]).rstrip() + ELLIPSIS + tail
                             for n in range(len(words) - 1, 0, -1)]   # fewest words dropped first
    for text in tries:
        out = wrap(text, room, pt)
        if fits(out):
            return out
    out = wrap(shortened(head, room, pt) + tail, room, pt)
    return [shortened(s, room, pt) for s in out[:lines - 1]] + [
        shortened(" ".join(out[lines - 1:]), room, pt)]
