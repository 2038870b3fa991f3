"""Packet ladder (sequence) diagram, as in a textbook and Wireshark's Flow Graph: one
lifeline per node, time flowing down, one slanted arrow per frame per hop (the
``phy``/``tx`` trace events) whose slope is serialization + propagation, and on the
right, level with each arrow's start, the frame as Wireshark's packet list shows it
(``10.0.0.1 → 10.0.0.2  ICMP  Echo (ping) request …``).

Drops are red crosses on the lifeline of the node that dropped, with the reason; a
frame lost on the wire or on a link going down stops halfway with a cross; link and
routing events are dashed rules across the figure; TCP state changes are marked beside
their lifeline. Pages have a fixed width and at most ``MAX_HEIGHT_IN`` of height: a long
run is drawn on several pages (``ladder.png``, ``ladder-2.png``, …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from simulator.viz.ladder_labels import (BAD, COLOURS, RULE, STATE, drop_colour, drop_text,
                                         duration_text, frame_text, l2_of, proto_key,
                                         reassembled_info, tick_labels)
from simulator.viz.ladder_pages import ROW_IN, ROW_L2_IN, Page, median_flight, paginate
from simulator.viz.ladder_select import (OTHERS, Row, Selection, collect, folded_names,
                                         frames, lifelines, state_changes, tx_frames)
from simulator.viz.tcp_trace import relative_info
from simulator.viz.text_fit import shortened, width

__all__ = ["plot_ladder", "lay_out_ladder", "figure", "figures", "Ladder", "frames", "tx_frames",
           "state_changes", "Selection", "page_paths", "PAGE_W_IN", "MAX_HEIGHT_IN", "DPI"]

DPI = 110
PAGE_W_IN, MAX_HEIGHT_IN = 11.0, 8.0           # a slide or a landscape page
TOP_IN, BOTTOM_IN, LEFT_IN = 1.2, 0.35, 0.95   # title, legend and names; below; tick labels
COLUMN_IN = 5.1                                # the packet list on the right
TEXT_PT, MIN_PT, TICK_PT, NAME_PT = 7.0, 5.0, 6.5, 8.0
NAME_MIN_PT, NAME_ROWS, NAME_PAD = 7.0, 3, 0.2    # names: smallest size, rows, box pad (em)
NAME_GAP_IN, NAME_ROW_IN = 0.06, 0.19          # between two boxes on a row; row pitch
MAX_PAGES = 20
FRAMES_PER_PAGE = 60                           # at most, to bound memory: pages × this


def page_paths(out_path: Path, pages: int) -> list[Path]:
    """The first page at ``out_path`` (``ladder.png``, so that a link to it always
    works), the others beside it: ``ladder-2.png``, ``ladder-3.png``, …"""
    out_path = Path(out_path)
    return [out_path] + [out_path.with_name(f"{out_path.stem}-{i}{out_path.suffix}")
                         for i in range(2, pages + 1)]


def _fit(text: str, room: float, pt: float = TEXT_PT) -> float:
    """The type size (≤ ``pt``, ≥ ``MIN_PT``) at which ``text`` fits ``room`` inches."""
    w = width(text, pt)
    return pt if w <= room else max(MIN_PT, pt * room / w)


def _colour(row: Row) -> str:
    if row.kind == "frame":
        return BAD if row.fate == "corrupt" else COLOURS[proto_key(row.event.get("proto"),
                                                                   row.event.get("info", ""))]
    return {"drop": drop_colour(row.event), "state": STATE}.get(row.kind, RULE)


def _row_text(row: Row) -> str:
    if row.kind == "frame":
        return frame_text(row.event | {"fate": row.fate})
    if row.kind == "drop":
        return drop_text(row.event)
    if row.kind == "state":
        return f"{row.node}: TCP {row.text.replace(chr(10), ' ')}"
    return row.text


class _Sheet:
    """One page's figure, drawn in inches (x right, y down) on one bare axes."""

    def __init__(self, height: float, order: list[str], others: list[str]):
        self.h, self.order = height, order
        self.fig = Figure(figsize=(PAGE_W_IN, height), dpi=DPI)
        self.ax = ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set(xlim=(0, PAGE_W_IN), ylim=(height, 0))
        ax.axis("off")
        self.col = PAGE_W_IN - 0.15 - COLUMN_IN
        left, right = LEFT_IN + 0.35, self.col - 0.6
        n = max(len(order), 1)
        step = (right - left) / (n - 1) if n > 1 else 0
        self.x = {name: left + i * step if n > 1 else (left + right) / 2
                  for i, name in enumerate(order)}
        self.span = (left - 0.3, right + 0.3)
        self.others = others

    def xof(self, node) -> float:
        return self.x.get(node, self.x.get(OTHERS, self.span[1]))

    def text(self, x, y, s, **kw):
        self.ax.text(x, y, s, parse_math=False, **kw)

    def header(self, title: str, legend: list[tuple[str, str, str]]):
        self.text(PAGE_W_IN / 2, 0.12, title, ha="center", va="top", fontsize=10.5,
                  weight="bold")
        total = sum(width(label, 7.5) + 0.55 for label, _, _ in legend)
        x = (PAGE_W_IN - total) / 2
        for label, colour, style in legend:
            if style == "x":
                self.ax.plot([x + 0.17], [0.4], marker="x", color=colour, ms=6, mew=2)
            else:
                self.ax.plot([x, x + 0.35], [0.4, 0.4], color=colour, lw=1.8,
                             ls="--" if style == "--" else "-")
            self.text(x + 0.42, 0.4, label, va="center", fontsize=7.5)
            x += width(label, 7.5) + 0.55
        top = TOP_IN - 0.25
        labels = [name if name != OTHERS else f"{OTHERS} ({', '.join(self.others)})"
                  for name in self.x]
        pt, labels, xs, rows = _name_rows(labels, list(self.x.values()),
                                          (LEFT_IN + 0.05, self.col - 0.1))
        for label, x, row in zip(labels, xs, rows):
            self.text(x, top - row * NAME_ROW_IN, label, ha="center", va="center",
                      weight="bold", fontsize=pt,
                      bbox={"boxstyle": f"round,pad={NAME_PAD}", "fc": "#f2f2f2",
                            "ec": "#8a8a8a", "lw": 0.8})
        for x in self.x.values():
            self.ax.plot([x, x], [TOP_IN - 0.08, self.h - BOTTOM_IN + 0.05], color="#9a9a9a",
                         lw=1.0, zorder=1)
        self.text(self.col, top, "Source → Destination   Protocol   Info", va="center",
                  fontsize=7.5, weight="bold", color="#333333")



def _box(label: str, pt: float) -> float:
    """The width in inches of a lifeline's name box (bold runs wider than ``width``)."""
    return width(label, pt) * 1.08 + 2 * NAME_PAD * pt / 72


def _stagger(boxes: list[float], xs: list[float]) -> list[int] | None:
    """Each box's row (0 lowest): the lowest whose last box ends ``NAME_GAP_IN`` before
    it starts; None when ``NAME_ROWS`` rows are not enough."""
    ends, rows = [float("-inf")] * NAME_ROWS, []
    for w, x in zip(boxes, xs):
        row = next((r for r, end in enumerate(ends) if end + NAME_GAP_IN <= x - w / 2), None)
        if row is None:
            return None
        ends[row] = x + w / 2
        rows.append(row)
    return rows


def _name_rows(labels: list[str], xs: list[float], bounds: tuple[float, float]
               ) -> tuple[float, list[str], list[float], list[int]]:
    """The lifeline names' type size, text, centres and rows: the largest size from
    ``NAME_PT`` down to ``NAME_MIN_PT`` at which, staggered on up to ``NAME_ROWS`` rows,
    no two boxes overlap; at the smallest, names too long for ``NAME_ROWS`` lanes are
    shortened. A box is centred on its lifeline, moved in to stay within ``bounds``."""
    def centres(pt):
        boxes = [_box(s, pt) for s in labels]
        return boxes, [min(max(x, bounds[0] + w / 2), bounds[1] - w / 2)
                       for w, x in zip(boxes, xs)]

    for pt in [NAME_PT - 0.5 * i for i in range(int((NAME_PT - NAME_MIN_PT) * 2) + 1)]:
        boxes, at = centres(pt)
        rows = _stagger(boxes, at)
        if rows is not None:
            return pt, labels, at, rows
    lane = min((b - a for a, b in zip(xs, xs[1:])), default=2.0) * NAME_ROWS - NAME_GAP_IN
    labels = [shortened(s, (lane - _box("", NAME_MIN_PT)) / 1.08, NAME_MIN_PT) for s in labels]
    boxes, at = centres(NAME_MIN_PT)
    return NAME_MIN_PT, labels, at, _stagger(boxes, at) or [i % NAME_ROWS for i in at]


def _legend(rows: list[Row]) -> list[tuple[str, str, str]]:
    used = {proto_key(r.event.get("proto"), r.event.get("info", "")) for r in rows
            if r.kind == "frame"}
    out = [(k, COLOURS[k], "-") for k in COLOURS if k in used]
    if any(r.kind == "drop" or r.fate != "ok" for r in rows):
        out.append(("dropped / lost", BAD, "x"))
    if any(r.kind == "rule" for r in rows):
        out.append(("link / routing event", RULE, "--"))
    return out


def _draw_page(page: Page, sheet: _Sheet, base_ns: int, show_l2: bool):
    ax, top = sheet.ax, TOP_IN
    x0s, x1s = sheet.span
    for y_from, y_to, idle in page.gaps:
        ax.axhspan(top + y_from, top + y_to, xmin=0.02, xmax=0.99, color="#efefef", lw=0, zorder=0)
        sheet.text((x0s + x1s) / 2, top + (y_from + y_to) / 2,
                   f"≈ {duration_text(idle)} idle (not to scale)", ha="center", va="center",
                   fontsize=6.5, style="italic", color="#666666")
    for i, row in enumerate(page.rows):
        y, colour = top + page.y[i], _colour(row)
        x = sheet.xof(row.node)
        if row.kind == "frame":
            x1, y1 = sheet.xof(row.peer), top + page.y_end[i]
            cut = row.fate in ("lost", "down")
            if cut:
                x1, y1 = (x + x1) / 2, (y + y1) / 2
            ax.annotate("", (x1, y1), (x, y), zorder=3, arrowprops={
                "arrowstyle": "-" if cut else "-|>", "color": colour, "lw": 1.2,
                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8,
                "linestyle": (0, (4, 2)) if row.fate == "corrupt" else "-"})
            if cut:
                ax.plot([x1], [y1], marker="x", color=BAD, ms=6, mew=2, zorder=4)
        elif row.kind == "drop":
            ax.plot([x], [y], marker="x", color=colour, ms=6.5, mew=2.2, zorder=4)
        elif row.kind == "state":
            ax.plot([x], [y], marker="o", ms=3, color=STATE, zorder=4)
            right = x >= max(sheet.x.values()) and len(sheet.x) > 1   # box away from the column
            sheet.text(x - 0.06 if right else x + 0.06, y, row.text.replace("\n", " "),
                       ha="right" if right else "left", va="center", fontsize=5.5,
                       style="italic", color=STATE, zorder=5,
                       bbox={"boxstyle": "round,pad=0.1", "fc": "#fff8e1", "ec": "#b59f3b",
                             "lw": 0.5})
        else:
            ax.plot([x0s, x1s], [y, y], color=RULE, lw=0.9, ls=(0, (5, 3)), zorder=2)
        start = max(sheet.x.values(), default=x) if row.kind == "rule" else x
        ax.plot([start, sheet.col - 0.05], [y, y], color="#d8d8d8", lw=0.5, ls=":", zorder=0)
        text = _row_text(row)
        sheet.text(sheet.col, y, text, va="center", color=colour, fontsize=_fit(text, COLUMN_IN),
                   style="italic" if row.kind in ("rule", "state") else "normal")
        if show_l2 and row.kind == "frame" and l2_of(row.event):
            sheet.text(sheet.col + 0.1, y + 0.12, l2_of(row.event), va="center", fontsize=5.5,
                       color="#777777")
    _ticks(page, sheet, base_ns)


def _ticks(page: Page, sheet: _Sheet, base_ns: int):
    """Row times on the left, relative to ``base_ns``, thinned to stay apart."""
    kept, last = [], None
    for i, row in enumerate(page.rows):
        if last is None or page.y[i] - last >= TICK_PT * 1.4 / 72:
            kept.append(i)
            last = page.y[i]
    labels, unit = tick_labels([page.rows[i].ns for i in kept], base_ns)
    for i, label in zip(kept, labels):
        sheet.text(LEFT_IN, TOP_IN + page.y[i], label, ha="right", va="center",
                   fontsize=TICK_PT, color="#444444")
    sheet.text(LEFT_IN, TOP_IN - 0.25, f"time ({unit})\nsince {base_ns / 1e9:.6f} s",
               ha="right", va="center", fontsize=6.5, color="#444444")


@dataclass
class Ladder:
    """A ladder laid out: its pages, lifelines and what the header says."""
    pages: list[Page]
    order: list[str]
    others: list[str]            # the nodes folded into the OTHERS lifeline
    legend: list[tuple[str, str, str]]
    base_ns: int                 # the time the tick labels count from
    total: int                   # frames selected in all
    drawn: int                   # frames drawn (fewer when the pages ran out)
    show_l2: bool = False


def lay_out_ladder(events, selection: Selection = Selection(), max_pages: int = MAX_PAGES,
                   show_l2: bool = False) -> Ladder:
    """Read ``events`` once (a list, or an iterator over a trace) and lay out the ladder."""
    rows, total = collect(reassembled_info(events), selection, max_pages * FRAMES_PER_PAGE)
    framed = iter(relative_info([r.event for r in rows if r.kind == "frame"]))
    for r in rows:
        if r.kind == "frame":
            r.event = next(framed)
    order = lifelines(rows, selection.nodes)
    room = MAX_HEIGHT_IN - TOP_IN - BOTTOM_IN - 0.15
    pages = paginate(rows, median_flight(rows), room, max_pages,
                     ROW_L2_IN if show_l2 else ROW_IN) or [Page([])]
    drawn = sum(r.kind == "frame" for p in pages for r in p.rows)
    return Ladder(pages, order, folded_names(rows, order), _legend(rows),
                  rows[0].ns if rows else 0, total, drawn, show_l2)


def figure(ladder: Ladder, index: int, title: str | None = None) -> Figure:
    """Page ``index`` (from 0), ``PAGE_W_IN`` wide and at most ``MAX_HEIGHT_IN`` high."""
    heading, n, page = title or "Packet ladder diagram", len(ladder.pages), ladder.pages[index]
    notes = [f"page {index + 1} of {n}"] * (n > 1)
    notes += [f"first {ladder.drawn} of {ladder.total} frames"] * (ladder.drawn < ladder.total)
    notes += ["no frames"] * (not page.rows)
    height = min(MAX_HEIGHT_IN, max(3.0, TOP_IN + page.depth + BOTTOM_IN + 0.15))
    sheet = _Sheet(height, ladder.order, ladder.others)
    sheet.header(heading + "".join(f"  ({note})" for note in notes), ladder.legend)
    _draw_page(page, sheet, ladder.base_ns, ladder.show_l2)
    return sheet.fig


def figures(ladder: Ladder, title: str | None = None) -> Iterator[Figure]:
    """One figure per page (:func:`figure`)."""
    return (figure(ladder, i, title) for i in range(len(ladder.pages)))


def plot_ladder(events, out_path, nodes: list[str] | None = None, title: str | None = None,
                start_ns=None, end_ns=None, selection: Selection | None = None,
                max_pages: int = MAX_PAGES, show_l2: bool = False,
                pages: Callable[[int], Iterable[int]] = range) -> list[Path]:
    """Draw the ladder of ``events`` (a list, or an iterator read once) to PNG pages:
    the first at ``out_path``, the others beside it (:func:`page_paths`). Returns the
    paths of all pages.

    ``selection`` (or ``nodes``, ``start_ns``, ``end_ns``) picks what is drawn;
    ``nodes`` also fixes the lifelines' order. At most ``max_pages`` pages are drawn
    (the title then says how many frames are left out). ``show_l2`` adds each frame's
    Ethernet addresses under its line. ``pages(n)`` picks which of the ``n`` pages are
    written (another process may write the others); all by default.
    """
    sel = selection or Selection(start_ns, end_ns, tuple(nodes) if nodes is not None else None)
    ladder = lay_out_ladder(events, sel, max_pages, show_l2)
    paths = page_paths(out_path, len(ladder.pages))
    for i in pages(len(paths)):
        figure(ladder, i, title).savefig(paths[i], dpi=DPI, format="png",
                                         metadata={"Software": None},
                                         pil_kwargs={"compress_level": 3})
    return paths
