"""The parsed form of a packetdrill script: events, each a time and an action.

Times are integer microseconds as packetdrill keeps them; sequence numbers are
as written (relative to each side's ISN, which the runner maps).
"""

from dataclasses import dataclass, field


class ScriptError(Exception):
    """A script the harness cannot run: ``path:line:col: message`` (exit 2)."""

    def __init__(self, path: str, line: int, col: int, message: str):
        super().__init__(f"{path}:{line}:{col}: {message}")
        self.path, self.line, self.col, self.message = path, line, col, message


# --- times -------------------------------------------------------------------

ABSOLUTE, RELATIVE, ANY, ABSOLUTE_RANGE, RELATIVE_RANGE = (
    "absolute", "relative", "any", "absolute_range", "relative_range")


@dataclass(frozen=True)
class EventTime:
    kind: str                    # one of the five constants above
    usecs: int = 0               # start (or the only) time
    end_usecs: int | None = None  # end of a ``a~b`` range


# --- packets -----------------------------------------------------------------

@dataclass(frozen=True)
class TcpOptionSpec:
    """One option in ``<...>``: ``name`` is mss, wscale, sackOK, sack, TS, nop,
    eol, md5, FO, FOEXP; ``values`` its numbers (sack: flat left,right pairs)."""

    name: str
    values: tuple = ()

    def __str__(self):
        if self.name == "sack":
            pairs = zip(self.values[0::2], self.values[1::2])
            return "sack " + " ".join(f"{left}:{right}" for left, right in pairs)
        if self.name == "TS":
            return f"TS val {self.values[0]} ecr {self.values[1]}"
        return " ".join([self.name, *map(str, self.values)])


ANY_OPTIONS = "..."              # ``<...>``: the options are not checked


@dataclass(frozen=True)
class PacketSpec:
    direction: str               # "<" injected into the host, ">" expected from it
    protocol: str                # "tcp", "udp" or "icmp"
    flags: str = ""              # packetdrill letters: F S R P . U E W A, "-" none
    seq: int = 0                 # start sequence number as written
    end: int = 0
    length: int = 0              # payload bytes
    ack: int | None = None
    win: int | None = None       # None on ">" = not checked
    urg: int | None = None
    options: tuple | str | None = None   # tuple of TcpOptionSpec, ANY_OPTIONS, None
    ports: tuple | None = None   # (src, dst) when written ``1234>8080``
    ecn: str | None = None       # noecn ect0 ect1 ce ect01 (IP ECN field)
    icmp_type: str | None = None
    icmp_code: str | None = None
    icmp_mtu: int | None = None
    icmp_quoted: "PacketSpec | None" = None


# --- syscalls ----------------------------------------------------------------

@dataclass(frozen=True)
class Ellipsis_:
    def __str__(self):
        return "..."


ELLIPSIS = Ellipsis_()


@dataclass(frozen=True)
class Word:
    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class String:
    text: str
    ellipsis: bool = False       # ``"abc"...``: a prefix

    def __str__(self):
        return f'"{self.text}"' + ("..." if self.ellipsis else "")


@dataclass(frozen=True)
class Call:
    """``htons(8080)``, ``inet_addr("1.2.3.4")``, ``msg_name(...)``."""

    name: str
    args: tuple

    def __str__(self):
        return f"{self.name}({', '.join(map(str, self.args))})"


@dataclass(frozen=True)
class Binary:
    op: str                      # "|" or "="
    left: object
    right: object

    def __str__(self):
        return f"{self.left}{self.op}{self.right}"


@dataclass(frozen=True)
class Array:
    items: tuple

    def __str__(self):
        return "[" + ", ".join(map(str, self.items)) + "]"


@dataclass(frozen=True)
class Struct:
    """``{a=1, b=2}`` or ``{..., 1000}``: items are expressions (``=`` ones
    are Binary)."""

    items: tuple

    def field(self, name):
        for item in self.items:
            if isinstance(item, Binary) and item.op == "=" and item.left == Word(name):
                return item.right
        return None

    def __str__(self):
        return "{" + ", ".join(map(str, self.items)) + "}"


@dataclass(frozen=True)
class Syscall:
    name: str
    args: tuple                  # expressions (ints are plain int)
    result: object               # expression for the return value
    errno: str | None = None     # e.g. "ECONNREFUSED"
    end_usecs: int | None = None  # ``...t``: blocking call that returns at t

    @property
    def blocking(self) -> bool:
        return self.end_usecs is not None


# --- other actions -----------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """A backtick shell line; never run, only its sysctls are read."""

    text: str


@dataclass(frozen=True)
class Code:
    """A ``%{ ... }%`` Python block over tcp_info fields."""

    text: str


@dataclass(frozen=True)
class Event:
    line: int
    col: int
    time: EventTime
    action: object               # PacketSpec | Syscall | Command | Code


@dataclass
class Script:
    path: str
    options: dict = field(default_factory=dict)   # --name=value lines at the top
    events: list = field(default_factory=list)
    init_command: Command | None = None            # a backtick line before the events
