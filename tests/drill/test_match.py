"""The matcher: sequence/timestamp mapping, field checks in packetdrill's words,
the TSO view, and the sysctl reader."""

from pathlib import Path

from simulator.drill import match, sysctl
from simulator.drill.match import Observed, SeqSpace, can_coalesce, coalesce, compare
from simulator.drill.model import TcpOptionSpec
from simulator.drill.parse import parse_script
from simulator.stack.tcp.config import TcpConfig
from simulator.wire.tcp import (ACK, FIN, PSH, SYN, Mss, Nop, SackPermitted, Timestamps,
                                WindowScale)


def spec(line: str):
    return parse_script("0 " + line, "t.pkt").events[0].action


def seen(flags, seq, length, ack=1, win=100, options=(), time_ns=0):
    return Observed(time_ns, flags, seq, length, ack, win, 0, options)


def test_sequence_space_maps_live_isn_to_script_zero():
    space = SeqSpace()
    space.learn_local_isn(0, 0xFFFFFFF0)
    assert space.local_to_script(0xFFFFFFF0) == 0
    assert space.local_to_script(0x10) == 0x20          # wraps modulo 2^32
    assert space.local_to_live(1001) == (0xFFFFFFF0 + 1001) % (1 << 32)


def test_timestamps_map_exact_then_interpolate():
    space = SeqSpace()
    assert space.ecr_to_live(700) == 700                 # nothing seen yet: as written
    assert space.observe_ts(100, 5000) == 100
    assert space.observe_ts(200, 5150) == 250            # script space: base + live delta
    assert space.ecr_to_live(200) == 5150                # an exact outbound TSval
    assert space.ecr_to_live(130) == 5030                # else interpolated from the base


def test_match_and_each_field_mismatch():
    want = spec("> P. 1:1001(1000) ack 1 win 257")
    assert compare(want, seen(PSH | ACK, 1, 1000, win=257)) is None
    assert compare(want, seen(ACK, 1, 1000, win=257)) == (
        "live packet field tcp_psh: expected: 1 (0x1) vs actual: 0 (0x0)")
    assert compare(want, seen(PSH | ACK, 1, 1000, ack=5, win=257)) == (
        "live packet field tcp_ack_seq: expected: 1 (0x1) vs actual: 5 (0x5)")
    assert compare(want, seen(PSH | ACK, 1, 1000, win=256)) == (
        "live packet field tcp_window: expected: 257 (0x101) vs actual: 256 (0x100)")
    assert compare(want, seen(PSH | ACK, 1, 500)) == (
        "live packet payload: expected 1000 bytes vs actual 500 bytes")
    assert compare(spec("> . 1001:1001(0) ack 1"), seen(ACK, 1, 0)) == (
        "live packet field tcp_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)")


def test_ip_ecn_checked_when_written():
    assert compare(spec("> [ect0] . 1:1(0) ack 1"), seen(ACK, 1, 0)) == (
        "live packet field ip_ecn: expected: 2 (0x2) vs actual: 0 (0x0)")
    assert compare(spec("> [ect01] . 1:1(0) ack 1"), seen(ACK, 1, 0)) == (
        "live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x0")
    assert compare(spec("> . 1:1(0) ack 1"), seen(ACK, 1, 0)) is None


def test_window_unchecked_when_not_written():
    assert compare(spec("> . 1:1(0) ack 1"), seen(ACK, 1, 0, win=12345)) is None


def test_options_in_order_and_any():
    syn = spec("> S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>")
    good = match.wire_options_to_specs(
        [Mss(1460), SackPermitted(), Timestamps(999, 0), Nop(), WindowScale(8)])
    assert compare(syn, seen(SYN, 0, 0, ack=0, options=good)) is None   # TSval not checked
    swapped = good[1:2] + good[0:1] + good[2:]
    assert compare(syn, seen(SYN, 0, 0, ack=0, options=swapped)).startswith(
        "bad outbound TCP options: expected <mss 1460,sackOK,")
    wrong = good[:4] + (TcpOptionSpec("wscale", (7,)),)
    assert compare(syn, seen(SYN, 0, 0, ack=0, options=wrong)) == (
        "bad value in outbound TCP option (wscale): expected: wscale 8 actual: wscale 7")
    assert compare(spec("> S 0:0(0) <...>"), seen(SYN, 0, 0, ack=0, options=wrong)) is None
    assert compare(spec("> S 0:0(0)"), seen(SYN, 0, 0, ack=0, options=good)).startswith(
        "bad outbound TCP options: expected <> vs actual <mss 1460")


def test_ts_value_checked_with_tick():
    want = spec("> . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 7>")
    got = seen(ACK, 1, 0, options=(TcpOptionSpec("nop"), TcpOptionSpec("nop"),
                                   TcpOptionSpec("TS", (110, 7))))
    assert compare(want, got) is None
    assert compare(want, got, ts_tolerance=(1000, 20000)) is None          # 10 ms off
    assert compare(want, got, ts_tolerance=(1000, 4000)) == (
        "bad outbound TCP timestamp value, tolerance 4000")


def test_tso_burst_coalesces_into_one_expected_segment():
    parts = [seen(ACK, 1 + i * 1460, 1460, time_ns=i * 121) for i in range(3)]
    parts[-1] = seen(ACK | PSH, 2921, 1000, time_ns=242)
    assert can_coalesce(parts[0], parts[0], parts[1])
    assert can_coalesce(parts[0], parts[1], parts[2])
    whole = coalesce(parts)
    assert compare(spec("> P. 1:3921(3920) ack 1"), whole) is None


def test_tso_burst_rules():
    first = seen(ACK, 1, 1460)
    assert not can_coalesce(first, first, seen(ACK, 2000, 1460))             # a gap
    assert not can_coalesce(first, first, seen(ACK, 1461, 1460, ack=9))      # another ACK
    assert not can_coalesce(first, first, seen(ACK, 1461, 0))                # no data
    assert not can_coalesce(first, first, seen(ACK, 1461, 1460, time_ns=200_000))  # later
    fin = seen(ACK | FIN, 1, 1460)
    assert not can_coalesce(fin, fin, seen(ACK, 1461, 1460))                 # after a FIN
    short = seen(ACK, 1461, 700)
    assert not can_coalesce(first, short, seen(ACK, 2161, 700))              # uneven pieces


def test_sysctl_lines_map_onto_knobs_and_warn_for_the_rest(tmp_path):
    result = sysctl.SysctlResult()
    sysctl.read_commands('sysctl -q net.ipv4.tcp_sack=0 net.ipv4.tcp_timestamps=0; '
                         'sysctl -w net.ipv4.tcp_rmem="4096 87380 $((6*1024*1024))" && '
                         'sysctl -q net.ipv4.tcp_congestion_control=reno\n'
                         'echo 3 > /proc/sys/net/ipv4/tcp_syn_retries\n'
                         'set_sysctls.py /proc/sys/net/ipv4/tcp_slow_start_after_idle=1 '
                         '/proc/sys/net/ipv4/tcp_mtu_probing=1\n'
                         'ip tcp_metrics flush all > /dev/null 2>&1', tmp_path, result)
    assert result.knobs == {"sack": False, "timestamps": False, "rmem": 87380,
                            "rcv_wscale": 7, "cc": "newreno", "syn_retries": 3,
                            "slow_start_after_idle": True}
    assert result.warnings == ["ignored sysctl (not modelled): net.ipv4.tcp_mtu_probing=1"]
    assert result.metrics_flushes == 1          # forgets the Fast Open cookies
    config = result.apply(TcpConfig.profile("linux"))
    assert (config.sack, config.rcv_wscale, config.cc) == (False, 7, "newreno")


def test_rack_and_tlp_sysctls():
    result = sysctl.SysctlResult()
    sysctl.read_commands("sysctl -q net.ipv4.tcp_recovery=0 net.ipv4.tcp_early_retrans=2",
                         Path("."), result)
    assert result.knobs == {"rack": False, "tlp": False}
    result = sysctl.SysctlResult()
    sysctl.read_commands("sysctl -q net.ipv4.tcp_recovery=5 net.ipv4.tcp_early_retrans=3",
                         Path("."), result)
    assert result.knobs == {"rack": True, "tlp": True}


def test_defaults_file_is_a_linux_test_box_and_scripts_can_source_it(tmp_path):
    knobs = sysctl.defaults().knobs
    assert knobs["rcv_wscale"] == 8 and knobs["rmem"] == 540000 and knobs["wmem"] == 262144
    assert knobs["rack"] is True and knobs["tlp"] is True    # tcp_recovery=1, early_retrans=4
    assert sysctl.defaults().warnings == [      # F-RTO is not modelled
        "ignored sysctl (not modelled): net.ipv4.tcp_frto=2"]
    result = sysctl.SysctlResult()
    sysctl.read_commands("../common/defaults.sh", tmp_path, result)     # absent: built-in
    assert result.knobs == knobs
    (tmp_path / "mine.sh").write_text("sysctl -q net.ipv4.tcp_sack=0\n")
    result = sysctl.SysctlResult()
    sysctl.read_commands("./mine.sh", tmp_path, result)
    assert result.knobs == {"sack": False}


def test_bad_sysctl_values_warn():
    result = sysctl.SysctlResult()
    sysctl.read_commands("sysctl -q net.ipv4.tcp_congestion_control=bbr "
                         "net.ipv4.tcp_rmem=1", ".", result)
    assert result.knobs == {}
    assert result.warnings == [
        "ignored sysctl net.ipv4.tcp_congestion_control=bbr: congestion control 'bbr' is "
        "not modelled (reno, cubic)",
        "ignored sysctl net.ipv4.tcp_rmem=1: expected 'min default max', got '1'"]
