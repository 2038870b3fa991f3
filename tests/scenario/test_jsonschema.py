"""`netsim schema` output validates every shipped YAML file (with the jsonschema package,
reading the YAML as netsim does) and rejects malformed ones."""

import json
from pathlib import Path

import jsonschema
import pytest

from simulator.cli import main
from simulator.scenario.jsonschema import json_schema
from simulator.scenario.yamlpos import load_yaml, load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [("scenario", p) for p in sorted((ROOT / "scenarios").rglob("*.yaml"))] + \
          [("topology", p) for p in sorted((ROOT / "topologies").rglob("*.yaml"))]


def validator(kind):
    schema = json_schema(kind)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("kind,path", SHIPPED, ids=[p.name for _, p in SHIPPED])
def test_shipped_files_validate(kind, path):
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator(kind).iter_errors(load_yaml_file(path).data)]
    assert errors == []


def test_shorthands_and_units_validate():
    text = """
name: t
defaults: {link: {rate: 10Mbps, delay: 0, queue: 64KiB, loss: 5%}}
nodes:
  pc1: {type: host, ip: 10.0.0.1/24, mac: 02:00:00:00:00:01}
  r1: {type: router, interfaces: {e0: 10.0.0.254/24, e1: {ip: 10.1.0.1/255.255.255.0}},
       routes: [{to: default, via: 10.1.0.2}]}
links: [[pc1, r1:e0], {ends: [r1:e1, pc1], queue: 100, jitter: 1.5us}]
"""
    assert list(validator("topology").iter_errors(load_yaml(text).data)) == []


@pytest.mark.parametrize("text,where", [
    ("name: t\nnodes: {pc1: {type: host, ip: 10.0.0.1/24, gatway: 10.0.0.254}}\n", "gatway"),
    ("name: t\nnodes: {pc1: {type: laptop}}\n", "laptop"),
    ("name: t\nnodes: {pc1: {type: host}}\nlinks: [{ends: [pc1], rate: 10}]\n", "rate"),
    ("name: t\nnodes: {pc1: {type: host, ip: 10.0.0.1}}\n", "ip"),
    ("name: t\nnodes: {sw: {type: switch, aging: 5 parsecs}}\n", "aging"),
    ("name: t\nnodes: {pc1: {type: host}}\nlinks: [[pc1, sw, hub]]\n", "links"),
    ("nodes: {pc1: {type: hub}}\n", "name"),
])
def test_malformed_topologies_are_rejected(text, where):
    errors = list(validator("topology").iter_errors(load_yaml(text).data))
    assert errors, text
    assert any(where in str(list(e.absolute_path)) + e.message for e in errors
               for e in [e, *e.context])


def test_scenario_topology_is_a_path_or_a_mapping():
    check = validator("scenario")
    base = "name: s\n"
    assert list(check.iter_errors(load_yaml(base + "topology: lan.yaml\nuntil: 1s\n").data)) == []
    assert list(check.iter_errors(load_yaml(base + "topology: 7\nuntil: 1s\n").data))
    assert list(check.iter_errors(load_yaml(base + "topology: lan.yaml\nuntil: 1s\ntrace: off\n"
                                            "run: [{at: 1s, on: a, ping: {dst: 10.0.0.1}}]\n").data)) == []
    assert list(check.iter_errors(load_yaml(base + "topology: lan.yaml\nuntil: 5 seconds\n").data))


def test_parameters_and_references_validate():
    text = """
name: q-${queue}
params: {queue: 10, rate: 1Mbps}
topology:
  name: t
  nodes: {a: {type: host, ip: 10.0.0.1/24}}
  links: [{ends: [a, a], rate: "${rate}", queue: "${queue}"}]
until: 1s
"""
    check = validator("scenario")
    assert list(check.iter_errors(load_yaml(text).data)) == []
    assert list(check.iter_errors(load_yaml(text.replace("${rate}", "rate")).data))
    assert list(check.iter_errors(load_yaml(text.replace("{queue: 10,", "{queue: [10],")).data))


def test_defaults_are_written_as_yaml_values():
    delay = json_schema("topology")["$defs"]["SwitchSpec"]["properties"]["aging"]
    assert delay["default"] == "300s"


def test_cli_writes_the_schema(tmp_path, capsys):
    assert main(["schema", "scenario"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema("scenario")
    assert main(["schema", "topology", "--out", str(tmp_path / "t.json")]) == 0
    assert json.loads((tmp_path / "t.json").read_text())["$id"] == "netsim-topology.schema.json"
    assert main(["schema", "topology", "--out", str(tmp_path / "no" / "t.json")]) == 2
