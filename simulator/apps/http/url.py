"""What an HTTP client does before it connects: check a YAML URL, split one into
host, port and request target (RFC 9110 §4.2.1), and look its host up. No h11 here:
a scenario with an HTTP app loads without the HTTP engine, which
:mod:`~simulator.apps.http.client` imports when the app connects."""

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any
from urllib.parse import urlsplit

from simulator.spec.values import describe


@dataclass
class Resolution:
    """A lookup's answer in the shape of the resolver contract (node.resolver)."""
    addresses: list
    rcode: str
    source: str | None
    elapsed_ns: int = 0
    server: IPv4Address | None = None
    nodata: bool = False


def lookup(node, host: str):
    """A process step: ``host``'s addresses via ``node.resolver`` (value: a result with
    ``addresses``, ``rcode``, ``source``, ``elapsed_ns``). A node without a resolver
    knows IPv4 literals only (``NOSERVERS`` otherwise)."""
    resolver = getattr(node, "resolver", None)
    if resolver is not None:
        result = yield resolver.resolve(host, "A")
        return result
    try:
        return Resolution([IPv4Address(host)], "NOERROR", "hosts")
    except ValueError:
        return Resolution([], "NOSERVERS", None)


def check_url(value: Any) -> str:
    """A YAML URL: ``http://`` with a host and, if any, a port in range."""
    if not isinstance(value, str):
        raise ValueError(f"expected a URL like http://www.example.com/, got {describe(value)}")
    parts = urlsplit(value.strip())
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"'{value}' is not an http:// URL with a host")
    try:
        parts.port
    except ValueError:
        raise ValueError(f"'{value}': the port is not a number in 0-65535") from None
    return value.strip()


def split_url(url: str) -> tuple[str, int, str]:
    """(host, port, request target) of an ``http://`` URL (RFC 9110 §4.2.1)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, parts.port or 80, target
