"""A run's plots (``plots/``: the ladder's pages, ``hops.png``, ``topology.png`` and,
when TCP ran, ``tcp_*.png``), drawn from the trace and a
:class:`~simulator.viz.plot_job.PlotJob`, here or in another process
(:mod:`simulator.viz.plot_worker`). The work cuts into shares (:func:`share_of`): each
draws a run of the ladder's pages, the last one the other figures too; the figures are
the same bytes whichever process draws them.
"""

from __future__ import annotations

from itertools import islice

from simulator.viz.hops import MAX_FRAMES, hop_events, plot_run
from simulator.viz import ladder
from simulator.viz.plot_job import PlotJob, PlotsInterrupted, Watch
from simulator.viz.tcp import plot_tcp
from simulator.viz.topology import plot_topology

__all__ = ["draw", "share_of", "PlotsInterrupted"]

OTHERS_PAGES = 2        # hops.png and topology.png take about two ladder pages' time
                        # (lan_ping, matplotlib 3.10: 0.20 s against 0.09 s a page)


def _is_tcp(event: dict) -> bool:
    """What the TCP plots read: segments on the wire, TCP's own records, drops."""
    return (event.get("proto") == "TCP" or event.get("layer") == "tcp"
            or event.get("event") == "drop")


def share_of(pages: int, share: int, shares: int) -> range:
    """The ladder's pages that share ``share`` of ``shares`` draws: consecutive runs
    whose lengths differ by one at most, the other figures counted as ``OTHERS_PAGES``
    more pages at the end (the last share draws them)."""
    units = pages + OTHERS_PAGES
    return range(min(share * units // shares, pages), min((share + 1) * units // shares, pages))


def draw(job: PlotJob, watch: Watch, share: int = 0, shares: int = 1) -> None:
    """Draw share ``share`` of ``shares`` of the job's figures into ``out_dir/plots``."""
    plots, trace = job.out_dir / "plots", job.out_dir / "trace.jsonl"
    plots.mkdir(exist_ok=True)
    if job.frames:
        ladder.plot_ladder(watch.events(trace), plots / "ladder.png", title=job.title,
                           selection=job.selection, max_pages=job.pages, show_l2=job.show_l2,
                           pages=lambda n: share_of(n, share, shares))
    if share != shares - 1:
        return
    if job.frames:
        watch.check()
        first = list(islice(hop_events(watch.events(trace), list(job.nodes)), MAX_FRAMES))
        plot_run(job.out_dir, nodes=list(job.nodes), title=job.title, events=first,
                 packet=job.hops)
    watch.check()
    plot_topology(job.topology, plots / "topology.png", job.title, watch.events(trace),
                  job.positions)
    if job.cc:
        watch.check()
        plot_tcp([e for e in watch.events(trace) if _is_tcp(e)], plots, title=job.title,
                 cc=job.cc)
