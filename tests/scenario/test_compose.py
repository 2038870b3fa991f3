"""extends and include: what overrides what, parameters in every file, errors in the
right file, and the copy a campaign's worker gets."""

from pathlib import Path

import pytest

from simulator.campaign.grid import scenario_dict
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_data, load_scenario, load_topology

BASE = """name: base
defaults: {link: {rate: 100Mbps}}
routing: static
nodes:
  sw: {type: switch}
  a: {type: host, ip: 10.9.0.1/24}
  b: {type: host, ip: 10.9.0.2/24}
links: [[a, sw], [b, sw]]
"""
PART = """name: part
params: {addr: 10.9.0.4/24}
nodes:
  c: {type: host, ip: "${addr}"}
links: [[c, sw]]
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "base.yaml").write_text(BASE)
    (tmp_path / "lib" / "part.yaml").write_text(PART)
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "t.yaml"
    path.write_text(text)
    return path


def test_own_keys_override_nodes_are_replaced_links_added(files):
    t = load_topology(write(files, """name: mine
extends: lib/base.yaml
include: lib/part.yaml
defaults: {link: {delay: 2ms}}
nodes:
  b: {type: host, ip: 10.9.0.3/24, mac: 02:00:00:00:00:0b}
  d: {type: host, ip: 10.9.0.5/24}
links: [[d, sw]]
"""))
    assert t.name == "mine" and t.routing == "static"
    assert list(t.nodes) == ["sw", "a", "b", "c", "d"]
    assert str(t.nodes["b"].interfaces["eth0"].ip) == "10.9.0.3/24"    # replaced wholesale
    assert [f"{l.ends[0]}-{l.ends[1]}" for l in t.links] == ["a-sw", "b-sw", "c-sw", "d-sw"]
    assert t.defaults.link.rate is None and t.defaults.link.delay == 2_000_000   # replaced
    assert str(t.nodes["c"].interfaces["eth0"].ip) == "10.9.0.4/24"    # the part's parameter


def test_a_command_line_parameter_reaches_an_included_file(files):
    path = write(files, "name: mine\nextends: lib/base.yaml\ninclude: [lib/part.yaml]\n")
    t = load_topology(path, params={"addr": "10.9.0.77/24"})
    assert str(t.nodes["c"].interfaces["eth0"].ip) == "10.9.0.77/24"


def test_an_error_in_a_node_kept_from_the_base_is_reported_in_the_base(files):
    (files / "lib" / "base.yaml").write_text(BASE.replace("10.9.0.2/24", "10.9.0.2/33"))
    with pytest.raises(ScenarioError) as caught:
        load_topology(write(files, "name: mine\nextends: lib/base.yaml\n"))
    assert (caught.value.file, caught.value.line, caught.value.field) == \
        (str(files / "lib" / "base.yaml"), 7, "nodes.b.ip")


def test_a_scenario_with_an_inline_topology_may_include(files):
    s = load_scenario(write(files, """name: s
topology: {name: t, extends: lib/base.yaml}
until: 1s
run:
  - {at: 0s, on: a, name: p, ping: {dst: 10.9.0.2, count: 1}}
"""))
    assert list(s.topology.nodes) == ["sw", "a", "b"]


def test_a_campaign_worker_finds_the_files(files, monkeypatch, tmp_path_factory):
    (files / "topo.yaml").write_text("name: t\nextends: lib/base.yaml\n")
    path = files / "s.yaml"
    path.write_text("name: s\ntopology: topo.yaml\nuntil: 1s\nrun: []\n")
    data = scenario_dict(path)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert list(load_data(data).topology.nodes) == ["sw", "a", "b"]
