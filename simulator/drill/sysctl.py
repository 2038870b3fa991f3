"""Backtick shell lines: the sysctls they set, mapped onto TcpConfig knobs.

The shell is never run. Recognised forms, several per line (``;``, ``&&``,
``||`` or newlines between them): ``sysctl [-q] [-w] net.ipv4.tcp_x=v ...``,
``set_sysctls.py /proc/sys/net/ipv4/tcp_x=v ...``, ``echo v > /proc/sys/...``,
``ip tcp_metrics flush`` (forgets the Fast Open cookies), and a path to a ``*.sh`` file, whose lines are read the same way (a missing
``defaults.sh`` means the built-in one). Everything else is ignored with a
warning: an unmodelled sysctl, another command.
"""

import re
import shlex
from pathlib import Path

from simulator.stack.tcp.config import MS, S, TcpConfig
from simulator.stack.tcp.fastopen import parse_key

DEFAULTS_FILE = Path(__file__).with_name("defaults.sh")


def _bool(value: str) -> bool:
    return int(value) != 0


def _cc(value: str) -> str:
    # Linux's "reno" module recovers NewReno-style (tcp_input.c partial ACKs).
    known = {"reno": "newreno", "newreno": "newreno", "cubic": "cubic"}
    if value not in known:
        raise ValueError(f"congestion control {value!r} is not modelled (reno, cubic)")
    return known[value]


def _triple(value: str) -> list[int]:
    parts = value.split()
    if len(parts) != 3:
        raise ValueError(f"expected 'min default max', got {value!r}")
    return [int(p) for p in parts]


def _rmem(value: str) -> dict:
    """tcp_rmem: the socket starts with the default; the window-scale shift comes
    from the maximum as in Linux's tcp_select_initial_window()."""
    _, default, maximum = _triple(value)
    shift = 0
    while maximum > 65535 and shift < 14:
        maximum >>= 1
        shift += 1
    return {"rmem": default, "rcv_wscale": shift}


def _retries(value: str) -> int:
    return int(value)


def _fastopen_key(value: str) -> dict:
    parse_key(value)                     # ValueError if malformed
    return {"fastopen_key": value}


# sysctl name (after net.ipv4.; net.core ones whole) -> function(value) -> dict of TcpConfig knobs
MAPPING = {
    "tcp_sack": lambda v: {"sack": _bool(v)},
    "tcp_dsack": lambda v: {"dsack": _bool(v)},
    "tcp_timestamps": lambda v: {"timestamps": _bool(v)},
    "tcp_window_scaling": lambda v: {"window_scaling": _bool(v)},
    "tcp_congestion_control": lambda v: {"cc": _cc(v)},
    "tcp_rmem": _rmem,
    "tcp_wmem": lambda v: {"wmem": _triple(v)[1]},
    "tcp_syn_retries": lambda v: {"syn_retries": _retries(v)},
    "tcp_synack_retries": lambda v: {"synack_retries": _retries(v)},
    "tcp_retries2": lambda v: {"retries2": _retries(v)},
    "tcp_keepalive_time": lambda v: {"keepalive_time": int(v) * S},
    "tcp_keepalive_intvl": lambda v: {"keepalive_intvl": int(v) * S},
    "tcp_keepalive_probes": lambda v: {"keepalive_probes": int(v)},
    "tcp_slow_start_after_idle": lambda v: {"slow_start_after_idle": _bool(v)},
    "tcp_reordering": lambda v: {"dupthresh": int(v)},
    "tcp_rto_min_us": lambda v: {"min_rto": int(v) * 1000},
    "tcp_delack_min": lambda v: {"delayed_ack": int(v) * MS},
    "tcp_pingpong_thresh": lambda v: {"pingpong_thresh": int(v)},
    # bit 0 of tcp_recovery is RACK loss detection; tcp_early_retrans 3 and 4 enable
    # TLP (1 and 2 are the retired early-retransmit modes: no TLP)
    "tcp_recovery": lambda v: {"rack": bool(int(v) & 1)},
    "tcp_early_retrans": lambda v: {"tlp": int(v) in (3, 4)},
    "tcp_fastopen": lambda v: {"fastopen": int(v, 0)},      # the bits, often in hex
    "tcp_fastopen_key": _fastopen_key,
    "net.core.rmem_max": lambda v: {"rmem_max": int(v)},
    "net.core.wmem_max": lambda v: {"wmem_max": int(v)},
}
# Values that ask for what netsim does anyway (no warning); None: any value is
# harmless here (pacing and TSO sizing knobs, features netsim lacks entirely).
ALREADY = {"tcp_fack": "0", "tcp_ecn": "0", "tcp_ecn_option": "2", "tcp_syncookies": "1",
           "tcp_fastopen_blackhole_timeout_sec": "0", "tcp_notsent_lowat": None,
           "tcp_pacing_ss_ratio": None, "tcp_pacing_ca_ratio": None,
           "tcp_tso_win_divisor": None, "tcp_min_tso_segs": None}

_ARITH = re.compile(r"\$\(\(([0-9+\-*/ ()]+)\)\)")
_SEPARATORS = re.compile(r"\s*(?:;|&&|\|\||\n)\s*")


def _expand(text: str) -> str:
    """Shell arithmetic ``$((15*1024*1024))`` on integer literals only."""
    def value(m):
        expr = m.group(1).replace("/", "//")
        return str(eval(expr, {"__builtins__": {}}, {}))   # digits and + - * / ( ) only
    return _ARITH.sub(value, text)


class SysctlResult:
    """The knobs a set of shell lines sets, and the warnings they raise."""

    def __init__(self):
        self.knobs: dict = {}
        self.warnings: list[str] = []
        self.sysctls: dict = {}          # every net.* sysctl seen, as written
        self.metrics_flushes = 0         # ``ip tcp_metrics flush`` commands seen

    def apply(self, config: TcpConfig) -> TcpConfig:
        return config.replace(**self.knobs) if self.knobs else config


def read_commands(text: str, base_dir: Path, result: SysctlResult, depth: int = 0) -> None:
    """Add what the shell ``text`` would set to ``result``."""
    text = _expand(text.replace("\\\n", " "))
    for command in _SEPARATORS.split(text):
        command = re.sub(r"\s*(&>|2>|>)\s*/dev/null.*$", "", command).strip()
        if not command or command.startswith("#"):
            continue
        try:
            words = shlex.split(command)
        except ValueError:
            result.warnings.append(f"ignored shell command (unbalanced quotes): {command}")
            continue
        _read_words(words, command, base_dir, result, depth)


def _read_words(words, command, base_dir, result, depth):
    name = Path(words[0]).name
    if name == "sysctl":
        assignments = [w for w in words[1:] if not w.startswith("-")]
        for assignment in assignments:
            if "=" not in assignment:
                result.warnings.append(f"ignored sysctl read: {assignment}")
                continue
            key, value = assignment.split("=", 1)
            _set(key, value, result)
    elif name == "set_sysctls.py":
        for assignment in words[1:]:
            key, _, value = assignment.partition("=")
            _set(key.removeprefix("/proc/sys/").replace("/", "."), value, result)
    elif name == "echo" and len(words) == 4 and words[2] == ">" and \
            words[3].startswith("/proc/sys/"):
        _set(words[3].removeprefix("/proc/sys/").replace("/", "."), words[1], result)
    elif name == "ip" and words[1:3] == ["tcp_metrics", "flush"]:
        result.metrics_flushes += 1
    elif name.endswith(".sh") and depth < 4:
        path = (base_dir / words[0]) if not Path(words[0]).is_absolute() else Path(words[0])
        if not path.is_file() and name == "defaults.sh":
            path = DEFAULTS_FILE
        if path.is_file():
            read_commands(path.read_text(errors="replace"), path.parent, result, depth + 1)
        else:
            result.warnings.append(f"ignored shell script (not found): {words[0]}")
    else:
        result.warnings.append(f"ignored shell command: {command}")


def _set(key: str, value: str, result: SysctlResult) -> None:
    result.sysctls[key] = value
    short = key.removeprefix("net.ipv4.")
    mapper = MAPPING.get(short)
    if mapper is None:
        if short not in ALREADY or (ALREADY[short] is not None and ALREADY[short] != value):
            result.warnings.append(f"ignored sysctl (not modelled): {key}={value}")
        return
    try:
        result.knobs.update(mapper(value.strip()))
    except ValueError as error:
        result.warnings.append(f"ignored sysctl {key}={value}: {error}")


def defaults() -> SysctlResult:
    """The built-in defaults file, read before every script."""
    result = SysctlResult()
    read_commands(DEFAULTS_FILE.read_text(), DEFAULTS_FILE.parent, result)
    return result
