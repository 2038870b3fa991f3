"""Campaigns: the grid × seeds, one pure run, the store, resuming, both executors."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from simulator.campaign import load, run, sweep
from simulator.campaign.grid import parse_axis, parse_seeds, points, scenario_dict
from simulator.campaign.store import FILE, Store
from simulator.campaign.task import Result, code_version
from simulator.cli import main
from simulator.scenario.errors import ScenarioError

TINY = Path(__file__).parent / "tiny.yaml"
AXES = {"loss": [0, 0.3], "delay": ["1ms", "5ms"]}     # 2 params, 4 points
SEEDS = [1, 2, 3]
VOLATILE = ["wall_s"]


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "tiny.yaml"
    shutil.copy(TINY, path)
    return path


def quiet():
    from rich.console import Console
    return Console(file=open("/dev/null", "w"), width=100)


def test_axes_values_are_yaml_scalars_and_seeds_are_ranges():
    assert parse_axis("loss=0,0.005,1e-3") == ("loss", [0, 0.005, 0.001])
    assert parse_axis("cc=reno,cubic") == ("cc", ["reno", "cubic"])
    assert parse_seeds("1-3,7") == [1, 2, 3, 7] and parse_seeds("4") == [4]
    assert points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    for bad in ("1-", "3-1", "a", "1,1"):
        with pytest.raises(ScenarioError):
            parse_seeds(bad)
    with pytest.raises(ScenarioError, match="given twice"):
        parse_axis("loss=0,0.01,0")


def test_run_is_pure_data_and_a_failure_is_a_result(scenario):
    data = scenario_dict(scenario)
    good = run(data, {"loss": 0}, 1)
    assert good.ok and good.metrics["ping.received"] == 5 and good.metrics["expect.0"] is True
    # 102-byte frames (56 + 8 ICMP + 20 IP + 14 Ethernet + 4 FCS) at 100 Mb/s, 1 ms each way;
    # the first echo waits one more round trip for ARP (64-byte frames)
    assert good.metrics["ping.rtt_min_ns"] == 2 * (1_000_000 + 102 * 80)
    assert good.metrics["ping.rtt_max_ns"] == good.metrics["ping.rtt_min_ns"] + 2 * (1_000_000 + 64 * 80)
    assert good == Result(**{**good.__dict__, "wall_s": good.wall_s})
    bad = run(data, {"loss": 2}, 1)
    assert not bad.ok and bad.error == "topology.links[0].loss: 2 is out of range (use 0..1 or 0%..100%)" and bad.metrics == {}
    assert bad.version == code_version()


def test_local_and_dask_give_the_same_table_and_resume(scenario, tmp_path):
    from distributed import LocalCluster

    local = sweep(scenario, AXES, SEEDS, tmp_path / "local", workers=2, console=quiet())
    assert (local.ran, local.kept, local.failed) == (12, 0, 0)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = sweep(scenario, AXES, SEEDS, tmp_path / "dask", dask=cluster.scheduler_address,
                     console=quiet())
    assert (dask.ran, dask.failed) == (12, 0)
    a, b = load(tmp_path / "local"), load(tmp_path / "dask")
    # a process labels its runs with the code it imported (code_version): the local
    # workers all with their forkserver's, the Dask workers each with its own, so a
    # commit landing between two sweeps (or two workers' start) changes git_commit
    # only; the code is the same
    assert a["git_commit"].nunique() == 1 and a["code_digest"].nunique() == 1
    same = [*VOLATILE, "git_commit"]
    assert len(a) == 12 and a.drop(columns=same).equals(b.drop(columns=same))
    assert list(a.columns[:4]) == ["loss", "delay", "seed", "status"]
    assert (a["status"] == "ok").all() and set(a["scenario_digest"]) == {a["scenario_digest"][0]}
    lossless = a[a["loss"] == 0]
    assert (lossless["ping.loss"] == 0).all()
    slow = lossless[lossless["delay"] == "5ms"]["ping.rtt_min_ns"]
    assert (slow == 2 * (5_000_000 + 102 * 80)).all()
    assert (a[a["loss"] == 0.3]["ping.loss"] > 0).any()

    again = sweep(scenario, AXES, SEEDS, tmp_path / "local", workers=2, console=quiet())
    assert (again.ran, again.kept) == (0, 12)

    with sqlite3.connect(tmp_path / "local" / FILE) as db:
        db.execute("DELETE FROM runs WHERE seed = 2 AND params = ?", ('{"loss": 0.3, "delay": "5ms"}',))
    store = Store(tmp_path / "local")
    store.put(Result({"loss": 0, "delay": "1ms"}, 3, False, "boom", 0.0, {}, code_version()),
              a["scenario_digest"][0])
    store.close()
    rerun = sweep(scenario, AXES, SEEDS, tmp_path / "local", workers=1, console=quiet())
    assert (rerun.ran, rerun.kept, rerun.failed) == (2, 10, 0)
    assert load(tmp_path / "local").drop(columns=same).equals(a.drop(columns=same))  # a new pool


def test_a_changed_scenario_is_detected_and_reported(scenario, tmp_path):
    out = tmp_path / "c"
    assert sweep(scenario, {"loss": [0]}, [1], out, workers=1, console=quiet()).ran == 1
    scenario.write_text(scenario.read_text().replace("count: 5", "count: 4"))
    with pytest.raises(ScenarioError, match="1 stored runs were made from another version of the "
                                            "scenario.*--rerun-stale"):
        sweep(scenario, {"loss": [0]}, [1], out, workers=1, console=quiet())
    report = sweep(scenario, {"loss": [0]}, [1], out, workers=1, rerun_stale=True, console=quiet())
    assert (report.ran, report.stale) == (1, 1)
    assert load(out)["ping.transmitted"].tolist() == [4]


def test_a_bad_point_is_located_before_anything_runs(scenario, tmp_path):
    with pytest.raises(ScenarioError) as info:
        sweep(scenario, {"loss": [0, 2]}, [1], tmp_path / "d", console=quiet())
    assert (info.value.line, info.value.field) == (11, "topology.links[0].loss")
    assert not (tmp_path / "d").exists()


def test_cli_sweep_and_plot(scenario, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["sweep", str(scenario), "-p", "loss=0,0.3", "--seeds", "1-2", "--workers", "2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ran 4, kept 0 from earlier, failed 0" in text
    assert main(["plot", str(out), "--x", "loss", "--y", "rtt_avg_ns", "--out",
                 str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(out), "--x", "loss", "--y", "nothing"]) == 2
    assert "--y: no single column 'nothing'" in capsys.readouterr().err
    assert main(["sweep", str(scenario), "-p", "nope=1", "--out", str(tmp_path / "e")]) == 2
    assert main(["sweep", str(scenario), "--seeds", "x", "--out", str(tmp_path / "e")]) == 2


def test_artefacts_are_off_by_default_and_kept_per_run_when_asked(scenario, tmp_path):
    plain, kept = tmp_path / "plain", tmp_path / "kept"
    sweep(scenario, {"loss": [0]}, [1, 2], plain, workers=1, console=quiet())
    assert sorted(p.name for p in plain.iterdir()) == [FILE]
    sweep(scenario, {"loss": [0]}, [1, 2], kept, workers=1, console=quiet(), artefacts=True)
    runs = sorted(p.name for p in (kept / "runs").iterdir())
    assert runs == ["loss=0,seed=1", "loss=0,seed=2"]
    one = kept / "runs" / "loss=0,seed=2"
    assert sorted(p.name for p in one.iterdir()) == ["summary.json"]    # tiny.yaml: trace off
    assert '"seed": 2' in (one / "summary.json").read_text()
    assert load(kept).drop(columns=VOLATILE).equals(load(plain).drop(columns=VOLATILE))


REPO = Path(__file__).resolve().parents[2]


def test_zone_files_resolve_from_the_topology_file_not_the_working_directory(tmp_path,
                                                                             monkeypatch):
    """dns_lookup's topology (topologies/dns_hierarchy.yaml) serves example.com. from
    ``file: zones/example.com.zone``: relative to that file, wherever a worker runs."""
    monkeypatch.chdir(tmp_path)
    data = scenario_dict(REPO / "scenarios" / "dns_lookup.yaml")
    zone = data["topology"]["nodes"]["ns1-example"]["dns_server"]["zones"][0]
    assert zone["file"] == str(REPO / "topologies" / "zones" / "example.com.zone")
    result = run(data, {}, 1)
    assert result.ok, result.error
    assert result.metrics                     # it ran: the dig apps report


def test_an_inline_topology_zone_file_resolves_from_the_scenario_file(tmp_path, monkeypatch):
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "zones").mkdir()
    shutil.copy(REPO / "topologies" / "zones" / "example.com.zone",
                tmp_path / "lab" / "zones" / "example.com.zone")
    (tmp_path / "lab" / "dig.yaml").write_text("""\
name: inline-zone
topology:
  name: pair
  nodes:
    pc: {type: host, ip: 10.0.0.1/24}
    ns: {type: host, ip: 10.0.0.53/24,
         dns_server: {zones: [{origin: example.com., file: zones/example.com.zone}]}}
  links: [[pc, ns]]
until: 2s
run:
  - {at: 0s, on: pc, name: q, dig: {name: ns1.example.com, server: 10.0.0.53}}
expect:
  - {app: q, rcode: NOERROR}
""")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run(scenario_dict(tmp_path / "lab" / "dig.yaml"), {}, 1)
    assert result.ok, result.error
