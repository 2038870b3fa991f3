"""The plot worker (``netsim run`` draws its plots in forked processes): the same PNG
bytes as drawn in-process, a worker's error raised in the parent, a stop request
ending the drawing between figures, and no process left behind. Each case runs in a
fresh interpreter, as ``netsim run`` does (a process with other threads plots in-process)."""

import os
import subprocess
import sys
from pathlib import Path

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.run_plots import OTHERS_PAGES, share_of

REPO = Path(__file__).resolve().parents[2]

# Runs lan_ping in OUT, then draws its plots with a worker; prints the outcome.
PROBE = """
import dataclasses, os, sys
from pathlib import Path
from simulator.viz.plot_worker import Plotter
from simulator.viz.plot_job import PlotsInterrupted
plotter = Plotter.start()
assert plotter is not None
from simulator.scenario.load import load_scenario
from simulator.scenario.run import plot_job, run_scenario
out = Path(sys.argv[1])
result = run_scenario(load_scenario("scenarios/lan_ping.yaml"), out, plots=False)
job = plot_job(result, out)
if sys.argv[2] == "bad":
    job = dataclasses.replace(job, out_dir=out / "no" / "such")
try:
    plotter.draw(job, lambda: sys.argv[2] == "stop")
    print("drawn")
except PlotsInterrupted:
    print("interrupted")
except RuntimeError as exc:
    print(exc)
print("pgid", plotter.pid)
"""


def probe(out: Path, case: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), case], cwd=REPO, check=True,
                          capture_output=True, text=True, timeout=120)
    return done.stdout.splitlines()


def no_process_in(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_worker_draws_the_same_bytes_as_the_run_in_process(tmp_path):
    here = tmp_path / "here"
    run_scenario(load_scenario(REPO / "scenarios" / "lan_ping.yaml"), here)
    lines = probe(tmp_path / "worker", "draw")
    assert lines[0] == "drawn"
    drawn = sorted(p.name for p in (tmp_path / "worker" / "plots").iterdir())
    assert drawn == ["hops.png", "ladder-2.png", "ladder-3.png", "ladder.png", "topology.png"]
    assert drawn == sorted(p.name for p in (here / "plots").iterdir())
    for name in drawn:
        assert (tmp_path / "worker" / "plots" / name).read_bytes() == \
            (here / "plots" / name).read_bytes(), name
    assert no_process_in(int(lines[1].split()[1]))


def test_a_worker_error_is_raised_in_the_parent(tmp_path):
    lines = probe(tmp_path, "bad")
    assert lines[0].startswith("plotting: FileNotFoundError: ") and "no/such" in lines[0]
    assert no_process_in(int(lines[1].split()[1]))


def test_a_stop_request_ends_the_drawing_between_figures(tmp_path):
    lines = probe(tmp_path, "stop")
    assert lines[0] == "interrupted"
    drawn = list((tmp_path / "plots").glob("*.png"))
    assert "topology.png" not in {p.name for p in drawn}    # the last figure: never reached
    for path in drawn:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"   # whole files only
    assert no_process_in(int(lines[1].split()[1]))


def test_a_bad_file_ends_netsim_run_and_its_unused_worker(tmp_path):
    """The worker is forked before the file is read; it ends with the run (were it left
    running, it would hold the output pipes open and this run would not return)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntopology: nowhere.yaml\n")
    done = subprocess.run([sys.executable, "-m", "simulator.cli", "run", str(bad), "--out",
                           str(tmp_path / "o")], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and not done.stdout


def test_shares_draw_every_page_once_the_last_one_also_the_other_figures():
    for pages in range(0, 25):
        for shares in (1, 2, 3):
            runs = [list(share_of(pages, i, shares)) for i in range(shares)]
            assert sum(runs, []) == list(range(pages))
            loads = [len(r) for r in runs[:-1]] + [len(runs[-1]) + OTHERS_PAGES]
            # balanced to a page, unless the other figures alone outweigh a fair share
            assert (max(loads) - min(loads) <= 1 or pages < shares
                    or (max(loads) == OTHERS_PAGES and not runs[-1]))
    assert [list(share_of(3, i, 2)) for i in (0, 1)] == [[0, 1], [2]]   # lan_ping's
