"""Option negotiation on the SYN exchange and per-segment options.

MSS (RFC 9293 §3.7.1: absent → 536), window scale (RFC 7323 §2: both SYNs must carry
it, shift at most 14), timestamps (RFC 7323 §3: used when both SYNs carry it) and
SACK-permitted (RFC 2018 §2). The SYN's option layout is Linux's
(``mss,sackOK,TS,nop,wscale``; nops align what is left over).
"""

from dataclasses import dataclass

from simulator.wire.tcp import Mss, Nop, Sack, SackPermitted, Timestamps, WindowScale

TS_LEN = 12             # nop, nop, timestamps: what timestamps cost every segment
_NOP = Nop()


@dataclass(slots=True)
class Negotiated:
    """What the SYN exchange settled."""

    peer_mss: int
    snd_wscale: int = 0          # shift applied to the peer's window field
    rcv_wscale: int = 0          # shift applied to our window field
    timestamps: bool = False
    sack: bool = False


def syn_options(config, mss: int, wscale: int, tsval: int | None, tsecr: int = 0,
                peer: Negotiated | None = None) -> tuple:
    """The options of our SYN (``peer`` None) or SYN-ACK (answering only what the
    peer's SYN offered)."""
    sack = config.sack and (peer is None or peer.sack)
    ts = config.timestamps and tsval is not None and (peer is None or peer.timestamps)
    ws = config.window_scaling and (peer is None or peer.snd_wscale is not None)
    opts = [Mss(mss)]
    if sack and ts:
        opts += [SackPermitted(), Timestamps(tsval, tsecr)]
    elif ts:
        opts += [_NOP, _NOP, Timestamps(tsval, tsecr)]
    elif sack:
        opts += [_NOP, _NOP, SackPermitted()]
    if ws:
        opts += [_NOP, WindowScale(wscale)]
    return tuple(opts)


def peer_offer(config, syn) -> Negotiated:
    """Read the peer's SYN: its MSS (536 if absent), and which options it offers.
    ``snd_wscale`` is None when the peer did not send window scale."""
    mss = syn.option(Mss)
    ws = syn.option(WindowScale)
    return Negotiated(
        peer_mss=mss.value if mss is not None else config.mss_default,
        snd_wscale=None if ws is None else min(ws.shift, 14),
        timestamps=syn.option(Timestamps) is not None,
        sack=syn.option(SackPermitted) is not None)


def settle(config, offer: Negotiated, our_wscale: int) -> Negotiated:
    """Both sides' SYNs known: an option is on only if both carried it (RFC 7323 §1.3,
    RFC 2018 §2); without window scaling both shifts are 0."""
    ws_on = config.window_scaling and offer.snd_wscale is not None
    return Negotiated(
        peer_mss=offer.peer_mss,
        snd_wscale=offer.snd_wscale if ws_on else 0,
        rcv_wscale=our_wscale if ws_on else 0,
        timestamps=config.timestamps and offer.timestamps,
        sack=config.sack and offer.sack)


def segment_options(tsval: int | None, tsecr: int, blocks) -> tuple:
    """A synchronized segment's options: ``nop,nop,TS`` then ``nop,nop,sack`` (Linux)."""
    opts = ()
    if tsval is not None:
        opts = (_NOP, _NOP, Timestamps(tsval, tsecr))
    if blocks:
        opts += (_NOP, _NOP, Sack(blocks))
    return opts


def max_sack_blocks(timestamps: bool) -> int:
    """Blocks that fit in 40 option bytes: 4, or 3 beside timestamps (RFC 2018 §3)."""
    return 3 if timestamps else 4
