"""What a server sends back besides answers: the response fitted into the
requestor's UDP size (RFC 1035 §4.2.1, RFC 6891 §7, RFC 2181 §9), and FORMERR for
bytes that are no DNS message. Servers, resolvers and forwarders share these."""

from simulator.wire.dns import FORMERR, HEADER_LEN, UDP_LIMIT, Message
from simulator.wire.errors import DecodeError

__all__ = ["udp_limit", "fit", "decode_query"]


def decode_query(data: bytes):
    """(query, None) for bytes that decode; else (None, reply): FORMERR echoing the ID
    and opcode when a whole header of a query is there (RFC 1035 §4.1.1), or None —
    a response or a runt is dropped, as BIND does."""
    try:
        return Message.unpack(data), None
    except DecodeError:
        if len(data) < HEADER_LEN or data[2] & 0x80:
            return None, None
        opcode = data[2] >> 3 & 0xF
        return None, Message(int.from_bytes(data[:2], "big"), qr=True, opcode=opcode,
                             rcode=FORMERR)


def udp_limit(query: Message, own_max: int) -> int:
    """The largest UDP response for ``query``: 512 without EDNS, else the requestor's
    payload size (values below 512 count as 512, RFC 6891 §6.2.5) capped by ours."""
    if query.edns is None:
        return UDP_LIMIT
    return max(UDP_LIMIT, min(query.edns.payload_size, own_max))


def _rrsets(records):
    """Records grouped into runs of one owner and type, in order."""
    groups = []
    for rr in records:
        if groups and groups[-1][0].name == rr.name and groups[-1][0].rtype == rr.rtype:
            groups[-1].append(rr)
        else:
            groups.append([rr])
    return groups


def _copy(m: Message, answer, authority, additional, tc: bool) -> Message:
    return Message(m.id, qr=m.qr, opcode=m.opcode, aa=m.aa, tc=tc, rd=m.rd, ra=m.ra, z=m.z,
                   ad=m.ad, cd=m.cd, rcode=m.rcode, questions=m.questions, answer=answer,
                   authority=authority, additional=additional, edns=m.edns)


def fit(response: Message, limit: int) -> Message:
    """``response`` if it fits in ``limit`` bytes. Otherwise the additional section
    loses whole RRsets from its end without TC (RFC 2181 §9: extra data does not set
    TC); if even that is not enough, TC is set and only the answer and authority
    RRsets that fit whole are kept, in order (RFC 2181 §9). The OPT record stays."""
    if len(response.pack()) <= limit:
        return response
    additional = _rrsets(response.additional)
    while additional:
        additional.pop()
        m = _copy(response, response.answer, response.authority,
                  [rr for rrset in additional for rr in rrset], False)
        if len(m.pack()) <= limit:
            return m
    answer, authority = [], []
    for section, kept in ((response.answer, answer), (response.authority, authority)):
        for rrset in _rrsets(section):
            kept += rrset
            if len(_copy(response, answer, authority, [], True).pack()) > limit:
                del kept[-len(rrset):]
                return _copy(response, answer, authority, [], True)
    return _copy(response, answer, authority, [], True)
