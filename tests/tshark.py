"""Running Wireshark's tshark from tests: field extraction with checksum validation on,
and a count of what tshark objects to in a capture.

The checks mirror /work/shared/tools/pcapcheck.py (malformed frames, expert errors,
bad checksums, bad FCS) but live here, so the tests carry their own. tshark runs with
an empty, private configuration folder: a user's Wireshark preferences cannot change
what the tests see.
"""

import atexit
import functools
import os
import re
import shutil
import subprocess
import tempfile

import pytest

TSHARK_MISSING = "tshark not installed (apt-get install tshark)"

# Wireshark's proto_checksum_enum_e (epan/proto.h)
CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, CHECKSUM_NOT_PRESENT, CHECKSUM_ILLEGAL = range(5)
# expert severities (epan/proto.h: PI_CHAT .. PI_ERROR)
SEVERITY = {"chat": 0x200000, "note": 0x400000, "warn": 0x600000, "warning": 0x600000,
            "error": 0x800000}
SEVERITY_ERROR = SEVERITY["error"]

CHECKSUM_FIELDS = ("ip.checksum.status", "icmp.checksum.status", "udp.checksum.status",
                   "tcp.checksum.status")
# eth.fcs: assume every frame ends in an FCS; eth.check_fcs: verify it
FCS_PREFS = ("-o", "eth.fcs:Always", "-o", "eth.check_fcs:TRUE")

_ROOT_WARNING = re.compile(r'^Running as user "root" and group "root"')


def require_tshark() -> str:
    """The tshark binary's path; skips the calling test when there is none."""
    path = shutil.which("tshark")
    if path is None:
        pytest.skip(TSHARK_MISSING)
    return path


@functools.cache
def _config_dir() -> str:
    path = tempfile.mkdtemp(prefix="netsim-tshark-")
    atexit.register(shutil.rmtree, path, True)
    return path


def _env() -> dict:
    home = _config_dir()
    return dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, WIRESHARK_CONFIG_DIR=home,
                LC_ALL="C.UTF-8")


def _run(args: list[str]) -> str:
    proc = subprocess.run([require_tshark(), *args], check=False, capture_output=True, text=True,
                          env=_env(), timeout=60)
    errors = [line for line in proc.stderr.splitlines()
              if line.strip() and not _ROOT_WARNING.match(line)]
    if proc.returncode != 0 or errors:
        raise AssertionError(f"tshark {' '.join(args)} failed (exit {proc.returncode}): "
                             + "; ".join(errors))
    return proc.stdout


@functools.cache
def checksum_prefs() -> tuple[str, ...]:
    """``-o PROTO.check_checksum:TRUE`` for each of ip, icmp, udp, tcp that this tshark
    has such a preference for (tshark 4.0 always checks ICMP and has none for it)."""
    prefs = _run(["-G", "defaultprefs"])
    args: list[str] = []
    for proto in ("ip", "icmp", "udp", "tcp"):
        name = f"{proto}.check_checksum"
        if re.search(rf"^#?{re.escape(name)}:", prefs, re.MULTILINE):
            args += ["-o", f"{name}:TRUE"]
    return tuple(args)


def tshark_fields(pcap_path, fields: list[str], extra_args=()) -> list[dict[str, str]]:
    """One dict per frame, field name → tshark's text for it ('' when absent; several
    occurrences joined with ','), checksum validation on."""
    args = ["-n", "-r", str(pcap_path), *checksum_prefs(), *extra_args,
            "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=,", "-E", "quote=n"]
    for name in fields:
        args += ["-e", name]
    lines = _run(args).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0].split("\t")
    assert header == list(fields), header
    rows = []
    for line in lines[1:]:
        values = line.split("\t")
        assert len(values) == len(fields), line
        rows.append(dict(zip(fields, values)))
    return rows


def values(text: str) -> list[str]:
    """Every occurrence in one field of a :func:`tshark_fields` row."""
    return text.split(",") if text else []


def _severity(text: str) -> int:
    return int(text, 0) if text[:1].isdigit() else SEVERITY[text.lower()]


def tshark_problems(pcap_path, fcs: bool = False) -> dict[str, int]:
    """Counts of frames tshark finds fault with: ``malformed`` (``_ws.malformed``),
    ``expert_errors`` (an expert item of severity error), ``bad_checksums`` (an IPv4,
    ICMP, UDP or TCP checksum status Bad or Illegal, quoted headers included) and, with
    ``fcs=True`` (frames end in an FCS), ``bad_fcs`` and ``good_fcs``. ``frames`` is the
    number of frames read."""
    fields = ["frame.number", "_ws.malformed", "_ws.expert.severity", *CHECKSUM_FIELDS]
    if fcs:
        fields.append("eth.fcs.status")
    rows = tshark_fields(pcap_path, fields, FCS_PREFS if fcs else ())
    bad = {str(CHECKSUM_BAD), str(CHECKSUM_ILLEGAL)}
    problems = {
        "frames": len(rows),
        "malformed": sum(1 for r in rows if r["_ws.malformed"]),
        "expert_errors": sum(1 for r in rows if any(
            _severity(s) >= SEVERITY_ERROR for s in values(r["_ws.expert.severity"]))),
        "bad_checksums": sum(1 for r in rows if any(
            s in bad for f in CHECKSUM_FIELDS for s in values(r[f]))),
    }
    if fcs:
        fcs_status = [values(r["eth.fcs.status"]) for r in rows]
        problems["bad_fcs"] = sum(1 for s in fcs_status if str(CHECKSUM_BAD) in s)
        problems["good_fcs"] = sum(1 for s in fcs_status if s == [str(CHECKSUM_GOOD)])
    return problems


def clean(frames: int, fcs: bool = False) -> dict[str, int]:
    """What :func:`tshark_problems` returns for a faultless capture of ``frames`` frames."""
    expected = {"frames": frames, "malformed": 0, "expert_errors": 0, "bad_checksums": 0}
    if fcs:
        expected.update(bad_fcs=0, good_fcs=frames)
    return expected
