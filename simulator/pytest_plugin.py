"""The pytest plugin (entry point ``netsim`` in ``pytest11``): ``pytest scenarios/``.

It collects every scenario file (``*.yaml``/``*.yml`` with ``topology:``) inside a
folder named ``scenarios`` — so the project's own ``pytest`` run, whose test paths
hold none, collects nothing extra. Each file gives one test item per expectation,
named by the expectation's name (``pc1-pc2 loss, rtt_max``), and one ``golden`` item
comparing the run with its golden result (:mod:`simulator.scenario.golden`); the scenario runs once, when its first
item runs. A file that does not load is one failing item with netsim's one-line
message. ``-p no:netsim`` turns the plugin off.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from simulator.scenario.errors import ScenarioError

FOLDER = "scenarios"


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix in (".yaml", ".yml") and FOLDER in file_path.parent.parts \
            and _has_topology(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _has_topology(path: Path) -> bool:
    from simulator.scenario.yamlpos import load_yaml_file

    try:
        data = load_yaml_file(path).data
    except ScenarioError:
        return True             # reported by the file's item, not skipped
    return isinstance(data, dict) and "topology" in data


class ScenarioFailed(Exception):
    """An expectation or golden comparison that did not hold, with its explanation."""


class ScenarioFile(pytest.File):
    """One scenario: its items share one run (in a temporary folder)."""

    def collect(self):
        from simulator.scenario.expect import name_of
        from simulator.scenario.load import load_scenario
        from simulator.scenario.yamlpos import load_yaml_file

        try:
            scenario = load_scenario(self.path)
            doc = load_yaml_file(self.path)
        except ScenarioError as error:
            yield ScenarioItem.from_parent(self, name="load", kind="load", message=str(error))
            return
        self.scenario = scenario
        names: dict[str, int] = {}
        for k, expectation in enumerate(scenario.expect):
            line, _ = doc.position(("expect", k))
            name = name_of(expectation)
            names[name] = names.get(name, 0) + 1
            if names[name] > 1:
                name = f"{name} #{names[name]}"      # the same check twice: still two items
            yield ScenarioItem.from_parent(self, name=name,
                                           kind="expect", index=k, line=line,
                                           message=_flow(doc.data["expect"][k]))
        yield ScenarioItem.from_parent(self, name="golden", kind="golden", line=1)

    def result(self):
        """The run (run on first use): ``(RunResult, output folder)``."""
        if not hasattr(self, "_run"):
            from simulator.scenario.run import run_scenario

            out = Path(tempfile.mkdtemp(prefix=f"netsim-{self.path.stem}-"))
            self._run = run_scenario(self.scenario, out, plots=False), out
        return self._run

    def teardown(self):
        if hasattr(self, "_run"):
            shutil.rmtree(self._run[1], ignore_errors=True)


class ScenarioItem(pytest.Item):
    def __init__(self, *, kind: str, index: int = 0, line: int = 1, message: str = "", **kw):
        super().__init__(**kw)
        self.kind, self.index, self.line, self.message = kind, index, line, message

    def runtest(self):
        if self.kind == "load":
            raise ScenarioFailed(self.message)
        result, out = self.parent.result()
        if result.stopped_early:
            ended = result.ended
            raise ScenarioFailed(f"the run stopped early: {ended.reason} at simulated time "
                                 f"{ended.at_ns / 1e9:.9f} s after {ended.events} events")
        if self.kind == "expect":
            verdict = result.verdicts[self.index]
            if not verdict.ok:
                raise ScenarioFailed(f"expected: {self.message}\n"
                                     f"got:      {verdict.detail}")
            return
        from simulator.scenario import golden

        comparison = golden.compare(self.path, out)
        if not comparison.ok:
            raise ScenarioFailed("\n".join(comparison.lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.line - 1, self.name


def _flow(value) -> str:
    """An expectation as the file wrote it, in YAML flow style: ``{app: pc1-pc2, loss: 0%}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return str(value)
