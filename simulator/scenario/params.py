"""Scenario parameters: ``params:`` defaults, ``${name}`` references, ``-p`` overrides.

A scenario or topology file may declare ``params:`` (a mapping of name to default)
at its top level and refer to them in any value::

    params: {bottleneck: 10Mbps, loss: 0}
    ...
    rate: ${bottleneck}          # the whole value: the parameter's own YAML type
    name: loss-${loss}           # inside a string: interpolated as text

``$${`` is a literal ``${``. Keys are not substituted. A scenario's parameters are
also visible in the topology file it names (the scenario's value wins over the
topology's default). Overrides (``netsim run -p bottleneck=5Mbps``) are YAML
scalars, parsed as the file's own values are.

Substitution rewrites the parsed data before validation and keeps every path, so
a later error about a substituted value points at its ``${...}`` reference.
Mistakes are located errors: an unknown ``${name}``, a parameter declared but
never used, an override that names no used parameter.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Mapping
from typing import Any

from .errors import ScenarioError
from .schema import describe
from .yamlpos import Path, YamlDocument, load_yaml

__all__ = ["Parameters", "parse_override", "parse_value"]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")   # escape | reference | unterminated


def parse_value(text: str, what: str = "-p") -> Any:
    """A command-line value as a YAML scalar: ``5Mbps`` -> str, ``0.01`` -> float,
    ``true`` -> bool, ``20`` -> int, empty -> None."""
    data = load_yaml(text, what).data
    if isinstance(data, (dict, list)):
        raise ScenarioError(f"expected a single value, got {describe(data)}", field=what)
    return data


def parse_override(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` -> (NAME, VALUE text), or a ScenarioError naming the option."""
    name, eq, value = text.partition("=")
    name = name.strip()
    if not eq or not NAME.fullmatch(name):
        raise ScenarioError(f"expected NAME=VALUE with NAME a parameter name, got '{text}'",
                            field="-p")
    return name, value


class Parameters:
    """The parameters of one load: the overrides, the values in force, and what was used.

    :meth:`substitute` each file (the scenario first, then its topology file), then
    :meth:`finish` once to report unused declarations and overrides."""

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.values: dict[str, Any] = {}
        self.declared: dict[str, tuple[YamlDocument, Path]] = {}   # name -> where its key is
        self.used: set[str] = set()
        self.visible: dict[str, Any] = {}
        self.first: YamlDocument | None = None

    def substitute(self, doc: YamlDocument) -> None:
        """Take ``params:`` out of ``doc.data`` and replace every ``${name}`` in it."""
        self.first = self.first or doc
        own = self._declarations(doc)
        visible = {name: self.overrides.get(name, default) for name, default in own.items()}
        visible.update(self.values)             # the scenario's values win over a topology's
        for name, value in visible.items():
            self.values.setdefault(name, value)
        self.visible = visible
        doc.data = self._walk(doc, doc.data, ())

    def finish(self) -> None:
        """Every declared parameter is used; every override names one."""
        for name in self.overrides:
            if name not in self.declared:
                where = ("params",) if self._had_params else ()
                raise self.first.error(where, f"no parameter '{name}' is declared"
                                              f"{self._suggest(name, self.declared)} (declared: "
                                              f"{', '.join(self.declared) or 'none'})",
                                       key=True, field=f"-p {name}")
        for name, (doc, path) in self.declared.items():
            if name not in self.used:
                raise doc.error(path, f"parameter '{name}' is declared but no value uses ${{{name}}}",
                                key=True)

    # ------------------------------------------------------------------ internals

    _had_params = False

    def _declarations(self, doc: YamlDocument) -> dict[str, Any]:
        data = doc.data
        if not isinstance(data, dict) or "params" not in data:
            return {}
        declared = data.pop("params")
        doc.data = data
        if doc is self.first:
            self._had_params = True
        if declared is None:
            return {}
        if not isinstance(declared, dict):
            raise doc.error(("params",), f"expected a mapping of parameter names to default values, "
                                         f"got {describe(declared)}")
        for name, default in declared.items():
            path = ("params", name)
            if not isinstance(name, str) or not NAME.fullmatch(name):
                raise doc.error(path, f"a parameter name is letters, digits and '_', not starting "
                                      f"with a digit, got {describe(name)}", key=True)
            if _mentions(default):
                raise doc.error(path, "a parameter's default cannot refer to a parameter")
            self.declared.setdefault(name, (doc, path))
        return declared

    def _walk(self, doc: YamlDocument, data: Any, path: Path) -> Any:
        if isinstance(data, str):
            return self._string(doc, data, path) if "$" in data else data
        if isinstance(data, list):
            return [self._walk(doc, item, path + (i,)) for i, item in enumerate(data)]
        if isinstance(data, dict):
            for key in data:
                if isinstance(key, str) and "${" in key:
                    raise doc.error(path + (key,), "parameters are substituted in values, "
                                                   "not in keys", key=True)
            return {key: self._walk(doc, value, path + (key,)) for key, value in data.items()}
        return data

    def _string(self, doc: YamlDocument, text: str, path: Path) -> Any:
        whole = _TOKEN.fullmatch(text)
        if whole and whole.group(1) is not None:
            return copy.deepcopy(self._value(doc, whole.group(1), path))

        def interpolate(match: re.Match) -> str:
            if match.group() == "$${":
                return "${"
            if match.group(1) is None:
                raise doc.error(path, "'${' without its closing '}' (write $${ for a literal ${)")
            value = self._value(doc, match.group(1), path)
            if isinstance(value, (dict, list)):
                raise doc.error(path, f"parameter '{match.group(1)}' is {describe(value)}; "
                                      "only a whole value can be a list or mapping")
            return _text(value)
        return _TOKEN.sub(interpolate, text)

    def _value(self, doc: YamlDocument, name: str, path: Path) -> Any:
        if not NAME.fullmatch(name):
            raise doc.error(path, f"'${{{name}}}': a parameter name is letters, digits and '_'")
        if name not in self.visible:
            raise doc.error(path, f"unknown parameter '{name}'{self._suggest(name, self.visible)}"
                                  f" (declared: {', '.join(self.visible) or 'none'}; "
                                  "declare it under params:)")
        self.used.add(name)
        return self.visible[name]

    @staticmethod
    def _suggest(name: str, names) -> str:
        close = difflib.get_close_matches(name, list(names), n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""


def _mentions(data: Any) -> bool:
    if isinstance(data, str):
        return "${" in data.replace("$${", "")
    if isinstance(data, list):
        return any(_mentions(item) for item in data)
    if isinstance(data, dict):
        return any(_mentions(value) for value in data.values())
    return False


def _text(value: Any) -> str:
    """A scalar as it reads in YAML (``true``, ``null``, ``0.01``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)
