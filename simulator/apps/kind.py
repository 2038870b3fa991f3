"""What the scenario layer knows of an app kind: one :class:`AppKind` per YAML key.

An app module declares, next to the app itself, its YAML spec (a
:class:`~simulator.spec.model.Model`), how it is built from ``(node, spec, name)``,
the expectation fields it supports (:mod:`simulator.apps.checks`, each reading one
of its result keys) and its :class:`Role` for the port checks. The table in
:mod:`simulator.apps` registers every kind; docs/apps.md shows how to add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from simulator.apps.checks import Check
from simulator.spec.model import Model


class AppSpec(Model):
    """Base of the app kinds an :class:`~simulator.scenario.schema.Action` can start."""


class Role(Enum):
    """What an app binds, for the scenario's port checks (RFC 768, RFC 9293 demultiplex
    on the port: one server per port and protocol)."""

    TCP_SERVER = "tcp server"   # listens on its spec's ``port``
    UDP_SERVER = "udp server"   # binds its spec's ``port``
    UDP_CLIENT = "udp client"   # binds an ephemeral UDP source port

    @property
    def protocol(self) -> str:
        return self.value.split()[0]

    @property
    def serves(self) -> bool:
        """Whether the app binds the ``port`` of its spec."""
        return self.value.endswith("server")


@dataclass(frozen=True)
class AppKind:
    """One app kind: ``name`` is its YAML key in a ``run:`` action (``ping:``)."""

    name: str
    spec: type[AppSpec]
    build: Callable[[Any, Any, str], Any]       # (node, spec, action name) → app
    checks: tuple[Check, ...]
    role: Role | Callable[[Any], Role | None] | None = None

    @property
    def ends(self) -> bool:
        """Whether its app ends by itself (a client); a server runs until stopped."""
        return not (isinstance(self.role, Role) and self.role.serves)

    @property
    def result_keys(self) -> tuple[str, ...]:
        """The keys of ``result()`` this kind's checks read."""
        return tuple(dict.fromkeys(check.key for check in self.checks))

    @property
    def check_names(self) -> list[str]:
        """The expectation fields that can be checked on this kind."""
        return [check.name for check in self.checks]

    def role_of(self, spec) -> Role | None:
        """The role of an app of this kind started with ``spec``."""
        return self.role(spec) if callable(self.role) else self.role
