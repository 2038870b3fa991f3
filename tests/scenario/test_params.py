"""Scenario parameters: params: defaults, ${name} references, -p overrides."""

import textwrap

import pytest

from simulator.cli import main
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_scenario, load_text
from simulator.scenario.params import parse_value

SCENARIO = """\
name: p-${rate}-${df}
params:
  rate: 10Mbps
  count: 2
  df: false
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
  links:
    - ends: [a, b]
      rate: ${rate}
until: 5s
run:
  - {at: 1s, on: a, ping: {dst: 10.0.0.2, count: "${count}", df: "${df}"}}
"""


def load(text=SCENARIO, **params):
    return load_text(textwrap.dedent(text), "s.yaml", params=params)


def error(text=SCENARIO, **params) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(text, **params)
    return info.value


def test_defaults_keep_their_type_and_interpolate_in_strings():
    scenario = load()
    assert scenario.name == "p-10Mbps-false"
    assert scenario.topology.links[0].rate == 10_000_000
    assert scenario.run[0].app.count == 2 and scenario.run[0].app.df is False


def test_overrides_replace_defaults():
    scenario = load(rate="5Mbps", count=7, df=True)
    assert scenario.topology.links[0].rate == 5_000_000
    assert scenario.run[0].app.count == 7 and scenario.run[0].app.df is True
    assert scenario.name == "p-5Mbps-true"


@pytest.mark.parametrize("text, value", [("5Mbps", "5Mbps"), ("0.01", 0.01), ("20", 20),
                                         ("true", True), ("", None), ("'7'", "7")])
def test_cli_values_are_yaml_scalars(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


def test_a_cli_value_must_be_a_scalar():
    with pytest.raises(ScenarioError, match="expected a single value"):
        parse_value("[1, 2]", "-p x")


def test_a_bad_substituted_value_is_reported_at_its_reference():
    err = error(rate="fast")
    assert (err.line, err.column, err.field) == (13, 13, "topology.links[0].rate")
    assert "'fast' is not a rate" in err.message
    err = error(count="many")
    assert (err.line, err.column, err.field) == (16, 50, "run[0].ping.count")


def test_unknown_reference_is_located_with_a_suggestion():
    err = error(SCENARIO.replace("${rate}\n", "${rat}\n"))
    assert (err.line, err.column) == (13, 13)
    assert "unknown parameter 'rat' (did you mean 'rate'?)" in err.message


def test_override_of_an_undeclared_parameter_is_located_at_params():
    err = error(rte="5Mbps")
    assert (err.line, err.column, err.field) == (2, 1, "-p rte")
    assert "no parameter 'rte' is declared (did you mean 'rate'?)" in err.message


def test_a_declared_parameter_nobody_uses_is_an_error():
    err = error(SCENARIO.replace("  df: false\n", "  df: false\n  spare: 1\n"))
    assert (err.line, err.column, err.field) == (6, 3, "params.spare")
    assert "declared but no value uses ${spare}" in err.message


@pytest.mark.parametrize("bad, message, line", [
    ("name: p-${rate", "without its closing '}'", 1),
    ("name: p-${2x}", "a parameter name is letters", 1),
    ("name: p-${rate}\nx${rate}: 1", "not in keys", 2),
])
def test_malformed_references(bad, message, line):
    err = error(SCENARIO.replace("name: p-${rate}-${df}", bad))
    assert message in err.message and err.line == line


def test_escape_and_list_values():
    text = SCENARIO.replace("name: p-${rate}-${df}", "name: cost $${x} ${rate}").replace(
        "  df: false\n", "  df: false\n  capture: [a, b]\n") + "capture: ${capture}\n"
    scenario = load(text)
    assert scenario.name == "cost ${x} 10Mbps"
    assert [str(c.point) for c in scenario.capture] == ["a", "b"]
    err = error(text.replace("name: cost $${x} ${rate}", "name: ${capture}-x"))
    assert "only a whole value can be a list" in err.message


def test_params_must_be_a_mapping_of_names():
    assert "expected a mapping" in error(SCENARIO.replace("params:\n", "params: 3\nx:\n")).message
    err = error(SCENARIO.replace("  count: 2\n", "  count: 2\n  9a: 1\n"))
    assert err.field == "params.9a" and "parameter name" in err.message
    err = error(SCENARIO.replace("  count: 2\n", "  count: ${rate}\n"))
    assert "cannot refer to a parameter" in err.message


def test_topology_file_parameters_and_the_scenarios_values(tmp_path):
    (tmp_path / "t.yaml").write_text(textwrap.dedent("""\
        name: t
        params: {rate: 1Mbps, delay: 3ms}
        nodes:
          a: {type: host, ip: 10.0.0.1/24}
          b: {type: host, ip: 10.0.0.2/24}
        links:
          - ends: [a, b]
            rate: ${rate}
            delay: ${delay}
        """))
    (tmp_path / "s.yaml").write_text(textwrap.dedent("""\
        name: s
        params: {rate: 2Mbps}
        topology: t.yaml
        until: 1s
        """))
    link = load_scenario(tmp_path / "s.yaml").topology.links[0]
    assert (link.rate, link.delay) == (2_000_000, 3_000_000)     # the scenario's value wins
    link = load_scenario(tmp_path / "s.yaml", params={"rate": "4Mbps", "delay": "1ms"}).topology.links[0]
    assert (link.rate, link.delay) == (4_000_000, 1_000_000)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml", params={"rate": "fast"})
    assert (info.value.file, info.value.line) == (str(tmp_path / "t.yaml"), 8)


def test_cli_run_and_check_take_p(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    assert main(["check", str(path), "-p", "rate=5Mbps", "--param", "count=3"]) == 0
    assert "valid scenario 'p-5Mbps-false'" in capsys.readouterr().out
    assert main(["check", str(path), "-p", "rate=5Mbps", "-p", "rate=6Mbps"]) == 2
    assert "-p rate: given twice" in capsys.readouterr().err
    assert main(["check", str(path), "-p", "nope=1"]) == 2
    assert f"{path}:2:1: -p nope: no parameter 'nope'" in capsys.readouterr().err
    assert main(["run", str(path), "-p", "count=1", "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    assert '"transmitted": 1' in (tmp_path / "o" / "summary.json").read_text()
