"""Checks of a topology's DNS beyond the schema (``netsim check``): zone files are read
(relative to the YAML file) and parsed; a node runs at most one port-53 service; every
root hint, forwarder server and ``dns:`` server is some node's address."""

from __future__ import annotations

import os

from ..apps.dns.zone import Zone, ZoneError

SERVICES = ("dns_server", "dns_resolver", "dns_forwarder")
MAX_ZONE_FILE = 16 << 20


def check_dns(checks) -> None:
    """Append the DNS problems of ``checks.t`` (a TopologyChecks) to its errors."""
    base = os.path.dirname(checks.at.doc.file or "") if checks.at.doc.file else "."
    for name, node in checks.t.nodes.items():
        given = [s for s in SERVICES if getattr(node, s, None) is not None]
        if len(given) > 1:
            checks.fail(("nodes", name, given[1]),
                        f"'{given[1]}' and '{given[0]}' both need port 53; run one per node")
        server = getattr(node, "dns_server", None)
        for i, zone in enumerate(server.zones if server else ()):
            if zone.file is not None:
                error = load_zone_file(zone, base)
                if error:
                    checks.fail(("nodes", name, "dns_server", "zones", i, "file"), error)
        resolver = getattr(node, "dns_resolver", None)
        for i, hint in enumerate(resolver.root_hints if resolver else ()):
            _known(checks, hint.ip, ("nodes", name, "dns_resolver", "root_hints", i), "root hint")
        forwarder = getattr(node, "dns_forwarder", None)
        for i, ip in enumerate(forwarder.servers if forwarder else ()):
            _known(checks, ip, ("nodes", name, "dns_forwarder", "servers", i), "server")
        for i, ip in enumerate(node.dns.servers if hasattr(node, "dns") else ()):
            _known(checks, ip, ("nodes", name, "dns", "servers", i), "server")


def _known(checks, ip, path, what: str) -> None:
    if ip not in checks.owners:
        checks.fail(path, f"{what} {ip} is no node's address")


def load_zone_file(zone, base_dir: str) -> str | None:
    """Read and parse ``zone.file`` (relative to ``base_dir``) into the spec; the
    problem as a sentence, or None."""
    path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(zone.file)))
    if not os.path.isfile(path):
        return f"zone file '{zone.file}' not found (looked for {path})"
    if os.path.getsize(path) > MAX_ZONE_FILE:
        return f"zone file '{zone.file}' is larger than 16 MiB"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        zone._zone = Zone.from_master(text, zone.origin, filename=zone.file)
    except (OSError, UnicodeDecodeError) as error:
        return f"zone file '{zone.file}': {error}"
    except ZoneError as error:
        return str(error)
    return None
