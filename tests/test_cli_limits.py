"""`netsim run` ended early: by a run-limit flag, or by SIGTERM/SIGINT once it has
started. Either way every file is closed, summary.json says why, exit status 4."""

import json
import signal
import time

import pytest

from tests.test_cli import LAN, finish, netsim, no_traceback, start
from tests.tshark import clean, tshark_problems

EXIT_STOPPED = 4


@pytest.fixture
def flood(tmp_path):
    path = tmp_path / "flood.yaml"
    path.write_text(f"""\
name: flood
topology: {LAN}
until: 100s
run:
  - {{at: 1s, on: pc1, ping: {{dst: 10.0.0.2, count: 1000000000000, interval: 1us}}}}
capture: [pc1, pc2]
""")
    return path


def test_a_limit_flag_ends_the_run_with_status_4_and_says_which(flood, tmp_path):
    out = tmp_path / "out"
    proc = netsim("run", flood, "--out", out, "--max-events", "20000", "--no-plots")
    assert proc.returncode == EXIT_STOPPED, proc.stderr
    no_traceback(proc)
    assert "stopped early: max_events: the event limit was reached" in proc.stdout
    assert "after 20000 events" in proc.stdout
    ended = json.loads((out / "summary.json").read_text())["ended"]
    assert (ended["reason"], ended["events"]) == ("max_events", 20000)


@pytest.mark.parametrize("args, reason", [
    (["--wall-clock", "1ns"], "wall_clock"),
    (["--trace-size", "64KiB"], "trace_size"),
])
def test_each_limit_flag_names_its_reason(flood, tmp_path, args, reason):
    out = tmp_path / "out"
    proc = netsim("run", flood, "--out", out, "--no-plots", *args)
    assert proc.returncode == EXIT_STOPPED, proc.stderr
    assert f"stopped early: {reason}: " in proc.stdout
    assert json.loads((out / "summary.json").read_text())["ended"]["reason"] == reason
    if reason == "trace_size":
        assert (out / "trace.jsonl").stat().st_size <= 64 * 1024


def test_trace_flag_overrides_the_file(flood, tmp_path):
    out = tmp_path / "out"
    proc = netsim("run", flood, "--out", out, "--max-events", "20000", "--no-plots",
                  "--trace", "nodes=pc2;events=tx")
    assert proc.returncode == EXIT_STOPPED, proc.stderr
    lines = (out / "trace.jsonl").read_text().splitlines()
    assert lines and all('"node":"pc2"' in line and '"event":"tx"' in line for line in lines)
    proc = netsim("run", flood, "--out", out, "--max-events", "20000", "--trace", "off")
    assert proc.returncode == EXIT_STOPPED and not (out / "trace.jsonl").exists()


@pytest.mark.parametrize("args, words", [
    (["--max-events", "0"], "must be more than 0"),
    (["--stall", "1e6"], "'1e6' is not a whole number of events"),
    (["--wall-clock", "10"], "--wall-clock"),
    (["--trace-size", "lots"], "--trace-size"),
    (["--trace", "node=pc1"], "expected off, full or nodes=A,B;layers=L;events=E"),
])
def test_bad_limit_flags_exit_2(flood, args, words):
    proc = netsim("run", flood, *args)
    assert proc.returncode == 2 and words in proc.stderr
    no_traceback(proc)


def wait_for_trace(path, proc) -> None:
    """Until the running simulation has written its first block of trace."""
    deadline = time.monotonic() + 60
    while not (path.exists() and path.stat().st_size > 0):
        assert proc.poll() is None, finish(proc).stderr
        assert time.monotonic() < deadline, "the run never started writing its trace"
        time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_every_file_and_writes_the_summary(flood, tmp_path, signum):
    out = tmp_path / "out"
    proc = start("run", flood, "--out", out, "--no-plots")
    wait_for_trace(out / "trace.jsonl", proc)
    proc.send_signal(signum)
    done = finish(proc)
    assert done.returncode == EXIT_STOPPED, done.stderr
    no_traceback(done)
    assert "stopped early: interrupted: interrupted by a signal" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended"]["reason"] == "interrupted" and summary["passed"] is False
    for pcap in ("pc1-eth0.pcap", "pc2-eth0.pcap"):
        problems = tshark_problems(out / pcap)
        assert problems["frames"] > 0 and problems == clean(problems["frames"])
    assert (out / "trace.jsonl").read_bytes().endswith(b"\n")
