"""Every script under tests/drill/ (but pending/) passes with exact timing, and
the harness itself reports what packetdrill would: scripts that must fail,
with their first mismatch."""

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.drill.parse import parse_file, parse_script
from simulator.drill.runner import Options, run_script

HERE = Path(__file__).parent
SCRIPTS = sorted(p for p in HERE.glob("*/*.pkt") if p.parent.name != "pending")
EXACT = Options(tolerance_usecs=0, tolerance_percent=0)


def test_there_are_at_least_forty_scripts():
    assert len(SCRIPTS) >= 40, len(SCRIPTS)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_passes(path):
    result = run_script(parse_file(path), EXACT)
    assert result.passed, result.error


# --- the harness must catch what is wrong ------------------------------------

HANDSHAKE = """\
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>
+0    > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.1   < . 1:1(0) ack 1 win 1024
+0    accept(3, ..., ...) = 4
"""


def outcome(tail: str, options: Options = EXACT):
    return run_script(parse_script(HANDSHAKE + tail, "t.pkt"), options)


def first_error(tail: str, options: Options = EXACT) -> str:
    result = outcome(tail, options)
    assert not result.passed
    return result.error


def test_handshake_alone_passes():
    assert outcome("").passed


def test_wrong_sequence_number_is_reported_with_both_packets():
    error = first_error("+0 write(4, ..., 1000) = 1000\n+0 > P. 2:1002(1000) ack 1\n")
    lines = error.splitlines()
    assert lines[:2] == [
        "t.pkt:9: error handling packet: live packet field tcp_seq: expected: 2 (0x2) vs "
        "actual: 1 (0x1)",
        "script packet:  0.100000 P. 2:1002(1000) ack 1"]
    assert lines[2].startswith("actual packet:  0.100000 P. 1:1001(1000) ack 1 win ")


def test_wrong_flags_and_ack():
    assert "tcp_psh: expected: 0 (0x0) vs actual: 1 (0x1)" in first_error(
        "+0 write(4, ..., 1000) = 1000\n+0 > . 1:1001(1000) ack 1\n")
    assert "tcp_ack_seq: expected: 5 (0x5) vs actual: 1 (0x1)" in first_error(
        "+0 write(4, ..., 1000) = 1000\n+0 > P. 1:1001(1000) ack 5\n")


def test_wrong_options():
    error = run_script(parse_script(HANDSHAKE.replace("wscale 8>", "wscale 7>"), "t.pkt"),
                       EXACT).error
    assert error.startswith("t.pkt:5: error handling packet: bad value in outbound TCP option "
                            "(wscale): expected: wscale 7 actual: wscale 8")


def test_packet_at_the_wrong_time():
    error = first_error("+0 write(4, ..., 1000) = 1000\n+.2 > P. 1:1001(1000) ack 1\n")
    assert error.splitlines()[0] == (
        "t.pkt:9: error handling packet: timing error: expected outbound packet at 0.300000 "
        "sec but happened at 0.100000 sec; tolerance 0.000000 sec")
    # packetdrill's default tolerance: 4 ms, or 12.5% of the time since the last event
    assert outcome("+0 write(4, ..., 1000) = 1000\n+.003 > P. 1:1001(1000) ack 1\n",
                   Options()).passed


def test_star_and_range_times():
    assert outcome("+0 write(4, ..., 1000) = 1000\n* > P. 1:1001(1000) ack 1\n").passed
    assert outcome("+0 write(4, ..., 1000) = 1000\n+0~+.1 > P. 1:1001(1000) ack 1\n").passed
    assert first_error("+0 write(4, ..., 1000) = 1000\n+.05~+.2 > P. 1:1001(1000) ack 1\n"
                       ).splitlines()[0] == (
        "t.pkt:9: error handling packet: timing error: expected outbound packet in time "
        "range 0.150000~0.300000 sec but happened at 0.100000 sec")


def test_missing_packet_times_out():
    error = first_error("+0 > . 1:1(0) ack 1\n")
    assert error.splitlines()[0] == "t.pkt:8: error handling packet: Timed out waiting for packet"


def test_tso_view_coalesces_a_burst():
    assert outcome("+0 write(4, ..., 4380) = 4380\n+0 > P. 1:4381(4380) ack 1\n").passed
    assert "live packet payload: expected 4000 bytes vs actual 4380 bytes" in first_error(
        "+0 write(4, ..., 4380) = 4380\n+0 > P. 1:4001(4000) ack 1\n")
    strict = run_script(parse_script("--strict_segments\n" + HANDSHAKE + "+0 write(4, ..., 4380) = "
                                     "4380\n+0 > P. 1:4381(4380) ack 1\n", "t.pkt"), EXACT)
    assert "live packet payload: expected 4380 bytes vs actual 1460 bytes" in strict.error


def test_wrong_return_value_and_errno():
    assert first_error("+0 write(4, ..., 1000) = 999\n") == (
        "t.pkt:8: runtime error in write call: Expected result 999 but got 1000")
    assert first_error("+0 write(9, ..., 1000) = 1000\n") == (
        "t.pkt:8: runtime error in write call: Expected result 1000 but got -1 with errno "
        "EBADF (Bad file descriptor)")
    assert first_error("+0 close(9) = -1 ECONNRESET (Connection reset by peer)\n") == (
        "t.pkt:8: runtime error in close call: Expected errno ECONNRESET but got EBADF "
        "(Bad file descriptor)")


def test_blocking_call_semantics():
    assert first_error("+0 read(4, ..., 1000) = 1000\n").startswith(
        "t.pkt:8: runtime error in read call: the call blocked at 0.100000 sec")
    assert outcome("+0...0.1 read(4, ..., 1000) = 1000\n+.1 < P. 1:1001(1000) ack 1 win 1024\n"
                   ).passed
    assert first_error("+0...0.3 read(4, ..., 1000) = 1000\n"
                       "+.1 < P. 1:1001(1000) ack 1 win 1024\n+.5 close(4) = 0\n") == (
        "t.pkt:8: timing error: expected system call return at 0.400000 sec but happened at "
        "0.200000 sec; tolerance 0.000000 sec")
    assert first_error("+0...0.1 read(4, ..., 1000) = 1000\n").endswith(
        "runtime error: exiting while a blocking system call is in progress")


def test_code_blocks():
    assert first_error("+0 %{ assert tcpi_snd_cwnd == 11 }%\n") == (
        "t.pkt:8: assertion failed: tcpi_snd_cwnd == 11 (tcpi_snd_cwnd = 10)")
    result = outcome("+0 %{ print(tcpi_snd_cwnd, tcpi_state == TCP_ESTABLISHED) }%\n")
    assert result.passed and result.output == ["10 True"]
    result = outcome("+0 %{ import os }%\n")
    assert result.unsupported and "unsupported python construct: Import" in result.error
    result = outcome("+0 %{ assert tcpi_no_such_field == 1 }%\n")
    assert result.unsupported and "unsupported tcp_info field: tcpi_no_such_field" in result.error


def test_unsupported_constructs_are_reported_not_crashed():
    result = outcome("+0 epoll_create(1) = 5\n")
    assert result.unsupported
    assert result.error == "t.pkt:8: unsupported: epoll_create: system call epoll_create()"
    result = outcome("+0 setsockopt(4, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0\n")
    assert result.unsupported and "socket option SO_ZEROCOPY" in result.error
    result = outcome("+0 < . 1:1(0) ack 1 win 1024 <md5 00ff>\n")
    assert result.unsupported and "TCP option md5" in result.error


def test_sysctls_change_the_host():
    script = "`sysctl -q net.ipv4.tcp_sack=0 net.ipv4.tcp_timestamps=0`\n" + \
             "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" + \
             "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n" + \
             "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n" + \
             "+0 > S 0:0(0) <mss 1460,nop,wscale 8>\n" + \
             "+0 `sysctl -q net.ipv4.tcp_mtu_probing=1; sysctl -q net.ipv4.tcp_sack=1`\n" + \
             "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n" + \
             "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n" + \
             "+0 connect(4, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n" + \
             "+0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 8>\n"
    result = run_script(parse_script(script, "t.pkt"), EXACT)
    assert result.passed, result.error
    assert result.warnings == ["ignored sysctl (not modelled): net.ipv4.tcp_mtu_probing=1"]


def test_first_event_must_be_at_zero():
    result = run_script(parse_script("1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", "t.pkt"))
    assert result.error == "t.pkt:1: first event should be at time 0"


def test_cli_exit_status_and_summary(tmp_path, capsys):
    good = tmp_path / "good.pkt"
    good.write_text(HANDSHAKE)
    bad = tmp_path / "bad.pkt"
    bad.write_text(HANDSHAKE + "+0 > . 1:1(0) ack 1\n")
    broken = tmp_path / "broken.pkt"
    broken.write_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = \n")
    assert main(["drill", str(good)]) == 0
    assert main(["drill", str(good), str(bad)]) == 1
    assert main(["drill", str(good), str(bad), str(broken)]) == 2
    assert main(["drill", str(tmp_path)]) == 2         # a folder: every *.pkt in it
    lines = capsys.readouterr().out.splitlines()
    assert lines[-7:] == [
        f"FAIL {bad}",
        f"  {bad}:8: error handling packet: Timed out waiting for packet",
        "  script packet:  0.100000 . 1:1(0) ack 1",
        f"ERROR {broken}",
        f"  {broken}:2:1: syntax error at 'end of file': expected an expression",
        f"PASS {good}",
        "3 scripts: 1 passed, 1 failed, 0 unsupported, 1 not parsed"]
    assert lines[-14:-7] == [
        f"PASS {good}",
        f"FAIL {bad}",
        f"  {bad}:8: error handling packet: Timed out waiting for packet",
        "  script packet:  0.100000 . 1:1(0) ack 1",
        f"ERROR {broken}",
        f"  {broken}:2:1: syntax error at 'end of file': expected an expression",
        "3 scripts: 1 passed, 1 failed, 0 unsupported, 1 not parsed"]
