"""``netsim view``: a run folder as one self-contained, offline HTML step-through viewer
(topology, event list with filters, the frame on its link, node tables, per-layer PDU
pane with hex). See docs/viewer.md."""

from pathlib import Path

from .gather import MAX_EVENTS, gather
from .page import render

__all__ = ["MAX_EVENTS", "write_view"]


def write_view(run_dir: Path, out: Path | None = None, max_events: int | None = None) -> Path:
    """Write the viewer for ``run_dir`` to ``out`` (default ``run_dir/view.html``), with at
    most ``max_events`` trace events (default :data:`MAX_EVENTS`)."""
    out = out or run_dir / "view.html"
    out.write_text(render(gather(run_dir, MAX_EVENTS if max_events is None else max_events)), encoding="utf-8")
    return out
