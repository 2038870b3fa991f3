"""``netsim drill SCRIPT.pkt ...``: run packetdrill scripts, one line each.

Exit status: 0 when every script passes, 1 when one fails (a mismatch, or a
construct netsim does not model), 2 when one does not parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:    # the runner (the whole stack) is imported only when a script runs
    from simulator.drill.runner import Options

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def add_arguments(parser) -> None:
    parser.add_argument("scripts", nargs="+", metavar="SCRIPT.pkt",
                        help="scripts, or folders to search for *.pkt")
    parser.add_argument("--profile", choices=("linux", "rfc"), default="linux",
                        help="TCP profile of the host under test (default linux)")
    parser.add_argument("--tolerance-usecs", type=int, metavar="N",
                        help="timing tolerance (default: the script's, else 4000)")
    parser.add_argument("--tolerance-percent", type=float, metavar="P",
                        help="extra tolerance, percent of the time since the previous "
                             "event (default: the script's, else 12.5)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print sysctl warnings and every segment exchanged")


def run(args, out) -> int:
    from simulator.drill.runner import Options

    options = Options(args.profile, args.tolerance_usecs, args.tolerance_percent,
                      verbose=args.verbose)
    counts = {"PASS": 0, "FAIL": 0, "UNSUPPORTED": 0, "ERROR": 0}
    status = EXIT_OK
    paths = _expand(args.scripts)
    for path in paths:
        verdict, lines = _one(Path(path), options, args.verbose)
        counts[verdict] += 1
        out.print(f"{verdict} {path}", markup=False, highlight=False)
        for line in lines:
            out.print(f"  {line}", markup=False, highlight=False)
        if verdict == "ERROR":
            status = EXIT_BAD_INPUT
        elif verdict != "PASS" and status == EXIT_OK:
            status = EXIT_FAILED
    total = len(paths)
    out.print(f"{total} script{'s' * (total != 1)}: {counts['PASS']} passed, "
              f"{counts['FAIL']} failed, {counts['UNSUPPORTED']} unsupported, "
              f"{counts['ERROR']} not parsed", highlight=False)
    return status


def _expand(names: list[str]) -> list[str]:
    """Folders stand for every *.pkt below them, in name order."""
    paths = []
    for name in names:
        folder = Path(name)
        paths += sorted(map(str, folder.rglob("*.pkt"))) if folder.is_dir() else [name]
    return paths


def _one(path: Path, options: Options, verbose: bool) -> tuple[str, list[str]]:
    from simulator.drill.model import ScriptError
    from simulator.drill.parse import parse_file
    from simulator.drill.runner import run_script

    try:
        script = parse_file(path)
    except OSError as error:
        return "ERROR", [f"{path}: {error.strerror}"]
    except ScriptError as error:
        return "ERROR", [str(error)]
    try:
        result = run_script(script, options)
    except ScriptError as error:
        return "ERROR", [str(error)]
    lines = []
    if verbose:
        lines += [f"warning: {w}" for w in result.warnings] + result.log + result.output
    if result.passed:
        return "PASS", lines
    lines += result.error.splitlines()
    return ("UNSUPPORTED" if result.unsupported else "FAIL"), lines
