"""The packetdrill script parser: every construct, and error positions."""

import pytest

from simulator.drill.model import (ABSOLUTE, ABSOLUTE_RANGE, ANY, ANY_OPTIONS, ELLIPSIS,
                                   RELATIVE, RELATIVE_RANGE, Array, Binary, Call, Code,
                                   Command, String, Struct, Syscall, TcpOptionSpec, Word)
from simulator.drill.parse import parse_script, tokenize


def one(line: str):
    """The action of a one-event script."""
    script = parse_script(line, "t.pkt")
    assert len(script.events) == 1
    return script.events[0]


def error_of(text: str) -> str:
    with pytest.raises(Exception) as info:
        parse_script(text, "t.pkt")
    return str(info.value)


def test_times_absolute_relative_ranges_and_star():
    script = parse_script("0 close(3) = 0\n+.1 close(3) = 0\n1.250 close(3) = 0\n"
                          "+0.5~+0.7 > . 1:1(0) ack 1\n2~3 > . 1:1(0)\n* > R 1:1(0)\n", "t.pkt")
    times = [e.time for e in script.events]
    assert [(t.kind, t.usecs, t.end_usecs) for t in times] == [
        (ABSOLUTE, 0, None), (RELATIVE, 100_000, None), (ABSOLUTE, 1_250_000, None),
        (RELATIVE_RANGE, 500_000, 700_000), (ABSOLUTE_RANGE, 2_000_000, 3_000_000),
        (ANY, 0, None)]
    assert [e.line for e in script.events] == [1, 2, 3, 4, 5, 6]


def test_decimal_times_are_exact_microseconds():
    # float parsing would make 0.000003 * 1e6 = 2.9999999999999996
    assert one("0.000003 close(3) = 0").time.usecs == 3


def test_inbound_packet_with_every_option():
    event = one("+0 < S 0:0(0) win 32792 <mss 1460,sackOK,nop,nop,TS val 100 ecr 0,"
                "nop,wscale 7,eol>")
    spec = event.action
    assert (spec.direction, spec.flags, spec.seq, spec.end, spec.length, spec.win) == (
        "<", "S", 0, 0, 0, 32792)
    assert spec.ack is None
    assert spec.options == (TcpOptionSpec("mss", (1460,)), TcpOptionSpec("sackOK"),
                            TcpOptionSpec("nop"), TcpOptionSpec("nop"),
                            TcpOptionSpec("TS", (100, 0)), TcpOptionSpec("nop"),
                            TcpOptionSpec("wscale", (7,)), TcpOptionSpec("eol"))


def test_outbound_flags_ack_sack_blocks():
    spec = one("+0 > P. 1:1001(1000) ack 1 <nop,nop,sack 2001:3001 4001:5001>").action
    assert (spec.flags, spec.seq, spec.end, spec.length, spec.ack, spec.win) == (
        "P.", 1, 1001, 1000, 1, None)
    assert spec.options == (TcpOptionSpec("nop"), TcpOptionSpec("nop"),
                            TcpOptionSpec("sack", (2001, 3001, 4001, 5001)))
    assert str(spec.options[2]) == "sack 2001:3001 4001:5001"


@pytest.mark.parametrize("flags", ["S", "S.", ".", "P.", "F.", "R", "R.", "FP.", "SEW", "-"])
def test_flag_spellings(flags):
    assert one(f"+0 > {flags} 0:0(0)").action.flags == flags


def test_any_options_ports_and_ecn():
    spec = one("+0 > [ect0] 8080>48000 S. 0:0(0) ack 1 <...>").action
    assert (spec.ecn, spec.ports, spec.options) == ("ect0", (8080, 48000), ANY_OPTIONS)


def test_syscall_with_errno_and_note():
    call = one("+0 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)").action
    assert call == Syscall("connect", (3, ELLIPSIS, ELLIPSIS), -1, "ECONNREFUSED", None)
    assert not call.blocking


def test_blocking_syscall_end_time():
    call = one("+.1...0.200 connect(3, ..., ...) = 0").action
    assert call.blocking and call.end_usecs == 200_000


def test_syscall_expressions():
    call = one('+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0').action
    assert call.args[3] == Struct((Binary("=", Word("onoff"), 1), Binary("=", Word("linger"), 0)))
    assert call.args[3].field("linger") == 0
    call = one('+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0').action
    assert call.args[2] == Binary("|", Word("O_RDWR"), Word("O_NONBLOCK"))
    call = one('+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), '
               'sin_addr=inet_addr("192.168.0.1")}, 16) = 0').action
    address = call.args[1]
    assert address.field("sin_port") == Call("htons", (8080,))
    assert address.field("sin_addr") == Call("inet_addr", (String("192.168.0.1"),))
    call = one('+0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [0x4000], 4) = 0').action
    assert call.args[3] == Array((16384,))


def test_commands_code_options_and_comments():
    script = parse_script('--tolerance_usecs=10000\n--local_ip=10.0.0.1\n'
                          '`sysctl -q net.ipv4.tcp_sack=0`\n'
                          '/* a C comment\n over lines */\n'
                          '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing\n'
                          '+0 %{\nassert tcpi_snd_cwnd == 10\n}%\n'
                          '+0 `sysctl -q net.ipv4.tcp_timestamps=0`\n', "t.pkt")
    assert script.options == {"tolerance_usecs": "10000", "local_ip": "10.0.0.1"}
    assert script.init_command == Command("sysctl -q net.ipv4.tcp_sack=0")
    assert [type(e.action) for e in script.events] == [Syscall, Code, Command]
    assert script.events[0].line == 6
    assert "tcpi_snd_cwnd == 10" in script.events[1].action.text


def test_backtick_with_escaped_newline():
    script = parse_script("`a \\\n b`\n0 close(3) = 0\n", "t.pkt")
    assert script.init_command.text == "a \\\n b"
    assert script.events[0].line == 3


def test_lexer_longest_match():
    kinds = [(t.kind, t.text) for t in tokenize("+.1 192.0.2.1 0x10 ... S. 1:2", "t")][:-1]
    assert kinds == [("+", "+"), ("FLOAT", ".1"), ("IPV4", "192.0.2.1"), ("INT", "0x10"),
                     ("ELLIPSIS", "..."), ("WORD", "S"), (".", "."), ("INT", "1"),
                     (":", ":"), ("INT", "2")]


@pytest.mark.parametrize("text, message", [
    ("0 < S 0:0(0) <mss 1460>", "t.pkt:1:14: syntax error at '<': window must be specified "
                                "for inbound packets"),
    ("0 > S 0:10(5)", "t.pkt:1:12: syntax error at '5': inconsistent sequence numbers: "
                      "0:10 is not 5 bytes"),
    ("0 close(3) = 0\n+0 > Q 0:0(0)", "t.pkt:2:6: syntax error at 'Q': bad TCP flags 'Q'"),
    ("0 close(3) = 0\n\n+x close(3) = 0", "t.pkt:3:2: syntax error at 'x': expected a time"),
    ("0 > S 0:0(0) <mss 1460,bogus 3>", "t.pkt:1:24: syntax error at 'bogus': unknown TCP "
                                        "option 'bogus'"),
    ("0 close(3) 0", "t.pkt:1:12: syntax error at '0': expected '= result'"),
    ("0 close(3) = 0\n+1 < . 1:1(0) ack 1 win 100 <nop", "t.pkt:2:33: syntax error at "
                                                          "'end of file': expected ',' or '>'"),
    ("0 %{ assert 1", "t.pkt:1:3: syntax error: unterminated '%{'"),
    ("0 close(3) = 0\n+1 whatever", "t.pkt:2:4: syntax error at 'whatever': expected a packet"),
    ("+1~+2 close(3) = 0", "t.pkt:1:1: syntax error at '+': event time range can only be used "
                           "with outbound packets"),
    ("* close(3) = 0", "t.pkt:1:1: syntax error at '*': event time <star> can only be used"),
    ("", "t.pkt:1:1: syntax error at 'end of file': a script needs at least one event"),
])
def test_errors_name_line_column_and_cause(text, message):
    assert error_of(text).startswith(message)
