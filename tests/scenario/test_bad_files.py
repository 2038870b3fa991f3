"""Files no corpus entry can hold: devices, FIFOs, huge or deeply nested documents,
and the honest large scenario the alias guard must let through."""

import os

import pytest

from simulator.cli import main
from simulator.scenario import yamlpos
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_any, load_text

TOPOLOGY = """\
name: t
nodes:
  a: {type: host, ip: 10.0.0.1/24}
  b: {type: host, ip: 10.0.0.2/24}
links: [[a, b]]
"""


def error_of(load, *args) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(*args)
    return info.value


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "topology.yaml"
    os.mkfifo(fifo)  # opening it would block until a writer came
    assert str(error_of(load_any, fifo)) == f"{fifo}: not a regular file (a device, FIFO or socket?)"


def test_dev_zero_is_refused_as_a_file_and_as_a_topology(tmp_path, capsys):
    assert main(["check", "/dev/zero"]) == 2
    assert capsys.readouterr().err == "error: /dev/zero: not a regular file (a device, FIFO or socket?)\n"
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\ntopology: /dev/zero\nuntil: 1s\n")
    assert str(error_of(load_any, scenario)) == (
        f"{scenario}:2:11: topology: topology file '/dev/zero' is not a regular file "
        "(looked for /dev/zero)")


def test_a_file_over_16_mib_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate((16 << 20) + 1)  # sparse: nothing is written
    assert str(error_of(load_any, big)) == f"{big}: file too large (more than 16 MiB)"


def test_a_directory_and_a_symlink_loop(tmp_path):
    assert str(error_of(load_any, tmp_path)) == f"{tmp_path}: is a directory, not a YAML file"
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    assert str(error_of(load_any, loop)) == f"{loop}: cannot read file: Too many levels of symbolic links"


@pytest.mark.parametrize("text, line, column", [
    ("x:\n" + "".join("  " * i + "-\n" for i in range(5000)), 101, 199),        # block lists
    ("".join(" " * i + f"k{i}:\n" for i in range(5000)), 100, 100),               # block mappings
    ("x: " + "{a: " * 5000 + "1" + "}" * 5000, 1, 397),                            # flow mappings
])
def test_5000_deep_nesting_is_located(text, line, column):
    err = error_of(load_text, text)
    assert (err.line, err.column, err.message) == (line, column, "invalid YAML: nested more than 100 levels deep")


def test_nesting_built_from_aliases_is_located():
    text = "a0: &a0 " + "[" * 90 + "x" + "]" * 90 + "\n" + "".join(
        f"a{i}: &a{i} " + "[" * 90 + f"*a{i - 1}" + "]" * 90 + "\n" for i in range(1, 3))
    err = error_of(load_text, text)
    assert (err.line, err.column) == (1, 19)
    assert err.message == "nested more than 100 levels deep (through aliases)"


def test_30000_actions_are_a_scenario_not_an_alias_bomb():
    run = "".join(f"  - {{at: {i}ms, on: a, udp_sink: {{port: {1 + i}}}}}\n" for i in range(30000))
    scenario = load_text("name: big\nuntil: 100s\ntopology:\n" +
                         "".join("  " + line + "\n" for line in TOPOLOGY.splitlines()) + "run:\n" + run)
    assert len(scenario.run) == 30000 and scenario.run[-1].app.port == 30000


def test_the_pure_python_parser_locates_errors_too(monkeypatch):
    """For a PyYAML built without libyaml."""
    monkeypatch.setattr(yamlpos, "_Events", yamlpos._PyEvents)
    err = error_of(load_text, TOPOLOGY.replace("10.0.0.2/24", "10.0.0.2/33"))
    assert (err.line, err.column, err.field) == (4, 23, "nodes.b.ip")
    err = error_of(load_text, "x: " + "[" * 200 + "]" * 200)
    assert (err.line, err.column, err.message) == (1, 103, "invalid YAML: nested more than 100 levels deep")
    err = error_of(load_text, TOPOLOGY.replace("name: t", 'name: "t\\ud800"'))  # a lone surrogate
    assert str(err) == ("<string>:1:7: name: 't\\ud800' has a control character or line break "
                        "(one printable line)")


def test_a_long_run_of_blanks_in_a_unit_string_is_refused_at_once():
    """The unit pattern cannot backtrack: 100,000 blanks before a stray word return
    straight away (the old pattern took quadratic time on them)."""
    from simulator.engine.units import UnitError, parse_rate

    with pytest.raises(UnitError) as info:
        parse_rate("1" + " \t" * 50_000 + "Mbps x")
    assert str(info.value).endswith("is not a rate: expected a number followed by a unit, like '100Mbps'")
