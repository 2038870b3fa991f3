"""The ``netsim sweep`` and ``netsim plot`` subcommands (added to simulator/cli.py's parser).

Exit status of ``sweep``: 0 when every run it made succeeded (expectations that
fail are results, recorded per run, not failures of the sweep), 1 when some run
failed (raised, or its worker died: see the store's ``error`` column), 2 on bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:               # a command's console: rich's, or simulator.console's plain one
    from rich.console import Console

__all__ = ["add_commands", "HANDLERS"]


def add_commands(commands) -> None:
    sweep = commands.add_parser("sweep", help="run a scenario over a parameter grid × seeds into "
                                              "a resumable store")
    sweep.add_argument("scenario")
    sweep.add_argument("-p", "--param", action="append", default=[], metavar="NAME=V1,V2,...",
                       help="a parameter's values (YAML scalars); repeat for a grid")
    sweep.add_argument("--seeds", default="1", help="seeds: 20, 1-20 or 1,2,5 (default: 1)")
    sweep.add_argument("--workers", type=_positive, metavar="N",
                       help="local worker processes (default: one per core)")
    sweep.add_argument("--dask", metavar="ADDRESS",
                       help="submit to the Dask scheduler at ADDRESS (tcp://host:8786)")
    sweep.add_argument("--out", required=True, help="the campaign folder (the store)")
    sweep.add_argument("--artefacts", action="store_true",
                       help="keep each run's trace, captures and summary in OUT/runs/ "
                            "(off by default: the store keeps the metrics)")
    sweep.add_argument("--rerun-stale", action="store_true",
                       help="replace runs made from another scenario or netsim version")
    plot = commands.add_parser("plot", help="plot a campaign's metric against a parameter")
    plot.add_argument("dir")
    plot.add_argument("--x", required=True, help="the parameter on the x axis")
    plot.add_argument("--y", required=True, help="the metric (a column, or its last part)")
    plot.add_argument("--hue", help="one line per value of this parameter")
    plot.add_argument("--logx", action="store_true")
    plot.add_argument("--logy", action="store_true")
    plot.add_argument("--mathis-rtt", metavar="TIME",
                      help="overlay the Mathis curve for this RTT (x must be the loss rate)")
    plot.add_argument("--mathis-mss", type=_positive, default=1460, metavar="BYTES")
    plot.add_argument("--mathis-b", type=_positive, default=1, metavar="N",
                      help="segments per ACK in the Mathis curve (default 1)")
    plot.add_argument("--title")
    plot.add_argument("--out", help="the PNG (default: DIR/<y>-vs-<x>.png)")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def _sweep(args, out: Console) -> int:
    from simulator.campaign import sweep   # the function (see the package's docstring)
    from simulator.scenario.errors import ScenarioError

    from .grid import parse_axis, parse_seeds

    axes = dict(parse_axis(text) for text in args.param)
    if len(axes) != len(args.param):
        raise ScenarioError("a parameter is given twice", field="-p")
    if args.dask and args.workers:
        raise ScenarioError("the Dask cluster has its own workers", field="--workers")
    report = sweep(args.scenario, axes, parse_seeds(args.seeds), args.out, workers=args.workers,
                   dask=args.dask, rerun_stale=args.rerun_stale, console=out,
                   artefacts=args.artefacts)
    return 1 if report.failed else 0


def _plot(args, out: Console) -> int:
    from simulator.engine.units import parse_time
    from simulator.scenario.errors import ScenarioError

    from .plot import plot

    rtt = None
    if args.mathis_rtt is not None:
        try:
            rtt = parse_time(args.mathis_rtt) / 1e9
        except ValueError as error:
            raise ScenarioError(str(error), field="--mathis-rtt") from None
        if rtt <= 0:
            raise ScenarioError("must be more than 0", field="--mathis-rtt")
    path = plot(args.dir, args.x, args.y, args.hue, logx=args.logx, logy=args.logy, mathis_rtt=rtt,
                mathis_mss=args.mathis_mss, mathis_b=args.mathis_b, output=args.out, title=args.title)
    out.print(f"wrote {path}", markup=False, highlight=False)
    return 0


HANDLERS = {"sweep": _sweep, "plot": _plot}
