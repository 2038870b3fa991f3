"""`netsim check` refuses a switched loop unless a switch on it runs STP."""

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text

TRIANGLE = """\
name: tri
nodes:
  a: {{type: host, ip: 10.0.0.1/24}}
  s1: {{type: switch{stp}}}
  s2: {{type: switch}}
  s3: {{type: switch}}
links:
  - [a, s1]
  - [s1, s2]
  - [s2, s3]
  - [s3, s1]
"""


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as error:
        load_text(text)
    return error.value


def test_a_triangle_of_switches_is_named_at_the_link_closing_it():
    error = error_of(TRIANGLE.format(stp=""))
    assert (error.line, error.field) == (11, "links[3]")
    assert error.message == ("switched loop s1 - s2 - s3 - s1 (links[1], links[2], links[3]): "
                             "every broadcast would circle it forever; set stp: true on s1 or "
                             "s2 or s3, or remove a link")


def test_one_stp_switch_on_the_loop_is_enough():
    topology = load_text(TRIANGLE.format(stp=", stp: true"))
    assert topology.nodes["s1"].stp and not topology.nodes["s2"].stp


def test_two_hubs_joined_twice_are_a_loop():
    error = error_of("""\
name: hubs
nodes:
  h1: {type: hub}
  h2: {type: hub}
links:
  - [h1, h2]
  - [h2, h1]
""")
    assert error.field == "links[1]"
    assert error.message.startswith("switched loop h1 - h2 - h1 (links[0], links[1])")
    assert error.message.endswith("remove a link, or put an STP switch (stp: true) in it")


def test_a_loop_through_two_ports_of_one_l3switch_group():
    error = error_of("""\
name: l3
nodes:
  core: {type: l3switch, groups: {lan: {ip: 10.0.0.1/24, ports: [p1, p2]},
                                  wan: {ip: 10.9.0.1/24, ports: [p3]}}}
  sw: {type: switch}
links:
  - ["core:p1", sw]
  - [sw, "core:p2"]
""")
    assert "switched loop" in error.message and "core[lan]" in error.message


def test_routers_break_l2_loops_and_groups_are_separate_segments():
    load_text("""\
name: routed
nodes:
  core: {type: l3switch, groups: {one: {ip: 10.0.0.1/24, ports: [p1]},
                                  two: {ip: 10.9.0.1/24, ports: [p2]}}}
  sw: {type: switch}
links:
  - ["core:p1", sw]
  - [sw, "core:p2"]
""")


def test_the_priority_is_a_multiple_of_4096():
    error = error_of(TRIANGLE.format(stp=", stp: true, priority: 1000"))
    assert error.field == "nodes.s1.priority" and "4096" in error.message
