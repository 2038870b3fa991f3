"""pyflakes finds nothing in simulator/ or tests/: an unused import, an undefined or
shadowed name fails the suite (and so CI), not a later reader."""

import io
from pathlib import Path

from pyflakes.api import checkRecursive
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parents[1]


def test_pyflakes_reports_nothing():
    out = io.StringIO()
    count = checkRecursive([str(ROOT / "simulator"), str(ROOT / "tests")], Reporter(out, out))
    assert count == 0, out.getvalue()


def test_pyflakes_would_catch_an_unused_import(tmp_path):
    (tmp_path / "m.py").write_text("import os\n")
    out = io.StringIO()
    assert checkRecursive([str(tmp_path)], Reporter(out, out)) == 1
    assert "'os' imported but unused" in out.getvalue()
