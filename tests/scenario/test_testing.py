"""`netsim test`: discovery, the table, golden failures, exit statuses, --out, --update-golden."""

import shutil
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.testing import Outcome, discover, exit_status

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lab(tmp_path):
    """A copy of lan_ping and pmtud with their golden results and the topologies."""
    shutil.copytree(ROOT / "topologies", tmp_path / "topologies")
    (tmp_path / "scenarios").mkdir()
    for stem in ("lan_ping", "pmtud"):
        for name in (f"{stem}.yaml", f"{stem}.golden.json"):
            shutil.copy(ROOT / "scenarios" / name, tmp_path / "scenarios" / name)
    return tmp_path


def run(capsys, *argv):
    status = main(["test", "--jobs", "2", *map(str, argv)])
    return status, capsys.readouterr().out


def test_every_scenario_passes_and_topologies_are_skipped(lab, capsys):
    status, out = run(capsys, lab)
    assert status == 0
    rows = [line.split() for line in out.splitlines() if line.startswith(str(lab))]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (f"{lab}/scenarios/lan_ping.yaml", "PASSED", "2/2", "match"),
        (f"{lab}/scenarios/pmtud.yaml", "PASSED", "3/3", "match")]
    assert out.splitlines()[-1].startswith("2 passed in ")


def test_a_behaviour_change_fails_with_the_first_differing_event(lab, capsys):
    topology = lab / "topologies" / "lan.yaml"
    topology.write_text(topology.read_text().replace("delay: 10us", "delay: 11us"))
    status, out = run(capsys, lab / "scenarios" / "lan_ping.yaml")
    assert status == 1
    assert "FAILED" in out and "differs" in out
    assert "trace: first difference at event 2 (59 events before, 59 now):" in out
    assert ("  -      2  1000000000 pc1 phy.tx if=eth0 arrive_ns=1000015120 fate=ok proto=ARP "
            "bytes=64 'Who has 10.0.0.2? Tell 10.0.0.1'") in out
    assert "  +      2  1000000000 pc1 phy.tx if=eth0 arrive_ns=1000016120 " in out
    assert "    apps.pc1-pc2.rtt_max_ns: 133120 → 141120" in out


def test_update_golden_over_a_folder_then_match(lab, capsys):
    for golden in (lab / "scenarios").glob("*.golden.json"):
        golden.unlink()
    status, out = run(capsys, lab / "scenarios")
    assert status == 0 and out.count("missing") == 2     # no golden result: noted, not failed
    status, out = run(capsys, "--update-golden", lab / "scenarios")
    assert status == 0 and f"wrote {lab}/scenarios/pmtud.golden.json" in out
    assert (lab / "scenarios" / "lan_ping.golden.json").read_bytes() == \
        (ROOT / "scenarios" / "lan_ping.golden.json").read_bytes()
    status, out = run(capsys, lab / "scenarios")
    assert status == 0 and out.count("match") == 2


def test_unreadable_files_and_missing_paths_are_bad_input(lab, capsys):
    (lab / "scenarios" / "broken.yaml").write_text("name: [unclosed\n")
    status, out = run(capsys, lab / "scenarios", lab / "nowhere")
    assert status == 2
    assert f"{lab}/scenarios/broken.yaml:" in out and "ERROR" in out
    assert f"{lab}/nowhere: no such file or folder" in out
    assert "2 passed" in out and "2 error" in out


def test_a_run_limit_is_stopped_early(lab, capsys):
    path = lab / "scenarios" / "lan_ping.yaml"
    path.write_text(path.read_text() + "limits: {max_events: 10}\n")
    status, out = run(capsys, path)
    assert status == 4
    assert "STOPPED" in out and "stopped early: max_events" in out


def test_out_keeps_each_run(lab, capsys, tmp_path):
    status, _ = run(capsys, "--out", tmp_path / "runs", lab / "scenarios")
    assert status == 0
    assert (tmp_path / "runs" / "lan_ping" / "summary.json").is_file()
    assert (tmp_path / "runs" / "pmtud" / "trace.jsonl").is_file()
    status, _ = run(capsys, "--out", tmp_path / "runs", lab / "scenarios")   # a rerun there
    assert status == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "lan_ping").mkdir()
    (tmp_path / "mine" / "lan_ping" / "notes.txt").write_text("keep")
    status, out = run(capsys, "--out", tmp_path / "mine", lab / "scenarios" / "lan_ping.yaml")
    assert status == 2 and "was not made by netsim" in out
    assert (tmp_path / "mine" / "lan_ping" / "notes.txt").read_text() == "keep"


def test_discover_recurses_and_skips_topologies(lab):
    (lab / "scenarios" / "more").mkdir()
    shutil.copy(lab / "scenarios" / "pmtud.yaml", lab / "scenarios" / "more" / "again.yml")
    scenarios, errors = discover([str(lab), str(lab / "scenarios" / "pmtud.yaml")])
    assert [p.relative_to(lab).as_posix() for p in scenarios] == [
        "scenarios/lan_ping.yaml", "scenarios/more/again.yml", "scenarios/pmtud.yaml"]
    assert errors == []


@pytest.mark.parametrize("statuses,code", [
    ((), 0), (("passed",), 0), (("passed", "failed"), 1), (("failed", "stopped"), 4),
    (("stopped", "error"), 2), (("error", "internal", "failed"), 3), (("not run",), 4)])
def test_the_worst_status_decides(statuses, code):
    assert exit_status([Outcome("x", s) for s in statuses]) == code


def test_update_golden_refuses_overrides(capsys):
    assert main(["run", "--update-golden", "-p", "x=1", str(ROOT / "scenarios" / "pmtud.yaml")]) == 2
    assert "--update-golden: cannot be combined with -p" in capsys.readouterr().err


def test_a_broken_golden_file_is_bad_input_and_update_replaces_it(lab, capsys):
    broken = lab / "scenarios" / "pmtud.golden.json"
    broken.write_text('{"x": 1}')
    status, out = run(capsys, lab / "scenarios" / "pmtud.yaml")
    assert status == 2 and f"{broken}: not a netsim golden file" in out
    status, out = run(capsys, "--update-golden", lab / "scenarios" / "pmtud.yaml")
    assert status == 0 and broken.read_bytes() == (ROOT / "scenarios" / "pmtud.golden.json").read_bytes()
