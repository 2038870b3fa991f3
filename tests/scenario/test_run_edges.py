"""Runs that used to crash: expectations on fields an app lacks (now a check error),
L3 switch captures."""

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

TWO_HOSTS = """
name: edges
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
  links: [[a, b]]
until: 3s
run:
  - {at: 0s, on: b, name: sink, udp_sink: {port: 9}}
  - {at: 1s, on: a, name: send, udp_send: {dst: 10.0.0.2, port: 9, count: 2}}
expect:
  - {app: sink, received: 2, intact: 2}
"""


def test_an_expectation_on_a_field_the_app_kind_lacks_is_refused_by_check():
    with pytest.raises(ScenarioError) as info:
        load_text(TWO_HOSTS + "  - {app: send, received: 2}\n")
    assert str(info.value) == ("<string>:15:27: expect[1].received: a udp_send does not report "
                               "received (it can check: errors, output_contains)")


def test_the_sink_reports_what_it_received():
    result = run_scenario(load_text(TWO_HOSTS))
    assert [v.ok for v in result.verdicts] == [True]


CAMPUS = """
name: capture-l3
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.1.0.10/24, gateway: 10.1.0.1}
    core: {type: l3switch, groups: {one: {ip: 10.1.0.1/24, ports: [p1]},
                                    two: {ip: 10.2.0.1/24, ports: [p2]}}}
    b: {type: host, ip: 10.2.0.10/24, gateway: 10.2.0.1}
  links: [[a, "core:p1"], ["core:p2", b]]
until: 2s
run:
  - {at: 1s, on: a, name: p, ping: {dst: 10.2.0.10, count: 1}}
capture: ["core:p2"]
expect:
  - {app: p, loss: 0%}
"""


def test_capture_on_an_l3_switch_port(tmp_path):
    result = run_scenario(load_text(CAMPUS), out_dir=tmp_path, plots=False)
    assert result.passed
    assert (tmp_path / "core-p2.pcap").stat().st_size > 24


def test_ip_timers_come_from_the_yaml():
    from simulator.engine.sim import Simulation
    from simulator.scenario.build import build

    scenario = load_text(TWO_HOSTS.replace(
        "a: {type: host, ip: 10.0.0.1/24}",
        "a: {type: host, ip: 10.0.0.1/24, reassembly_timeout: 5s, pmtu_expiry: 2min}"))
    net = build(scenario.topology, Simulation(1))
    a, b = net.nodes["a"].ip, net.nodes["b"].ip
    assert (a.reassembler.timeout_ns, a.pmtu.expiry_ns) == (5_000_000_000, 120_000_000_000)
    assert (b.reassembler.timeout_ns, b.pmtu.expiry_ns) == (30_000_000_000, 600_000_000_000)


def test_preamble_and_gap_lengthen_every_frame_by_20_bytes():
    from simulator.scenario.load import load_text

    base = """
name: p
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
  links:
    - {ends: [a, b], rate: 10Mbps, delay: 1ms%s}
until: 3s
run:
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.0.2, count: 1}}
expect:
  - {app: p, loss: 0%%}
"""
    plain = run_scenario(load_text(base % "")).apps[0].rtts[1]
    framed = run_scenario(load_text(base % ", preamble: true")).apps[0].rtts[1]
    assert plain == 2 * (51_200 + 81_600) + 4_000_000
    assert framed - plain == 4 * 20 * 800          # four frames, 20 B each, 800 ns a byte
