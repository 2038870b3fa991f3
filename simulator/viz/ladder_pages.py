"""Where the rows of a ladder go down the page, and how they are cut into pages.

Time flows down, but not to scale, so that a 5 µs hop and a 2 ms one can both be read:
a median flight is ``FLIGHT_IN`` deep and shorter stretches in proportion; a busy
stretch longer than ``LONG_STEP`` median flights grows only logarithmically beyond that;
each row (a frame sent, a drop, an event) is at least ``row_in`` below the one before,
so that its line of text fits; an idle stretch (nothing in flight) longer than two
median flights is squeezed to ``GAP_IN`` and recorded, so the figure can say so. Pages
are filled row by row until the next row would not fit in ``room`` inches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median

from simulator.viz.ladder_select import Row

FLIGHT_IN = 0.22        # inches: depth of a median flight
ROW_IN, ROW_L2_IN = 0.17, 0.28   # inches between rows (one line of text, or two)
GAP_IN = 0.25           # inches: a squeezed idle stretch
LONG_STEP = 2.0         # median flights: longer busy stretches are log-squeezed


@dataclass
class Page:
    """Rows laid out on one page: depths in inches below the page's first row."""
    rows: list[Row]
    y: list[float] = field(default_factory=list)            # each row's depth
    y_end: dict[int, float] = field(default_factory=dict)   # a frame row's arrival depth
    gaps: list[tuple[float, float, int]] = field(default_factory=list)  # (from, to, idle ns)
    depth: float = 0.0


def median_flight(rows: list[Row]) -> int:
    """The median time a frame takes on its hop (1 ms if no frame arrived)."""
    flights = [r.end_ns - r.ns for r in rows if r.kind == "frame" and r.end_ns is not None]
    return max(int(median(flights)), 1) if flights else 1_000_000


def arrival(row: Row, flight: int) -> int:
    """When a frame row's arrow ends: its arrival, or one median flight for a lost frame."""
    return row.end_ns if row.end_ns is not None else row.ns + flight


def lay_out(rows: list[Row], flight: int, row_in: float = ROW_IN) -> Page:
    """The depths of ``rows`` (in time order) and of their frames' arrivals."""
    knots = sorted([(r.ns, 1, i) for i, r in enumerate(rows)]
                   + [(arrival(r, flight), 0, i) for i, r in enumerate(rows) if r.kind == "frame"])
    page = Page(rows, [0.0] * len(rows))
    y, last_row, prev, reach = 0.0, None, None, -1
    for t, is_row, i in knots:
        if prev is not None and t > prev:
            dt = t - prev
            if prev >= reach and dt > 2 * flight:
                page.gaps.append((y, y + GAP_IN, dt))
                y += GAP_IN
            else:
                d = dt / flight
                y += (d if d <= LONG_STEP else LONG_STEP + math.log(d / LONG_STEP)) * FLIGHT_IN
        if is_row:
            y = y if last_row is None else max(y, last_row + row_in)
            page.y[i] = last_row = y
            if rows[i].kind == "frame":
                reach = max(reach, arrival(rows[i], flight))
        else:
            page.y_end[i] = y
        prev = t
    page.depth = y
    return page


def paginate(rows: list[Row], flight: int, room: float, max_pages: int,
             row_in: float = ROW_IN) -> list[Page]:
    """``rows`` cut into at most ``max_pages`` pages, each at most ``room`` inches deep
    (a page holds one row at least)."""
    pages, i = [], 0
    while i < len(rows) and len(pages) < max_pages:
        j, page = i + 1, lay_out(rows[i:i + 1], flight, row_in)
        step = 8                            # grow by a few rows, then one by one
        while j < len(rows):
            k = min(j + step, len(rows))
            cand = lay_out(rows[i:k], flight, row_in)
            if cand.depth <= room:
                page, j = cand, k
            elif step > 1:
                step = 1
            else:
                break
        pages.append(page)
        i = j
    return pages
