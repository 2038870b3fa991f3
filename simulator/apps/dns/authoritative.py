"""An authoritative-only name server's answers, sans-I/O: ``answer(query, transport)``
gives the response message, or None for a message a server does not answer.

Follows RFC 1034 §4.3.2 (the lookup algorithm) for the zones it holds, without
recursion (RA clear) and without wildcards (RFC 4592, not modelled):

* a name below a zone cut → a referral: AA clear, the cut's NS RRset in authority,
  the name servers' addresses held in the zone (glue) in additional;
* the name with data of the type → the RRset, AA set; NS and MX answers get the
  targets' addresses in additional (step 6);
* a CNAME at the name (qtype not CNAME or ANY) → the CNAME, and the lookup restarts
  at its target while the target is in the same zone (step 3a), at most
  ``MAX_CNAME_CHAIN`` links, and stops on a loop;
* the name with no data of the type → NODATA: NOERROR, empty answer, the zone's SOA
  in authority with TTL = min(SOA TTL, MINIMUM) (RFC 2308 §2.2, §3);
* no such name (and no name below it: empty non-terminals exist, RFC 8020) →
  NXDOMAIN with the same SOA (RFC 2308 §2.1, §3); after a CNAME the RCODE is the
  last name's (RFC 6604 §2);
* a name in none of its zones → REFUSED; opcode other than QUERY → NOTIMP; not one
  question → FORMERR; EDNS version above 0 → BADVERS (RFC 6891 §6.1.3).

Over UDP the response is cut to 512 bytes, or the query's EDNS size capped by ours
(:func:`replies.fit`, RFC 2181 §9); over TCP up to 65535.
"""

from simulator.wire.dns import (BADVERS, FORMERR, NOERROR, NOTIMP, NXDOMAIN, OPCODE_QUERY,
                                REFUSED, Edns, Message)
from simulator.wire.dns_records import (CLASS_IN, TYPE_A, TYPE_AAAA, TYPE_ANY, TYPE_CNAME,
                                        TYPE_MX, TYPE_NS, Name, ResourceRecord)

from .replies import fit, udp_limit
from .zone import Zone

__all__ = ["AuthoritativeServer", "MAX_CNAME_CHAIN", "EDNS_PAYLOAD"]

MAX_CNAME_CHAIN = 16        # BIND's limit on CNAMEs followed for one answer
EDNS_PAYLOAD = 1232         # our advertised UDP size (DNS flag day 2020; BIND 9.16+)
TCP_LIMIT = 65535


class AuthoritativeServer:
    """The answering logic for a set of zones."""

    def __init__(self, zones, edns_payload: int = EDNS_PAYLOAD):
        self.zones: list[Zone] = sorted(zones, key=lambda z: -len(z.origin.labels))
        self.edns_payload = edns_payload
        self.queries = 0
        self.responses_by_rcode: dict[int, int] = {}

    def zone_for(self, name: Name) -> Zone | None:
        """The zone with the longest origin that ``name`` is at or below."""
        for zone in self.zones:
            if name.is_subdomain(zone.origin):
                return zone
        return None

    def answer(self, query: Message, transport: str = "udp") -> Message | None:
        """The response to ``query`` received over ``transport`` ("udp" or "tcp")."""
        if query.qr:
            return None                       # responses are never answered
        self.queries += 1
        response = self._respond(query)
        if query.edns is not None:
            response.edns = Edns(self.edns_payload)
        self.responses_by_rcode[response.rcode] = self.responses_by_rcode.get(
            response.rcode, 0) + 1
        limit = udp_limit(query, self.edns_payload) if transport == "udp" else TCP_LIMIT
        return fit(response, limit)

    def _respond(self, query: Message) -> Message:
        if query.opcode != OPCODE_QUERY:
            return Message.response_to(query, NOTIMP)
        if len(query.questions) != 1:
            return Message.response_to(query, FORMERR)
        if query.edns is not None and query.edns.version > 0:
            return Message.response_to(query, BADVERS)
        q = query.question
        zone = self.zone_for(q.name) if q.qclass == CLASS_IN else None
        if zone is None:
            return Message.response_to(query, REFUSED)
        response = Message.response_to(query)
        self._lookup(zone, q.name, q.qtype, response, set())
        return response

    def _lookup(self, zone: Zone, name: Name, qtype: int, r: Message, seen: set) -> None:
        """RFC 1034 §4.3.2 steps 3 and 4 for ``name`` in ``zone``, into ``r``."""
        cut = zone.cut(name)
        if cut:                               # AA stays as the answer so far made it
            r.authority += cut
            r.additional += [g for ns in cut for g in zone.glue(ns.rdata.target)]
            return
        r.aa = True
        if qtype == TYPE_ANY:
            found = [rr for rrset in zone.rrsets_at(name) for rr in rrset]
        else:
            found = zone.get(name, qtype)
        if found:
            r.answer += self._owned_as_asked(found, name)
            self._additional(zone, found, r)
            return
        cname = zone.get(name, TYPE_CNAME)
        if cname:
            r.answer += self._owned_as_asked(cname, name)
            target = cname[0].rdata.target
            seen.add(name.key)
            if (target.is_subdomain(zone.origin) and target.key not in seen
                    and len(seen) < MAX_CNAME_CHAIN):
                self._lookup(zone, target, qtype, r, seen)
            return
        r.rcode = NOERROR if zone.exists(name) else NXDOMAIN
        r.authority.append(zone.negative_soa())

    @staticmethod
    def _owned_as_asked(records, name: Name) -> list[ResourceRecord]:
        """Records with the owner spelt as in the question (as BIND's case-insensitive
        compression does), so a resolver's QNAME case comes back (RFC 4343 §4)."""
        return [ResourceRecord(name, rr.ttl, rr.rdata, rr.rclass) for rr in records]

    @staticmethod
    def _additional(zone: Zone, found, r: Message) -> None:
        """Addresses of NS and MX targets held in the zone (RFC 1034 §4.3.2 step 6)."""
        for rr in found:
            if rr.rtype == TYPE_NS:
                target = rr.rdata.target
            elif rr.rtype == TYPE_MX:
                target = rr.rdata.exchange
            else:
                continue
            for glue in zone.get(target, TYPE_A) + zone.get(target, TYPE_AAAA):
                if glue not in r.additional:
                    r.additional.append(glue)

