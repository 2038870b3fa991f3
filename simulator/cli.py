"""The command line: ``netsim run SCENARIO`` and ``netsim check FILE``.

Exit status: 0 when every expectation holds (or the file is valid), 1 when
some expectation fails, 2 on bad input (one message naming file, line,
column and field; no traceback).
"""

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from simulator.scenario.errors import ScenarioError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _run(args, out: Console) -> int:
    from simulator.scenario.load import load_scenario
    from simulator.scenario.run import run_scenario

    scenario = load_scenario(args.scenario, seed=args.seed)
    out_dir = Path(args.out) if args.out else Path("out") / Path(args.scenario).stem
    result = run_scenario(scenario, out_dir, plots=not args.no_plots)
    out.print(f"[bold]{scenario.name}[/bold] (seed {scenario.seed}, until {scenario.until / 1e9:g} s)")
    for app in result.apps:
        out.rule(f"{app.name} on {app.host.name}", style="dim")
        for line in app.result()["output"]:
            out.print(line, markup=False, highlight=False)
    if result.verdicts:
        out.rule("expectations", style="dim")
        for verdict in result.verdicts:
            mark = "[green]PASS[/green]" if verdict.ok else "[red]FAIL[/red]"
            out.print(f"{mark} {verdict.detail}", highlight=False)
    out.print(f"outputs in {out_dir}/: " + ", ".join(sorted(
        str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())), highlight=False)
    return EXIT_OK if result.passed else EXIT_FAILED


def _check(args, out: Console) -> int:
    from simulator.scenario.load import load_any

    loaded = load_any(args.file)
    kind = "scenario" if hasattr(loaded, "topology") else "topology"
    out.print(f"{args.file}: valid {kind} '{loaded.name}'", highlight=False)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a scenario and write its outputs")
    run.add_argument("scenario")
    run.add_argument("--out", help="output folder (default: out/<scenario file name>)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    check = commands.add_parser("check", help="validate a topology or scenario file")
    check.add_argument("file")
    from simulator.drill import command as drill    # `netsim drill`: packetdrill scripts
    drill.add_arguments(commands.add_parser("drill", help="run packetdrill scripts"))
    args = parser.parse_args(argv)
    out = Console(highlight=False, soft_wrap=True)
    if args.command == "drill":
        return drill.run(args, out)
    try:
        return _run(args, out) if args.command == "run" else _check(args, out)
    except ScenarioError as error:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[red]error:[/red] {escape(str(error))}")
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
