"""The base of every schema model: unknown keys are errors, with a suggestion.

``unknown field 'gatway' (did you mean 'gateway'?)`` — pydantic's own
``extra="forbid"`` error names no alternative, so the check runs first and the
remaining validation errors are merged after it.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

_BUILTIN_ERRORS = frozenset(typing.get_args(core_schema.ErrorType))


def _redetail(err: dict[str, Any]) -> InitErrorDetails:
    """A ``ValidationError.errors()`` entry back into something we can re-raise."""
    kind = err["type"]
    if kind in _BUILTIN_ERRORS:
        return InitErrorDetails(type=kind, loc=err["loc"], input=err["input"], ctx=err.get("ctx", {}))
    return InitErrorDetails(
        type=PydanticCustomError(kind, err["msg"]), loc=err["loc"], input=err["input"]
    )


class Model(BaseModel):
    """Base of every schema model: unknown keys are errors, with a suggestion."""

    # defer_build: a model's validator is built when it is first used on its own; the
    # schema's ~80 models are otherwise each compiled at import, every nested model again
    # inside each parent's validator, while a file goes through Topology and Scenario only
    # (benchmarks/RESULTS.md, "Start-up, fourth pass"). pydantic >= 2.14 builds a deferred
    # model under a lock, so threads that meet it first at once (a Dask worker) are safe.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @model_validator(mode="wrap")
    @classmethod
    def _reject_unknown_keys(cls, data: Any, handler):
        if not isinstance(data, dict):
            return handler(data)
        fields = cls.model_fields
        unknown = [k for k in data if k not in fields]
        if not unknown:
            return handler(data)
        key = unknown[0]  # the first in the file is the one reported
        names = list(fields)
        close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "valid fields: " + ", ".join(sorted(fields))
        message = f"unknown field '{key}' ({hint})"
        errors = [InitErrorDetails(
            type=PydanticCustomError("unknown_field", message.replace("{", "{{").replace("}", "}}")),
            loc=(key,), input=data[key])]
        try:
            handler({k: v for k, v in data.items() if k in fields})
        except ValidationError as exc:
            # A misspelt key explains "missing 'nodes'" and a whole-model complaint
            # ("a host needs 'ip'"); only its own did-you-mean is worth reading.
            errors.extend(_redetail(e) for e in exc.errors() if e["loc"] and not (
                e["type"] == "missing" and len(e["loc"]) == 1
                and _misspelt(e["loc"][0], [str(k) for k in unknown], names)))
        raise ValidationError.from_exception_data(cls.__name__, errors)


def _misspelt(field: str, unknown: list[str], fields: list[str]) -> bool:
    """Whether one of the ``unknown`` keys is ``field`` misspelt (its closest field)."""
    return any(difflib.get_close_matches(key, fields, n=1, cutoff=0.6) == [field]
               for key in difflib.get_close_matches(field, unknown, n=3, cutoff=0.6))
