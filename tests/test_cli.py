"""The installed ``netsim`` console script, run as a user would: exit statuses, output
files, ``--seed``, failed expectations, and one-line located errors for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAN = REPO / "topologies" / "lan.yaml"
NETSIM = Path(sys.executable).parent / "netsim"


def env() -> dict:
    environ = dict(os.environ)
    environ.pop("COLUMNS", None)        # stderr/stdout are pipes, as under CI or `2>log`
    return environ


def netsim(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(NETSIM), *map(str, args)], check=False, capture_output=True,
                          text=True, cwd=cwd, env=env(), timeout=120)


def start(*args, cwd=REPO) -> subprocess.Popen:
    return subprocess.Popen([str(NETSIM), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd, env=env())


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("path, kind, name", [
    ("scenarios/lan_ping.yaml", "scenario", "lan-ping"),
    ("topologies/lan.yaml", "topology", "lan"),
])
def test_check_accepts_shipped_files(path, kind, name):
    proc = netsim("check", path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"{path}: valid {kind} '{name}'\n"


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "out"
    proc = netsim("run", "scenarios/lan_ping.yaml", "--out", out)
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    for name in ("trace.jsonl", "summary.json", "pc1-eth0.pcap", "plots/ladder.png"):
        assert (out / name).is_file(), name
    assert (out / "plots" / "ladder.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["seed"], summary["passed"]) == ("lan-ping", 1, True)
    assert proc.stdout.count("PASS ") == 2 and "FAIL" not in proc.stdout
    assert "3 packets transmitted, 3 received, 0% packet loss" in proc.stdout


def test_seed_option_overrides_the_file(tmp_path):
    out = tmp_path / "out"
    proc = netsim("run", "scenarios/lan_ping.yaml", "--out", out, "--seed", 5, "--no-plots")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["seed"] == 5
    assert proc.stdout.startswith("lan-ping (seed 5, until 5 s)\n")
    assert not (out / "plots").exists()


def test_unmet_expectation_exits_1(tmp_path):
    scenario = tmp_path / "strict.yaml"
    scenario.write_text(f"""\
name: strict
topology: {LAN}
until: 2s
run:
  - {{at: 1s, on: pc1, ping: {{dst: 10.0.0.2, count: 1}}}}
expect:
  - {{app: ping, rtt_max: 1ns}}
""")
    out = tmp_path / "out"
    proc = netsim("run", scenario, "--out", out, "--no-plots")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    no_traceback(proc)
    assert "FAIL" in proc.stdout and "PASS" not in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["passed"] is False
    assert summary["apps"][0]["received"] == 1       # the ping worked; only the bound is unmet


# name → (file text, line, column, field path, words of the message)
BAD_INPUT = {
    "misspelt_key": ("""\
name: misspelt
nodes:
  pc1: {type: host, ip: 10.0.0.1/24, gatway: 10.0.0.254}
""", 3, 38, "nodes.pc1.gatway", "unknown field 'gatway' (did you mean 'gateway'?)"),
    "bad_octet": ("""\
name: bad-ip
nodes:
  pc1:
    type: host
    ip: 192.168.0.256/24
""", 5, 9, "nodes.pc1.ip", "'192.168.0.256/24'"),
    "unknown_node": ("""\
name: unknown-node
nodes:
  pc1: {type: host, ip: 10.0.0.1/24}
  sw: {type: switch}
links:
  - [pc1, sw]
  - [sw, pc9]
""", 7, 10, "links[1].ends[1]", "unknown node 'pc9'"),
    "negative_rate": ("""\
name: negative-rate
nodes:
  pc1: {type: host, ip: 10.0.0.1/24}
  pc2: {type: host, ip: 10.0.0.2/24}
links:
  - {ends: [pc1, pc2], rate: -10Mbps}
""", 6, 30, "links[0].rate", "'-10Mbps'"),
    "missing_topology_file": ("""\
name: missing-topology
topology: no_such_topology.yaml
until: 1s
""", 2, 11, "topology", "'no_such_topology.yaml' not found"),
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """``netsim check`` on each bad file (all at once: they are independent)."""
    folder = tmp_path_factory.mktemp("bad_input")
    procs = {}
    for case, (text, *_rest) in BAD_INPUT.items():
        path = folder / f"{case}.yaml"
        path.write_text(text)
        procs[case] = (path, start("check", path))
    return {case: (path, finish(proc)) for case, (path, proc) in procs.items()}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_exits_2_with_located_error(checked, case):
    _text, line, column, field, words = BAD_INPUT[case]
    path, proc = checked[case]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    no_traceback(proc)
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n"), proc.stderr  # one line
    assert proc.stderr.startswith(f"error: {path}:{line}:{column}: {field}: "), proc.stderr
    assert words in proc.stderr


def test_missing_file_exits_2(tmp_path):
    path = tmp_path / "nowhere.yaml"
    proc = netsim("check", path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert proc.stdout == ""
    assert proc.stderr == f"error: {path}: file not found\n"


# ---- exit statuses a script can tell apart; outputs a run owns -------------------

def run_in_process(capsys, *args) -> tuple[int, str, str]:
    from simulator.cli import main

    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_internal_error_exits_3_with_one_line(monkeypatch, capsys, tmp_path):
    import simulator.scenario.run as run

    def broken(*_args, **_kwargs):
        raise KeyError("sw:p9")

    monkeypatch.setattr(run, "run_scenario", broken)
    status, out, err = run_in_process(capsys, "run", REPO / "scenarios/lan_ping.yaml", "--out", tmp_path)
    assert (status, out) == (3, "")
    assert err == ("netsim: internal error: KeyError: 'sw:p9' (this is a bug; please report it "
                   "with the scenario and this line)\n")


@pytest.mark.parametrize("where, message", [
    ("a_file", "is a file, not a folder"),
    ("a_file/under", "cannot use the folder: Not a directory"),
    ("foreign", "folder is not empty and was not made by netsim; choose an empty or new folder"),
])
def test_bad_out_folder_exits_2(tmp_path, capsys, where, message):
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    (tmp_path / "foreign" / "summary.json").write_text("{}")   # looks like a run; is not one
    out_dir = tmp_path / where
    status, out, err = run_in_process(capsys, "run", REPO / "scenarios/lan_ping.yaml", "--out", out_dir,
                                      "--no-plots")
    assert (status, out, err) == (2, "", f"error: --out {out_dir}: {message}\n")
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


def test_an_unwritable_out_folder_exits_2(tmp_path, capsys, monkeypatch):
    """As a read-only folder fails (tests run as root, which no chmod stops)."""
    import simulator.scenario.run as run

    def read_only(scenario, out_dir, **_options):
        raise PermissionError(13, "Permission denied", str(out_dir / "trace.jsonl"))

    monkeypatch.setattr(run, "run_scenario", read_only)
    status, out, err = run_in_process(capsys, "run", REPO / "scenarios/lan_ping.yaml", "--out", tmp_path)
    assert (status, out) == (2, "")
    assert err == f"error: --out {tmp_path}: cannot write {tmp_path}/trace.jsonl: Permission denied\n"


def test_a_rerun_clears_what_the_earlier_run_wrote(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    text = (REPO / "scenarios/lan_ping.yaml").read_text().replace("../topologies/lan.yaml", str(LAN))
    scenario.write_text(text)
    out_dir = tmp_path / "out"
    assert run_in_process(capsys, "run", scenario, "--out", out_dir, "--no-plots")[0] == 0
    assert (out_dir / "sw-p1.pcap").exists()
    (out_dir / "keep.txt").write_text("a note of mine")
    scenario.write_text(text.replace("capture: [pc1, pc4, sw]", "capture: [pc4]"))
    status, out, _err = run_in_process(capsys, "run", scenario, "--out", out_dir, "--no-plots")
    assert status == 0
    assert out.splitlines()[-1] == (f"outputs in {out_dir}/: capture.pcapng, pc4-eth0.pcap, "
                                    "summary.json, trace.jsonl")
    assert sorted(p.name for p in out_dir.iterdir()) == [
        ".netsim-run", "capture.pcapng", "keep.txt", "pc4-eth0.pcap", "summary.json", "trace.jsonl"]


def test_an_unmarked_folder_of_run_outputs_only_is_taken_as_an_earlier_run(tmp_path, capsys):
    out_dir = tmp_path / "out"
    (out_dir / "plots").mkdir(parents=True)
    for name in ("trace.jsonl", "summary.json", "gone-eth0.pcap", "plots/ladder.png"):
        (out_dir / name).write_text("from an older netsim")
    status, out, _err = run_in_process(capsys, "run", REPO / "scenarios/lan_ping.yaml", "--out", out_dir,
                                       "--no-plots")
    assert status == 0
    assert not (out_dir / "gone-eth0.pcap").exists() and not (out_dir / "plots").exists()
    assert "gone-eth0.pcap" not in out.splitlines()[-1]


def test_a_dots_only_file_name_does_not_write_to_the_parent(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "...yaml"
    scenario.write_text((REPO / "scenarios/lan_ping.yaml").read_text().replace(
        "../topologies/lan.yaml", str(LAN)))
    status, out, _err = run_in_process(capsys, "run", "...yaml", "--no-plots")
    assert status == 0
    assert out.splitlines()[-1].startswith("outputs in out/scenario/: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...yaml", "out"]


def test_names_that_look_like_console_markup_print_as_written(tmp_path, capsys):
    scenario = tmp_path / "markup.yaml"
    scenario.write_text(f"""\
name: "alarm [/] [bold red]now"
topology: {LAN}
until: 2s
run:
  - {{at: 1s, on: pc1, name: "[bold red]alarm", ping: {{dst: 10.0.0.2, count: 1}}}}
expect:
  - {{app: "[bold red]alarm", received: 1}}
""")
    status, out, err = run_in_process(capsys, "run", scenario, "--out", tmp_path / "o", "--no-plots")
    assert (status, err) == (0, "")
    assert out.startswith("alarm [/] [bold red]now (seed 1, until 2 s)\n")
    assert "[bold red]alarm on pc1" in out
    assert "PASS [bold red]alarm received  received 1" in out


def test_readme_quotes_shipped_files_verbatim_and_its_error_example(tmp_path, capsys):
    import re

    readme = (REPO / "README.md").read_text()
    quoted = re.findall(r"```yaml\n# (\S+)\n(.*?)```\n", readme, flags=re.S)
    assert [name for name, _ in quoted] == ["topologies/lan.yaml", "scenarios/lan_ping.yaml"]
    for name, text in quoted:
        assert text == (REPO / name).read_text(), name
    example = re.search(r"\$ cat bad.yaml\n(.*?)\$ \.venv/bin/netsim check bad.yaml\n(.*?)\n```", readme,
                        flags=re.S)
    (tmp_path / "bad.yaml").write_text(example[1])
    status, _out, err = run_in_process(capsys, "check", tmp_path / "bad.yaml")
    assert (status, err) == (2, example[2].replace("bad.yaml", str(tmp_path / "bad.yaml"), 1) + "\n")


@pytest.mark.parametrize("args, line", [
    (["run", "--seed", "abc", "x.yaml"],
     "error: netsim run: argument --seed: invalid int value: 'abc' (see netsim run --help)"),
    (["frob"], "error: netsim: argument command: invalid choice: 'frob' (choose from 'run', 'check', "
               "'test', 'schema', 'sweep', 'plot', 'drill', 'view', 'explain') (see netsim --help)"),
    (["check"], "error: netsim check: the following arguments are required: file (see netsim check --help)"),
])
def test_command_line_mistakes_are_one_line_and_exit_2(args, line):
    proc = netsim(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", line + "\n")
