"""YAML value types for DNS fields: a domain name and a record type, checked as the
wire codec will take them (RFC 1035 §2.3.4: labels of 1..63 octets, names ≤ 255)."""

from typing import Annotated, Any

from pydantic import AfterValidator

from simulator.spec.values import describe
from simulator.wire.dns_records import Name, type_code

__all__ = ["Domain", "RecordType", "domain"]


def domain(value: Any) -> str:
    """``value`` stripped, if it is a domain name; ValueError saying why not."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a domain name like example.com, got {describe(value)}")
    Name.of(value.strip())
    return value.strip()


def _record_type(value: str) -> str:
    type_code(value)                    # ValueError naming the known types
    return value.upper()


Domain = Annotated[str, AfterValidator(domain)]
RecordType = Annotated[str, AfterValidator(_record_type)]
