"""A DNS cache (RFC 1035 §7.4, RFC 2181 §5.4.1, RFC 2308 §5), in simulated time.

Entries are whole RRsets, or negative entries: NXDOMAIN for a name (any type) or
NODATA for a name and type, each with the SOA it came with. TTLs count down in whole
seconds: an entry stored at ``t0`` with TTL ``T`` is served at ``now`` with TTL
``T - (now - t0) // 1 s`` and is gone once that reaches 0. Records with TTL 0 are
not stored (they serve only the answer they came in). TTLs are capped at
``max_ttl`` (BIND's max-cache-ttl, 7 days) and negative TTLs at ``max_negative_ttl``
(BIND's max-ncache-ttl, 3 hours) after taking min(SOA TTL, MINIMUM) (RFC 2308 §5).

Data is ranked by trust (RFC 2181 §5.4.1): an authoritative answer beats a referral's
NS records, which beat glue; a live entry is only replaced by data of equal or higher
rank. At ``capacity`` entries the least recently used one goes first.

A cache made with :func:`traced` reports each entry stored and removed as a
``dns_cache`` trace event, which the run's tables (scenario/tables.py) replay.
"""

from collections import OrderedDict

from simulator.engine.units import NS_PER_S
from simulator.wire.dns import NOERROR, NXDOMAIN
from simulator.wire.dns_records import TYPE_CNAME, Name, ResourceRecord, type_text

__all__ = ["Cache", "RANK_GLUE", "RANK_REFERRAL", "RANK_ANSWER", "cached_answer", "traced"]

RANK_GLUE, RANK_REFERRAL, RANK_ANSWER = 1, 2, 3
MAX_TTL = 7 * 24 * 3600
MAX_NEGATIVE_TTL = 3 * 3600
_NXDOMAIN_KEY = -1                # a negative entry for every type at a name


class _Entry:
    __slots__ = ("records", "stored", "ttl", "rank", "rcode")

    def __init__(self, records, stored: int, ttl: int, rank: int, rcode=None):
        self.records = records    # the RRset, or [SOA] for a negative entry
        self.stored = stored
        self.ttl = ttl
        self.rank = rank
        self.rcode = rcode        # None for data; NOERROR (NODATA) or NXDOMAIN

    def remaining(self, now: int) -> int:
        return self.ttl - (now - self.stored) // NS_PER_S


class Cache:
    def __init__(self, capacity: int = 10_000, max_ttl: int = MAX_TTL,
                 max_negative_ttl: int = MAX_NEGATIVE_TTL):
        self.capacity = capacity
        self.max_ttl = max_ttl
        self.max_negative_ttl = max_negative_ttl
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.hits = self.misses = self.evictions = 0
        self.observer = None      # called (change, key, entry) on each store and removal

    def __len__(self) -> int:
        return len(self._entries)

    # -- storing -----------------------------------------------------------------------
    def put(self, rrset: list[ResourceRecord], now: int, rank: int = RANK_ANSWER) -> None:
        """Store one RRset (all records of one owner and type) under its smallest TTL."""
        ttl = min(min(rr.ttl for rr in rrset), self.max_ttl)
        first = rrset[0]
        key = (first.name.key, first.rtype)
        if ttl <= 0 or not self._replaceable(key, rank, now):
            return
        self._drop((first.name.key, _NXDOMAIN_KEY))
        self._store(key, _Entry([rr.with_ttl(ttl) for rr in rrset], now, ttl, rank))

    def put_negative(self, name: Name, rtype: int, rcode: int, soa: ResourceRecord,
                     now: int) -> None:
        """Store NXDOMAIN (for every type at ``name``) or NODATA (for ``rtype``) with the
        SOA from the authority section; its TTL is min(SOA TTL, MINIMUM) (RFC 2308 §5)."""
        ttl = min(soa.ttl, soa.rdata.minimum, self.max_negative_ttl)
        key = (name.key, _NXDOMAIN_KEY if rcode == NXDOMAIN else rtype)
        if ttl <= 0 or not self._replaceable(key, RANK_ANSWER, now):
            return
        self._store(key, _Entry([soa.with_ttl(ttl)], now, ttl, RANK_ANSWER, rcode))

    def _replaceable(self, key, rank: int, now: int) -> bool:
        old = self._entries.get(key)
        return old is None or old.rank <= rank or old.remaining(now) <= 0

    def _store(self, key, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        self._notify("store", key, entry)
        while len(self._entries) > self.capacity:
            self._notify("evict", *self._entries.popitem(last=False))
            self.evictions += 1

    def _drop(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._notify("replace", key, entry)

    def _notify(self, change: str, key, entry: _Entry) -> None:
        if self.observer is not None:
            self.observer(change, key, entry)

    # -- reading -----------------------------------------------------------------------
    def _live(self, key, now: int) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.remaining(now) <= 0:
            del self._entries[key]
            self._notify("expire", key, entry)
            return None
        self._entries.move_to_end(key)
        return entry

    def get(self, name: Name, rtype: int, now: int) -> list[ResourceRecord] | None:
        """The live RRset with TTLs counted down, or None."""
        entry = self._live((name.key, rtype), now)
        if entry is None or entry.rcode is not None:
            return None
        left = entry.remaining(now)
        return [rr.with_ttl(left) for rr in entry.records]

    def get_negative(self, name: Name, rtype: int, now: int):
        """(NXDOMAIN or NOERROR, the SOA with its TTL counted down) for a cached
        negative answer to (name, rtype), or None."""
        for key in ((name.key, _NXDOMAIN_KEY), (name.key, rtype)):
            entry = self._live(key, now)
            if entry is not None and entry.rcode is not None:
                return entry.rcode, entry.records[0].with_ttl(entry.remaining(now))
        return None


MAX_CACHED_CHAIN = 8


def cached_answer(cache: Cache, name: Name, rtype: int, now: int):
    """An answer to (name, rtype) built from the cache alone, following cached CNAMEs
    (RFC 1034 §4.3.2 as a resolver does it, §5.3.3): ``(rcode, answer, authority,
    last_name)`` when the cache settles it, or ``(None, chain, [], last_name)`` with the
    CNAMEs found so far when the last name must be asked about."""
    chain: list[ResourceRecord] = []
    seen = set()
    while True:
        rrset = cache.get(name, rtype, now)
        if rrset is not None:
            cache.hits += 1
            return NOERROR, chain + rrset, [], name
        negative = cache.get_negative(name, rtype, now)
        if negative is not None:
            cache.hits += 1
            rcode, soa = negative
            return rcode, chain, [soa], name
        cname = cache.get(name, TYPE_CNAME, now) if rtype != TYPE_CNAME else None
        if cname is None or name.key in seen or len(chain) >= MAX_CACHED_CHAIN:
            cache.misses += 1
            return None, chain, [], name
        seen.add(name.key)
        chain += cname
        name = cname[0].rdata.target


def _entry_fields(key, entry: _Entry) -> dict:
    """A cache entry as trace fields: owner, type (NXDOMAIN / NODATA for negative
    entries), the records' data, the TTL it was stored with and when."""
    owner, rtype = key
    if entry.rcode is None:
        kind, data = type_text(rtype), [rr.rdata.text() for rr in entry.records]
    else:
        kind = "NXDOMAIN" if rtype == _NXDOMAIN_KEY else f"NODATA {type_text(rtype)}"
        data = []
    return {"name": str(Name(owner)), "type": kind, "data": data, "ttl": entry.ttl,
            "stored_ns": entry.stored}


def traced(cache: Cache, node) -> Cache:
    """``cache``, reporting its changes as ``dns_cache`` events of ``node``."""
    tracer = node.sim.tracer

    def observe(change: str, key, entry: _Entry) -> None:
        if tracer.on:
            tracer.emit(node.name, "dns", "dns_cache", change=change, **_entry_fields(key, entry))

    cache.observer = observe
    return cache
