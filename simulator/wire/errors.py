"""Errors raised while decoding packets from bytes."""


class DecodeError(ValueError):
    """Bytes that are truncated or do not form a valid packet of the expected kind."""


class FcsError(DecodeError):
    """An Ethernet frame whose trailing FCS (CRC-32, IEEE 802.3 §3.2.9) does not match."""
