"""The malformed-input corpus: every file under corpus/<class>/ must make the real CLI
print exactly one line ``error: file:line:col: field: message`` and exit 2.

Each file's first line says what that line must be::

    # expect: 5:25 nodes.pc2.ip: '10.0.0.2/33' is not a valid IPv4 interface (...)
    # expect: ../bad-topology.yaml:5:25 nodes.pc2.ip: ...   (the error is in another file)
    # expect: - -: file is empty (...)                      (no position, no field)
    # expect[run]: ...                                      (through ``netsim run``)

``{corpus}`` in a message stands for the corpus folder. The files after the first line
are the input as written; some hold a BOM, CRLF line ends, NUL bytes or bytes that are
not UTF-8 on purpose (see the class folders: yaml, values, keys, semantic, scenario).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("*/*.yaml"))
_EXPECT = re.compile(r"# expect(?P<run>\[run\])?: (?P<where>\S+) (?P<field>.+?): (?P<message>.*)")
_WHERE = re.compile(r"-|(?:(?P<file>[^:]+):)?(?P<pos>\d+:\d+)")


def expectation(path: Path) -> tuple[list[str], str]:
    """The command to run on ``path`` and the one line it must print on stderr."""
    first = path.read_bytes().removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    m = _EXPECT.fullmatch(first.decode().rstrip("\r"))
    assert m, f"{path.name}: first line is not '# expect: ...'"
    where = _WHERE.fullmatch(m["where"])
    file = (path.parent / where["file"]).resolve() if where["file"] else path
    parts = [f"{file}:{where['pos']}" if where["pos"] else str(file)]
    if m["field"] != "-":
        parts.append(m["field"])
    parts.append(m["message"].replace("{corpus}", str(CORPUS)))
    command = ["run", str(path), "--no-plots"] if m["run"] else ["check", str(path)]
    return command, "error: " + ": ".join(parts) + "\n"


def test_the_corpus_is_large_and_covers_every_class():
    classes = {p.parent.name: 0 for p in FILES}
    for p in FILES:
        classes[p.parent.name] += 1
    assert len(FILES) >= 150, len(FILES)
    assert set(classes) == {"yaml", "values", "keys", "semantic", "scenario", "compose"}, classes


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_malformed_file_gives_one_located_line_and_exit_2(path, capsys, tmp_path):
    command, line = expectation(path)
    if command[0] == "run":
        command += ["--out", str(tmp_path / "out")]
    status = main(command)
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == line


@pytest.mark.parametrize("path", FILES[::25], ids=[p.stem for p in FILES[::25]])
def test_as_a_process_no_traceback_and_exit_2(path, tmp_path):
    """A sample through the installed console script, as a user runs it."""
    command, line = expectation(path)
    if command[0] == "run":
        command += ["--out", str(tmp_path / "out")]
    netsim = Path(sys.executable).parent / "netsim"
    proc = subprocess.run([str(netsim), *command], capture_output=True, text=True, timeout=60,
                          check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", line)
