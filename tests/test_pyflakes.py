"""pyflakes finds nothing in simulator/, tests/ or benchmarks/: an unused import, an
undefined or shadowed name fails the suite (and so CI), not a later reader. pyflakes
reads no ``# noqa``: an import made only to see whether it works is
``importlib.import_module``."""

import io
from pathlib import Path

from pyflakes.api import checkRecursive
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parents[1]


def test_pyflakes_reports_nothing():
    out = io.StringIO()
    count = checkRecursive([str(ROOT / d) for d in ("simulator", "tests", "benchmarks")],
                           Reporter(out, out))
    assert count == 0, out.getvalue()


def test_pyflakes_would_catch_an_unused_import(tmp_path):
    (tmp_path / "m.py").write_text("import os\n")
    out = io.StringIO()
    assert checkRecursive([str(tmp_path)], Reporter(out, out)) == 1
    assert "'os' imported but unused" in out.getvalue()
