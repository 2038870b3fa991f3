"""A parser for packetdrill's script language (its syntax.md grammar).

The lexer follows packetdrill's lexer.l: the longest match wins, ties go to
the earlier rule; ``//`` and ``/* */`` comments; ``%{ }%`` code blocks;
backtick commands. The parser is recursive descent over that token stream.
Every error names the script, line and column.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from simulator.drill.model import (ABSOLUTE, ABSOLUTE_RANGE, ANY, ANY_OPTIONS, ELLIPSIS,
                                   RELATIVE, RELATIVE_RANGE, Array, Binary, Call, Code,
                                   Command, Event, EventTime, PacketSpec, Script,
                                   ScriptError, String, Struct, Syscall, TcpOptionSpec, Word)


@dataclass(frozen=True)
class Token:
    kind: str       # INT FLOAT WORD STRING BACKTICK CODE OPTION IPV4 ELLIPSIS or the char
    text: str
    value: object
    line: int
    col: int


_RULES = [
    ("SPACE", r"[ \t\r\n]+"),
    ("COMMENT", r"//[^\n]*|/\*(?:.|\n)*?\*/"),
    ("CODE", r"%\{(?:.|\n)*?\}%"),
    ("ELLIPSIS", r"\.\.\."),
    ("OPTION", r"--[a-zA-Z0-9_]+"),
    ("FLOAT", r"-?[0-9]*\.[0-9]+"),
    ("INT", r"-?[0-9]+"),
    ("HEX", r"0x[0-9a-fA-F]+"),
    ("WORD", r"[a-zA-Z0-9_]+"),
    ("STRING", r'"(?:\\[\s\S]|[^"\\])*"'),
    ("BACKTICK", r"`(?:\\[\s\S]|[^`\\])*`"),
    ("IPV4", r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+"),
    ("IPV6", r"[0-9a-fA-F]*:[0-9a-fA-F:]*:[0-9a-fA-F.]+"),
    ("CHAR", r"[^ \t\r\n]"),
]
_OPENERS = ("%{", "/*", '"', "`")
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in _RULES]


def tokenize(text: str, path: str) -> list[Token]:
    tokens, pos, line, line_start = [], 0, 1, 0
    while pos < len(text):
        best_kind, best_end = None, pos
        for kind, pattern in _COMPILED:
            m = pattern.match(text, pos)
            if m and m.end() > best_end:
                best_kind, best_end = kind, m.end()
        if best_kind == "CHAR" and text.startswith(_OPENERS, pos):
            raise ScriptError(path, line, pos - line_start + 1,
                              "syntax error: unterminated " +
                              repr(next(o for o in _OPENERS if text.startswith(o, pos))))
        lexeme = text[pos:best_end]
        col = pos - line_start + 1
        if best_kind == "IPV6" and lexeme.count(":") < 2:
            best_kind, best_end, lexeme = "CHAR", pos + 1, text[pos]
        if best_kind not in ("SPACE", "COMMENT"):
            tokens.append(_token(best_kind, lexeme, line, col))
        newlines = lexeme.count("\n")
        if newlines:
            line += newlines
            line_start = pos + lexeme.rindex("\n") + 1
        pos = best_end
    tokens.append(Token("EOF", "end of file", None, line, pos - line_start + 1))
    return tokens


def _token(kind, lexeme, line, col) -> Token:
    if kind == "INT":
        return Token("INT", lexeme, int(lexeme), line, col)
    if kind == "HEX":
        return Token("INT", lexeme, int(lexeme, 16), line, col)
    if kind == "FLOAT":
        return Token("FLOAT", lexeme, Decimal(lexeme), line, col)
    if kind == "STRING":
        try:
            text = bytes(lexeme[1:-1], "utf-8").decode("unicode_escape")
        except UnicodeDecodeError:
            text = lexeme[1:-1]
        return Token("STRING", lexeme, text, line, col)
    if kind in ("BACKTICK", "CODE"):
        return Token(kind, lexeme, lexeme[1:-1] if kind == "BACKTICK" else lexeme[2:-2],
                     line, col)
    if kind == "CHAR":
        return Token(lexeme, lexeme, None, line, col)
    return Token(kind, lexeme, lexeme, line, col)


_FLAG_LETTERS = set("FSRPEWAU01234567")
_SIMPLE_OPTIONS = {"nop": "nop", "eol": "eol", "sackOK": "sackOK"}


class _Parser:
    def __init__(self, text: str, path: str):
        self.path = path
        self.tokens = tokenize(text, path)
        self.i = 0

    # --- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead=1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None):
        tok = tok or self.tok
        raise ScriptError(self.path, tok.line, tok.col,
                          f"syntax error at '{tok.text}': {message}")

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.tok.kind != kind:
            self.error(f"expected {what or repr(kind)}")
        return self.advance()

    def is_word(self, name: str) -> bool:
        return self.tok.kind == "WORD" and self.tok.text == name

    def expect_word(self, name: str) -> None:
        if not self.is_word(name):
            self.error(f"expected '{name}'")
        self.advance()

    def integer(self, what="an integer") -> int:
        return self.expect("INT", what).value

    # --- script
    def script(self) -> Script:
        script = Script(self.path)
        while self.tok.kind == "OPTION":
            name = self.advance().text[2:]
            value = "1"
            if self.tok.kind == "=":
                self.advance()
                value = self.option_value()
            script.options[name] = value
        if self.tok.kind == "BACKTICK":
            script.init_command = Command(self.advance().value)
        while self.tok.kind != "EOF":
            if self.tok.kind == "BACKTICK" and self.peek().kind == "EOF" and script.events:
                script.events.append(self.cleanup_command())
                break
            script.events.append(self.event())
        if not script.events:
            self.error("a script needs at least one event")
        return script

    def option_value(self) -> str:
        tok = self.advance()
        if tok.kind in ("EOF", "OPTION"):
            self.error("expected an option value", tok)
        text = tok.text if tok.kind not in ("STRING", "BACKTICK") else tok.value
        if tok.kind == "WORD" and self.tok.kind == "=":     # --define=NAME=value
            self.advance()
            text += "=" + (self.advance().value or "")
        return str(text)

    def cleanup_command(self) -> Event:
        tok = self.advance()
        return Event(tok.line, tok.col, EventTime(ANY), Command(tok.value))

    def event(self) -> Event:
        start = self.tok
        time = self.event_time()
        action = self.action()
        if time.kind == ANY and not (isinstance(action, PacketSpec) and action.direction == ">"):
            self.error("event time <star> can only be used with outbound packets", start)
        if time.kind in (ABSOLUTE_RANGE, RELATIVE_RANGE):
            if not (isinstance(action, PacketSpec) and action.direction == ">"):
                self.error("event time range can only be used with outbound packets", start)
            if time.end_usecs < time.usecs:
                self.error("time range is backwards", start)
        return Event(start.line, start.col, time, action)

    def time(self) -> int:
        tok = self.tok
        if tok.kind not in ("INT", "FLOAT"):
            self.error("expected a time (seconds)")
        self.advance()
        if tok.value < 0:
            self.error("negative time", tok)
        return int(Decimal(tok.value) * 1_000_000)

    def event_time(self) -> EventTime:
        if self.tok.kind == "*":
            self.advance()
            return EventTime(ANY)
        if self.tok.kind == "+":
            self.advance()
            start = self.time()
            if self.tok.kind == "~":
                self.advance()
                self.expect("+", "'+' after '~' in a relative range")
                return EventTime(RELATIVE_RANGE, start, self.time())
            return EventTime(RELATIVE, start)
        if self.tok.kind not in ("INT", "FLOAT"):
            self.error("expected an event time (+N, N, N~M or *)")
        start = self.time()
        if self.tok.kind == "~":
            self.advance()
            return EventTime(ABSOLUTE_RANGE, start, self.time())
        return EventTime(ABSOLUTE, start)

    def action(self):
        tok = self.tok
        if tok.kind in ("<", ">"):
            return self.packet()
        if tok.kind == "BACKTICK":
            return Command(self.advance().value)
        if tok.kind == "CODE":
            return Code(self.advance().value)
        if tok.kind == "ELLIPSIS" or (tok.kind == "WORD" and self.peek().kind == "("):
            return self.syscall()
        self.error("expected a packet ('<' or '>'), a system call, a `command` or %{ code }%")

    # --- packets
    def packet(self) -> PacketSpec:
        direction = self.advance().kind
        fields = {}
        if self.tok.kind == "WORD" and self.tok.text in ("ipv4", "ipv6", "gre", "GREv0", "mpls",
                                                         "psp", "encap"):
            self.error("unsupported: encapsulation headers")
        if self.tok.kind in ("(", "[") and self.peek().kind == "WORD":
            fields["ecn"] = self.ip_info()
        if self.is_word("udp"):
            self.advance()
            ports = self.port_info()
            self.expect("(", "'(' before the UDP length")
            length = self.integer("the UDP payload length")
            self.expect(")")
            return PacketSpec(direction, "udp", length=length, ports=ports, **fields)
        if self.is_word("icmp"):
            return self.icmp(direction, fields)
        fields["ports"] = self.port_info()
        fields["flags"] = self.flags()
        fields["seq"], fields["end"], fields["length"] = self.seq()
        if self.is_word("ack"):
            self.advance()
            fields["ack"] = self.integer("the ACK number")
        if self.is_word("win"):
            self.advance()
            fields["win"] = self.integer("the window")
        elif direction == "<":
            self.error("window must be specified for inbound packets")
        if self.is_word("urg"):
            self.advance()
            fields["urg"] = self.integer("the urgent pointer")
        if self.tok.kind == "<":
            fields["options"] = self.tcp_options()
        return PacketSpec(direction, "tcp", **fields)

    def ip_info(self) -> str:
        close = ")" if self.advance().kind == "(" else "]"
        words = []
        while self.tok.kind not in (close, "EOF"):
            words.append(self.advance().text)
        self.expect(close)
        ecn = [w for w in words if w in ("noecn", "ect0", "ect1", "ce", "ect01")]
        if len(ecn) != 1 or len(words) != 1:
            self.error(f"unsupported IP info ({' '.join(words)}): only an ECN codepoint")
        return ecn[0]

    def port_info(self):
        if self.tok.kind == "INT" and self.peek().kind == ">":
            src = self.advance().value
            self.advance()
            return (src, self.integer("the destination port"))
        return None

    def flags(self) -> str:
        tok = self.tok
        if tok.kind == "-":
            self.advance()
            return "-"
        flags = ""
        if tok.kind in ("WORD", "INT"):
            flags = self.advance().text
            bad = set(flags) - _FLAG_LETTERS
            if bad:
                self.error(f"bad TCP flags '{flags}' (valid: F S R P . U E W A)", tok)
        if self.tok.kind == ".":
            self.advance()
            flags += "."
        if not flags:
            self.error("expected TCP flags (S, S., ., P., F., R, R. ...)")
        return flags

    def seq(self):
        start = self.integer("the start sequence number (start:end(length))")
        self.expect(":", "':' in start:end(length)")
        end = self.integer("the end sequence number")
        self.expect("(", "'(' in start:end(length)")
        length_tok = self.tok
        length = self.integer("the payload length")
        self.expect(")")
        if (end - start) % (1 << 32) != length:
            self.error(f"inconsistent sequence numbers: {start}:{end} is not {length} bytes",
                       length_tok)
        return start % (1 << 32), end % (1 << 32), length

    def tcp_options(self):
        self.expect("<")
        if self.tok.kind == "ELLIPSIS":
            self.advance()
            self.expect(">")
            return ANY_OPTIONS
        options = [self.tcp_option()]
        while self.tok.kind == ",":
            self.advance()
            options.append(self.tcp_option())
        self.expect(">", "',' or '>' in the TCP options")
        return tuple(options)

    def tcp_option(self) -> TcpOptionSpec:
        tok = self.tok
        if tok.kind != "WORD":
            self.error("expected a TCP option (nop, mss N, wscale N, sackOK, sack L:R, TS ...)")
        name = self.advance().text
        if name in _SIMPLE_OPTIONS:
            return TcpOptionSpec(name)
        if name in ("mss", "wscale"):
            return TcpOptionSpec(name, (self.integer(f"the {name} value"),))
        if name == "sack":
            values = []
            while self.tok.kind == "INT" and self.peek().kind == ":":
                values.append(self.advance().value)
                self.advance()
                values.append(self.integer("the SACK block's right edge"))
            if not values:
                self.error("expected SACK blocks L:R")
            return TcpOptionSpec("sack", tuple(values))
        if name == "TS":
            self.expect_word("val")
            val = self.integer("the TS value")
            self.expect_word("ecr")
            return TcpOptionSpec("TS", (val, self.integer("the TS echo reply")))
        if name in ("md5", "FO", "FOEXP"):
            cookie = ()
            if self.tok.kind in ("WORD", "INT"):
                cookie = (self.advance().text,)
            return TcpOptionSpec(name, cookie)
        self.error(f"unknown TCP option '{name}'", tok)

    def icmp(self, direction, fields) -> PacketSpec:
        self.advance()
        kind = self.expect("WORD", "an ICMP type").text
        code = self.advance().text if self.tok.kind == "WORD" and self.tok.text not in (
            "mtu", "id") else None
        mtu = None
        if self.is_word("mtu"):
            self.advance()
            mtu = self.integer("the MTU")
        if self.is_word("id"):
            self.error("unsupported: ICMP echo id")
        quoted = None
        if self.tok.kind == "[":
            self.advance()
            if self.is_word("udp") or self.is_word("raw"):
                self.error("unsupported: an ICMP error quoting UDP or raw bytes")
            seq, end, length = self.seq()
            quoted = PacketSpec(direction, "tcp", seq=seq, end=end, length=length)
            self.expect("]")
        return PacketSpec(direction, "icmp", icmp_type=kind, icmp_code=code, icmp_mtu=mtu,
                          icmp_quoted=quoted, **fields)

    # --- system calls
    def syscall(self) -> Syscall:
        end = None
        if self.tok.kind == "ELLIPSIS":
            self.advance()
            end = self.time()
        name = self.expect("WORD", "a system call name").text
        self.expect("(")
        args = []
        if self.tok.kind != ")":
            args = self.expression_list(")")
        self.expect(")", "',' or ')' after the arguments")
        self.expect("=", "'= result' after the system call")
        result = self.expression()
        errno = None
        if self.tok.kind == "WORD" and self.tok.line == self.tokens[self.i - 1].line:
            errno = self.advance().text
        if self.tok.kind == "(" and self.tok.line == self.tokens[self.i - 1].line:
            self.skip_note()
        return Syscall(name, tuple(args), result, errno, end)

    def skip_note(self) -> None:
        self.advance()
        while self.tok.kind not in (")", "EOF"):
            self.advance()
        self.expect(")", "')' closing the note")

    def expression_list(self, close: str) -> list:
        items = [self.expression()]
        while self.tok.kind == ",":
            self.advance()
            items.append(self.expression())
        return items

    def expression(self):
        left = self.primary()
        if self.tok.kind == "=" and isinstance(left, (Word, Call)):
            self.advance()
            return Binary("=", left, self.expression())
        while self.tok.kind == "|":
            self.advance()
            left = Binary("|", left, self.primary())
        return left

    def primary(self):
        tok = self.tok
        if tok.kind == "ELLIPSIS":
            self.advance()
            return ELLIPSIS
        if tok.kind == "INT":
            return self.advance().value
        if tok.kind == "STRING":
            self.advance()
            if self.tok.kind == "ELLIPSIS":
                self.advance()
                return String(tok.value, True)
            return String(tok.value)
        if tok.kind == "WORD":
            self.advance()
            if self.tok.kind == "(":
                self.advance()
                args = [] if self.tok.kind == ")" else self.expression_list(")")
                self.expect(")")
                return Call(tok.text, tuple(args))
            return Word(tok.text)
        if tok.kind == "[":
            self.advance()
            items = [] if self.tok.kind == "]" else self.expression_list("]")
            self.expect("]", "',' or ']' in the array")
            return Array(tuple(items))
        if tok.kind == "{":
            self.advance()
            items = [] if self.tok.kind == "}" else self.expression_list("}")
            self.expect("}", "',' or '}' in the structure")
            return Struct(tuple(items))
        self.error("expected an expression")


def parse_script(text: str, path: str = "<script>") -> Script:
    """Parse a whole script; raises ScriptError with the first problem's position."""
    return _Parser(text, path).script()


def parse_file(path) -> Script:
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_script(f.read(), str(path))
