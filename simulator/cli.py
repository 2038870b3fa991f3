"""The command line: netsim run, check, test, schema, sweep, plot, drill, view, explain.

- ``netsim run SCENARIO``: run one scenario, write its outputs (trace, captures, summary, plots).
- ``netsim check FILE``: validate a topology or scenario file without running it.
- ``netsim test PATH...``: run every scenario under the paths in parallel; pass/fail (expectations, goldens).
- ``netsim schema KIND``: write the JSON Schema of scenario or topology files (for editors).
- ``netsim sweep SCENARIO``: run a parameter grid × seeds into a resumable campaign store.
- ``netsim plot DIR``: plot a campaign's metric against one of its parameters.
- ``netsim drill SCRIPT...``: run packetdrill scripts against the simulated TCP.
- ``netsim view RUN_DIR``: write a run's step-through viewer (HTML) and open it.
- ``netsim explain RUN_DIR``: tell a run's story, or take one frame apart (``--frame N``).

Exit status: 0 when every expectation holds (or the file is valid), 1 when
some expectation fails, 2 on bad input (one message naming file, line,
column and field; no traceback), 3 on an internal error (a bug: one line
asking for a report, no traceback), 4 when a run limit (``--max-events``,
``--wall-clock``, ``--trace-size``, ``--stall``) or SIGINT/SIGTERM ended the
run early: the outputs are still written, and the reason is printed and in
``summary.json`` under ``ended``.
"""

import argparse
import re
import signal
import sys
from pathlib import Path

from simulator.campaign import commands as campaign_commands
from simulator.console import escape, make_console
from simulator.engine.gc_pause import without_gc
from simulator.scenario.errors import ScenarioError, printable

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_STOPPED = 4      # a run limit or a signal ended the run before `until`

# A folder netsim made holds MARKER; a rerun there first removes what a run writes.
MARKER = ".netsim-run"
RUN_OUTPUTS = ("trace.jsonl", "summary.json", "*.pcap", "capture.pcapng", "plots/*.png",
               "view.html")


def _out_dir(args) -> Path:
    if args.out:
        return Path(args.out)
    stem = Path(args.scenario).stem
    return Path("out") / (stem if stem.strip(".") else "scenario")  # "...yaml" is not out/../


def _bad_out(out_dir: Path, message: str) -> ScenarioError:
    return ScenarioError(message, field=f"--out {out_dir}")  # printed one line, escaped


def _prepare(out_dir: Path) -> set[Path]:
    """Make ``out_dir`` a netsim folder holding no earlier run's outputs; return the
    files in it that no run wrote (left alone, and not listed as outputs)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise _bad_out(out_dir, "is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        present = {p for p in out_dir.rglob("*") if p.is_file()}
        outputs = {p for pattern in RUN_OUTPUTS for p in out_dir.glob(pattern)}
        if not (out_dir / MARKER).is_file() and present - outputs:  # not ours, not only outputs
            raise _bad_out(out_dir, "folder is not empty and was not made by netsim; "
                                    "choose an empty or new folder")
        for path in outputs:
            path.unlink()
        present -= outputs
        if (out_dir / "plots").is_dir() and not any((out_dir / "plots").iterdir()):
            (out_dir / "plots").rmdir()
        (out_dir / MARKER).write_text("netsim run output: a rerun here replaces trace.jsonl, "
                                      "summary.json, *.pcap, capture.pcapng and plots/*.png\n")
    except OSError as exc:
        raise _bad_out(out_dir, f"cannot use the folder: {exc.strerror or exc}") from None
    return present | {out_dir / MARKER}


def _run(args, out) -> int:
    """Run with SIGINT and SIGTERM asking the run to stop at its next safe point (files
    closed, summary written); the previous handlers come back afterwards. With plots, a
    plot worker is forked first: its import of matplotlib overlaps the run's."""
    plotter = None
    if not args.no_plots:
        from simulator.viz.plot_worker import Plotter

        plotter = Plotter.start()
    from simulator.engine.limits import StopRequest

    stop = StopRequest()
    signums = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(n, lambda _n, _frame: stop.request("interrupted")) for n in signums]
    try:
        return _run_and_report(args, out, stop, plotter)
    finally:
        for signum, handler in zip(signums, previous):
            signal.signal(signum, handler)
        if plotter is not None:
            plotter.close()


def _run_and_report(args, out, stop, plotter) -> int:
    with without_gc():      # start-up: the imports and the schema's validators
        from simulator.scenario.dhcp_build import dhcp_results
        from simulator.scenario.load import load_scenario
        from simulator.apps.lifecycle import report
        from simulator.scenario.run import plots_note, run_scenario

        _golden_run(args)
        scenario = load_scenario(args.scenario, seed=args.seed, params=_overrides(args.param))
    scenario = _run_options(scenario, args)
    out_dir = _out_dir(args)
    foreign = _prepare(out_dir)
    try:
        result = run_scenario(scenario, out_dir, plots=not args.no_plots, stop=stop,
                              plotter=plotter)
    except OSError as exc:  # the folder went read-only, the disk is full, ...
        raise _bad_out(out_dir, f"cannot write {exc.filename or 'a file'}: "
                                f"{exc.strerror or exc}") from None
    out.print(f"[bold]{escape(scenario.name)}[/bold] (seed {scenario.seed}, "
              f"until {scenario.until / 1e9:g} s)")
    for app in result.apps:
        out.rule(escape(f"{app.name} on {app.host.name}"), style="dim")
        for line in report(app)["output"]:
            out.print(line, markup=False, highlight=False)
    clients = dhcp_results(result.network)
    if clients:                    # each ip: dhcp interface: its lease, or why none
        out.rule("dhcp", style="dim")
        for client in clients:
            out.print(client["output"][0], markup=False, highlight=False)
    if result.verdicts:
        out.rule("expectations", style="dim")
        width = max(len(v.name) for v in result.verdicts)
        for verdict in result.verdicts:
            mark = "[green]PASS[/green]" if verdict.ok else "[red]FAIL[/red]"
            out.print(f"{mark} {escape(f'{verdict.name:<{width}}')}  {escape(verdict.detail)}",
                      highlight=False)
    outputs = _listed(str(p.relative_to(out_dir)) for p in out_dir.rglob("*")
                      if p.is_file() and p not in foreign)
    out.print(printable(f"outputs in {out_dir}/: " + ", ".join(outputs)), markup=False,
              highlight=False)
    note = None if args.no_plots else plots_note(scenario)
    if note is not None:
        out.print(printable(note), markup=False, highlight=False)
    if args.update_golden and not result.stopped_early:
        from simulator.scenario import golden

        out.print(golden.update(args.scenario, out_dir).lines[0], markup=False, highlight=False)
    if result.stopped_early:       # last, so that it is seen below the apps' output
        out.print(f"[red]stopped early:[/red] {escape(_ended_text(result.ended))}", highlight=False)
        return EXIT_STOPPED
    return EXIT_OK if result.passed else EXIT_FAILED


# ------------------------------------------------------------ run limits and trace options

ENDED = {"max_events": "the event limit was reached",
         "wall_clock": "the wall-clock budget ran out",
         "stalled": "simulated time stopped advancing",
         "trace_size": "the trace reached its size cap",
         "interrupted": "interrupted by a signal"}


def _ended_text(ended) -> str:
    return (f"{ended.reason}: {ENDED[ended.reason]}, at simulated time {ended.at_ns / 1e9:.9f} s "
            f"after {ended.events} events")


def _unit_option(parse):
    def convert(text: str) -> int:
        try:
            value = parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"'{text}' must be more than 0")
        return value
    return convert


def _count(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"'{text}' is not a whole number of events")
    return int(text)


def _trace_option(text: str):
    """``off``, ``full``, or ``nodes=r1,r2;layers=ip;events=tx,drop`` (``;`` or spaces between)."""
    from pydantic import ValidationError

    from simulator.scenario.schema import TraceSpec

    if text in ("off", "full"):
        return TraceSpec.model_validate(text)
    fields = {}
    for part in text.replace(";", " ").split():
        key, eq, value = part.partition("=")
        if not eq or key not in ("nodes", "layers", "events") or not value:
            raise argparse.ArgumentTypeError(
                f"'{part}': expected off, full or nodes=A,B;layers=L;events=E")
        fields[key] = value.split(",")
    try:
        return TraceSpec.model_validate(fields)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.errors()[0]["msg"]) from None


def _run_options(scenario, args):
    """The scenario with the command line's limits and trace selection applied."""
    given = {"max_events": args.max_events, "wall_clock": args.wall_clock,
             "trace_size": args.trace_size, "stall": args.stall}
    limits = scenario.limits.model_copy(update={k: v for k, v in given.items() if v is not None})
    update = {"limits": limits}
    if args.trace is not None:
        update["trace"] = args.trace
    if args.plot:
        update["plots"] = _plot_options(scenario, args.plot)
    return scenario.model_copy(update=update)


def _plot_options(scenario, items: list[str]):
    """``scenario.plots`` with the ``--plot SECTION.KEY=VALUE`` items applied and checked."""
    from simulator.scenario.plots_spec import with_overrides

    try:
        plots = with_overrides(scenario.plots, items)
    except ValueError as err:
        raise ScenarioError(str(err)) from None
    ladder = plots.ladder
    unknown = [n for n in ladder.nodes or () if n not in scenario.topology.nodes]
    if unknown:
        raise ScenarioError(f"--plot ladder.nodes: no node named {unknown[0]!r} "
                            f"(nodes: {', '.join(sorted(scenario.topology.nodes))})")
    apps = [a.name or a.kind for a in scenario.run if a.is_app]
    if ladder.app is not None and ladder.app not in apps:
        raise ScenarioError(f"--plot ladder.app: no app named {ladder.app!r} runs "
                            f"(apps: {', '.join(apps) or 'none'})")
    return plots


def _add_run_options(run) -> None:
    from simulator.engine.units import parse_size, parse_time

    count = _unit_option(_count)
    run.add_argument("--max-events", type=count, metavar="N", help="end the run after N events")
    run.add_argument("--wall-clock", type=_unit_option(parse_time), metavar="TIME",
                     help="end the run after this much real time, e.g. 60s")
    run.add_argument("--trace-size", type=_unit_option(parse_size), metavar="SIZE",
                     help="end the run when trace.jsonl would exceed this, e.g. 1GiB")
    run.add_argument("--stall", type=count, metavar="N",
                     help="end the run after N events without simulated time advancing")
    run.add_argument("--trace", type=_trace_option, metavar="off|full|FILTER",
                     help="what trace.jsonl records: off, full, or e.g. 'nodes=r1,r2;layers=ip'")


def _check(args, out) -> int:
    with without_gc():
        from simulator.scenario.load import load_any

        loaded = load_any(args.file, params=_overrides(args.param))
    kind = "scenario" if hasattr(loaded, "topology") else "topology"
    out.print(printable(f"{args.file}: valid {kind} '{loaded.name}'"), markup=False, highlight=False)
    return EXIT_OK


# ------------------------------------------------------------ parameters (-p NAME=VALUE)

def _add_param_option(command) -> None:
    command.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                         help="override a parameter's default (a YAML value, e.g. 5Mbps); repeat")


def _overrides(given: list[str]) -> dict:
    """``-p`` options as {name: YAML value}; a name given twice is a mistake."""
    from simulator.scenario.params import parse_override, parse_value

    overrides = {}
    for text in given:
        name, value = parse_override(text)
        if name in overrides:
            raise ScenarioError("given twice", field=f"-p {name}")
        overrides[name] = parse_value(value, f"-p {name}")
    return overrides


# ------------------------------------------------------------ golden results, test, schema

def _golden_run(args) -> None:
    """A golden result is the scenario as its file says: no seed, parameter or trace override."""
    given = [name for name, value in (("--seed", args.seed), ("-p", args.param),
                                      ("--trace", args.trace)) if value]
    if args.update_golden and given:
        raise ScenarioError(f"cannot be combined with {', '.join(given)} (a golden result is "
                            "the scenario as its file says)", field="--update-golden")


def _listed(paths) -> list[str]:
    """The run's files in order, a paged ladder's pages as one entry
    ("plots/ladder.png … ladder-3.png (3 pages)")."""
    outputs = sorted(paths)
    pages = [p for p in outputs if re.fullmatch(r"plots/ladder-\d+\.png", p)]
    if pages and "plots/ladder.png" in outputs:
        outputs = [p for p in outputs if p not in pages]
        last = len(pages) + 1
        outputs[outputs.index("plots/ladder.png")] = (
            f"plots/ladder.png … ladder-{last}.png ({last} pages)")
    return outputs


def _add_test_commands(commands) -> None:
    test = commands.add_parser("test", help="run every scenario under the paths, in parallel, "
                                            "and tabulate pass/fail")
    test.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    test.add_argument("--jobs", "-j", type=_unit_option(_count), metavar="N",
                      help="scenarios run at a time (default: one per core)")
    test.add_argument("--out", help="keep each run's outputs in OUT/<scenario> (default: a "
                                    "temporary folder, removed afterwards)")
    test.add_argument("--update-golden", action="store_true",
                      help="store each run as the scenario's golden result")
    schema = commands.add_parser("schema", help="write the JSON Schema of topology or "
                                                "scenario files")
    schema.add_argument("kind", choices=("scenario", "topology"))
    schema.add_argument("--out", help="write to this file (default: standard output)")


def _test(args, out) -> int:
    import time

    from simulator.scenario import testing

    start = time.perf_counter()
    jobs = args.jobs or testing.default_jobs()
    outcomes = testing.run_all(args.paths, jobs, args.out, args.update_golden, prepare=_prepare)
    testing.render(outcomes, out, time.perf_counter() - start, jobs)
    return testing.exit_status(outcomes)


def _schema(args, out) -> int:
    from simulator.scenario.jsonschema import schema_text

    text = schema_text(args.kind)
    if args.out is None:
        out.file.write(text)
        return EXIT_OK
    try:
        Path(args.out).write_text(text)
    except OSError as exc:
        raise ScenarioError(f"cannot write: {exc.strerror or exc}", field=f"--out {args.out}") from None
    return EXIT_OK


def _view(args, out) -> int:
    """Write RUN_DIR's step-through viewer (one offline HTML file) and open it."""
    import webbrowser

    from simulator.viz.viewer import write_view

    run_dir = Path(args.run_dir)
    if not (run_dir / "summary.json").is_file():
        raise ScenarioError(f"{args.run_dir}: not a run folder (no summary.json; make one with netsim run)")
    try:
        page = write_view(run_dir, Path(args.out) if args.out else None, args.max_events)  # None: default
    except OSError as exc:
        raise ScenarioError(f"--out {args.out or run_dir / 'view.html'}: {exc.strerror or exc}") from None
    out.print(printable(f"viewer in {page}"), markup=False, highlight=False)
    if not args.no_open:
        webbrowser.open(page.resolve().as_uri())
    return EXIT_OK


def _explain(args, out) -> int:
    """Print RUN_DIR's story, or one frame of its capture.pcapng taken apart."""
    from simulator.viz.explain import frame_details, story

    run_dir = Path(args.run_dir)
    needed = run_dir / ("capture.pcapng" if args.frame is not None else "trace.jsonl")
    if not needed.is_file():
        raise ScenarioError(f"{args.run_dir}: no {needed.name} (a run with a trace and capture: writes it)")
    try:
        lines = frame_details(run_dir, args.frame) if args.frame is not None else story(run_dir, args.node, args.packet)
        for line in lines:
            out.print(printable(line), markup=False, highlight=False)
    except ValueError as exc:
        raise ScenarioError(f"--{'frame' if args.frame is not None else 'packet'}: {exc}") from None
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """Command-line mistakes are bad input too: one line, status 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="netsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a scenario and write its outputs")
    run.add_argument("scenario")
    run.add_argument("--out", help="output folder (default: out/<scenario file name>)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    run.add_argument("--plot", action="append", default=[], metavar="SECTION.KEY=VALUE",
                     help="set a plots: key, e.g. ladder.window=1s:2s, ladder.nodes=a,r1, "
                          "ladder.app=ping, hops.packet=seq=3; repeat")
    _add_run_options(run)
    _add_param_option(run)
    check = commands.add_parser("check", help="validate a topology or scenario file")
    check.add_argument("file")
    _add_param_option(check)
    run.add_argument("--update-golden", action="store_true",
                     help="store this run as the scenario's golden result (next to it)")
    _add_test_commands(commands)
    campaign_commands.add_commands(commands)
    from simulator.drill import command as drill    # `netsim drill`: packetdrill scripts
    drill.add_arguments(commands.add_parser("drill", help="run packetdrill scripts"))
    view = commands.add_parser("view", help="write a run's step-through viewer (HTML) and open it")
    view.add_argument("run_dir")
    view.add_argument("--out", help="the HTML file (default: RUN_DIR/view.html)")
    view.add_argument("--no-open", action="store_true", help="do not open it in a browser")
    view.add_argument("--max-events", type=_count, help="trace events embedded (default 5,000)")
    explain = commands.add_parser("explain", help="tell a run's story, or take one frame apart")
    explain.add_argument("run_dir")
    explain.add_argument("--frame", type=_count, help="frame N of capture.pcapng (from 1)")
    explain.add_argument("--node", help="only this node's steps")
    explain.add_argument("--packet", help="only one IPv4 datagram: ID or SRC:ID (identification)")
    args = parser.parse_args(argv)
    # sweep's progress display is rich's, on a terminal or not
    out, err = make_console(rich=args.command == "sweep"), make_console(stderr=True)
    try:
        handler = {"run": _run, "check": _check, "test": _test, "schema": _schema,
                   "view": _view, "explain": _explain, "drill": drill.run,
                   **campaign_commands.HANDLERS}[args.command]
        return handler(args, out)
    except ScenarioError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one readable line
        err.print(printable(f"netsim: internal error: {type(exc).__name__}: {exc} (this is a bug; "
                            "please report it with the scenario and this line)"),
                  markup=False)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
