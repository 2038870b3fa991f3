"""The YAML of TCP settings (`tcp:` on a node), the traffic apps and their expectations."""

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.transport import TcpSpec
from simulator.stack.tcp.config import TcpConfig

MS, S = 1_000_000, 1_000_000_000


def scenario(nodes_extra: str = "", run: str = "", expect: str = "  - {app: sink, connected: true}"):
    return f"""\
name: t
topology:
  name: two
  nodes:
    a: {{type: host, ip: 10.0.0.1/24{nodes_extra}}}
    b: {{type: host, ip: 10.0.0.2/24}}
  links: [[a, b]]
until: 1s
run:
  - {{at: 0s, on: b, name: sink, bulk_sink: {{}}}}
{run}
expect:
{expect}
"""


def error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_text(text)
    return info.value


def test_every_tcp_config_knob_has_a_yaml_field():
    assert set(TcpSpec.model_fields) - {"profile"} == set(TcpConfig.knobs())


def test_a_node_without_tcp_settings_gets_the_linux_profile():
    s = load_text(scenario())
    assert s.topology.nodes["a"].tcp.config() == TcpConfig.profile("linux")


def test_profile_then_knobs_with_units():
    s = load_text(scenario(", tcp: {profile: rfc, min_rto: 300ms, rmem: 4MiB, cc: cubic, sack: false}"))
    config = s.topology.nodes["a"].tcp.config()
    assert config == TcpConfig.profile("rfc", min_rto=300 * MS, rmem=4 << 20, cc="cubic",
                                       sack=False)
    assert config.delayed_ack == 200 * MS          # the rfc profile's, not overridden


@pytest.mark.parametrize("tcp, field, message", [
    ("{min_rot: 1s}", "min_rot", "unknown field 'min_rot' (did you mean 'min_rto'?)"),
    ("{profile: bsd}", "profile", "must be 'linux', 'rfc' or 'ns3', got 'bsd'"),
    ("{cc: vegas}", "cc", "must be 'reno', 'newreno' or 'cubic', got 'vegas'"),
    ("{min_rto: 2s, max_rto: 1s}", None, "min_rto is above max_rto"),
    ("{min_rto: 200}", "min_rto",
     "'200' is not a time: missing unit (use ns, us, ms, s, min, h, d, e.g. '2ms')"),
])
def test_bad_tcp_settings_are_located(tcp, field, message):
    err = error(scenario(f", tcp: {tcp}"))
    assert (err.line, err.field, err.message) == (
        5, "topology.nodes.a.tcp" + (f".{field}" if field else ""), message)


def test_bulk_send_defaults_to_ten_seconds_and_takes_bytes_or_duration():
    s = load_text(scenario(run="  - {at: 0s, on: a, bulk_send: {dst: 10.0.0.2}}"))
    spec = s.run[1].app
    assert (spec.duration, spec.bytes, spec.port, spec.interval) == (10 * S, None, 5201, S)
    s = load_text(scenario(run="  - {at: 0s, on: a, bulk_send: {dst: 10.0.0.2, bytes: 1MiB, cc: reno}}"))
    assert (s.run[1].app.bytes, s.run[1].app.duration, s.run[1].app.cc) == (1 << 20, None, "reno")


@pytest.mark.parametrize("app, field, value", [
    ("udp_send: {dst: 10.0.0.2, port: 9, size: 0B}", "size", 0),
    ("udp_send: {dst: 10.0.0.2, port: 9, size: 65507B}", "size", 65507),
    ("udp_echo: {dst: 10.0.0.2, size: 1024B}", "size", 1024),
    ("udp_cbr: {dst: 10.0.0.2, rate: 2Mbps}", "rate", 2_000_000),
    ("reqresp: {dst: 10.0.0.2, requests: 3, request: 200B, response: 10KB}", "response", 10_000),
    ("tcp_echo: {dst: 10.0.0.2, nodelay: true}", "nodelay", True),
])
def test_app_sizes_are_payload_bytes(app, field, value):
    s = load_text(scenario(run=f"  - {{at: 0s, on: a, {app}}}"))
    assert getattr(s.run[1].app, field) == value


@pytest.mark.parametrize("app, field, message", [
    ("udp_send: {dst: 10.0.0.2, port: 9, size: 65508B}", "udp_send.size",
     "must be at most 65507, got '65508B'"),
    ("udp_echo: {dst: 10.0.0.2, size: 3B}", "udp_echo.size", "must be at least 4, got '3B'"),
    ("udp_cbr: {dst: 10.0.0.2, size: 15B}", "udp_cbr.size", "must be at least 16, got '15B'"),
    ("reqresp: {dst: 10.0.0.2, request: 7B}", "reqresp.request", "must be at least 8, got '7B'"),
    ("bulk_send: {dst: 10.0.0.2, cc: bbr}", "bulk_send.cc",
     "must be 'reno', 'newreno' or 'cubic', got 'bbr'"),
    ("bulk_send: {dst: 10.0.0.2, bytes: 1MB, duration: 1s}", "bulk_send",
     "give 'bytes' or 'duration', not both"),
])
def test_bad_app_values(app, field, message):
    err = error(scenario(run=f"  - {{at: 0s, on: a, {app}}}"))
    assert (err.line, err.field, err.message) == (11, f"run[1].{field}", message)


def test_tcp_expectations_parse_with_units():
    s = load_text(scenario(run="  - {at: 0s, on: b, name: cbr, udp_cbr_sink: {}}",
                           expect="  - {app: sink, goodput_min: 9.5Mbps, bytes_received: 10KB, "
                                  "retransmits_max: 0, tcp_state: TIME-WAIT}\n"
                                  "  - {app: cbr, jitter_max: 1ms}"))
    e, cbr = s.expect
    assert (e.goodput_min, e.bytes_received, e.retransmits_max, e.tcp_state, cbr.jitter_max) == (
        9_500_000, 10_000, 0, "TIME-WAIT", MS)


def test_a_state_that_tcp_does_not_have():
    err = error(scenario(expect="  - {app: sink, tcp_state: TIMEWAIT}"))
    assert err.field == "expect[0].tcp_state"
    assert err.message.endswith("'LAST-ACK' or 'TIME-WAIT', got 'TIMEWAIT'")


def test_keepalive_socket_option_sets_the_keepalive_options():
    from simulator.apps.sockopts import options
    from simulator.stack.sockets import SO_KEEPALIVE, TCP_KEEPCNT, TCP_KEEPIDLE
    s = load_text(scenario(run="  - {at: 0s, on: a, tcp_echo: {dst: 10.0.0.2, "
                               "keepalive: {idle: 1min, count: 3}}}"))
    assert options(s.run[1].app) == {SO_KEEPALIVE: True, TCP_KEEPIDLE: 60, TCP_KEEPCNT: 3}
    s = load_text(scenario(run="  - {at: 0s, on: a, tcp_echo: {dst: 10.0.0.2, keepalive: {}}}"))
    assert options(s.run[1].app) == {SO_KEEPALIVE: True}


def test_keepalive_times_are_whole_seconds():
    err = error(scenario(run="  - {at: 0s, on: a, tcp_echo: {dst: 10.0.0.2, "
                             "keepalive: {idle: 1500ms}}}"))
    assert (err.line, err.field) == (11, "run[1].tcp_echo.keepalive.idle")
    assert "whole seconds" in err.message
