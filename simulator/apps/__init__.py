"""Applications, by the name a scenario's ``run:`` entries use for them.

Each app module declares its kind (:class:`~simulator.apps.kind.AppKind`: YAML
spec, builder, expectation fields, port role) next to the app; the table below
registers them, and the scenario layer derives ``Action``'s app keys,
``Expectation``'s fields, ``netsim check``'s checks and the JSON Schema from it.
Adding an app is one module and one line here (docs/apps.md).
"""

import sys

from simulator.apps import bulk, ping, reqresp, tcp_echo, traceroute, udp, udp_cbr, udp_echo
from simulator.apps.dns import dig_app
from simulator.apps.http import browse, get
from simulator.apps.kind import AppKind

APPS: dict[str, AppKind] = {}


def register(kind: AppKind) -> None:
    """Add ``kind`` to :data:`APPS` (before :mod:`simulator.scenario.schema` is
    imported: its models are built from the table). A field two kinds check must be
    the same :class:`~simulator.apps.checks.Check`, so it means one thing."""
    if kind.name in APPS:
        raise ValueError(f"app kind {kind.name!r} is registered twice")
    known = {c.name: c for k in APPS.values() for c in k.checks}
    for check in kind.checks:
        if known.get(check.name, check) is not check:
            raise ValueError(f"{kind.name}: expectation field {check.name!r} is already "
                             "declared by another app as a different Check")
    if hasattr(sys.modules.get("simulator.scenario.schema"), "Action"):   # models built
        raise RuntimeError(f"app kind {kind.name!r} registered after the scenario models "
                           "were built from the table; register it before importing them")
    APPS[kind.name] = kind


for _kind in (
    ping.PING,
    traceroute.TRACEROUTE,
    udp.UDP_SEND,
    udp.UDP_SINK,
    bulk.BULK_SEND,
    bulk.BULK_SINK,
    tcp_echo.TCP_ECHO,
    tcp_echo.TCP_ECHO_SERVER,
    udp_echo.UDP_ECHO,
    udp_echo.UDP_ECHO_SERVER,
    udp_cbr.UDP_CBR,
    udp_cbr.UDP_CBR_SINK,
    reqresp.REQRESP,
    reqresp.REQRESP_SERVER,
    dig_app.DIG,
    dig_app.NSLOOKUP,
    get.HTTP_GET,
    browse.BROWSE,
):
    register(_kind)
