"""The nodes' tables over time: ARP caches, MAC tables, routing tables, NAT
translation tables and DNS caches, rebuilt from the trace's change events
(``arp_state``, ``learn``, ``routes_changed``, ``nat.map``/``nat.expire``,
``dns_cache``). A DNS entry shows the TTL it was stored with and the time it
runs out (RFC 1035 §7.4: the cache counts it down; a lookup past that time
removes it).

:class:`Tables` applies one event at a time and says what changed and what the
table now holds; ``netsim explain`` prints that beside each step, and
:class:`TableLog` (a tracer sink) keeps the first ``limit`` changes, each with
its snapshot, for ``summary.json``'s ``tables``.
"""

from simulator.engine.units import NS_PER_S

CHANGES = frozenset({"arp_state", "learn", "routes_changed", "nat.map", "nat.expire",
                     "dns_cache"})
SNAPSHOT_MAX = 64       # entries: a bigger table's snapshot is left out of the summary


class Tables:
    def __init__(self):
        self.arp: dict = {}        # (node, iface) → {ip: "mac STATE"}
        self.mac: dict = {}        # node → {mac: port}
        self.nat: dict = {}        # node → {"proto external": internal}
        self.dns: dict = {}        # node → {"name type": "data TTL t (until s)"}

    def apply(self, e: dict) -> tuple[str, str, dict | list] | None:
        """Apply a change event: ``(table name, change, the table now)``, or None."""
        kind = e["event"]
        if kind == "arp_state":
            table = self.arp.setdefault((e["node"], e["if"]), {})
            table[e["ip"]] = f"{e['mac'] or '(none)'} {e['state']}"
            return f"ARP {e['if']}", f"{e['ip']} {table[e['ip']]}", dict(sorted(table.items()))
        if kind == "learn":
            table = self.mac.setdefault(e["node"], {})
            table[e["mac"]] = e["port"]
            return "MAC table", f"{e['mac']} {e['port']}", dict(sorted(table.items()))
        if kind == "routes_changed":
            change = "; ".join([f"+{r}" for r in e["added"]] + [f"-{r}" for r in e["removed"]])
            return "routes", change, list(e["routes"])
        if kind in ("nat.map", "nat.expire"):
            table = self.nat.setdefault(e["node"], {})
            key = f"{e['proto']} {e['external']}"
            if kind == "nat.map":
                table[key] = e["internal"]
            else:
                table.pop(key, None)
            sign = "+" if kind == "nat.map" else "-"
            return "NAT", f"{sign}{key} ↔ {e['internal']}", dict(sorted(table.items()))
        if kind == "dns_cache":
            table = self.dns.setdefault(e["node"], {})
            key = f"{e['name']} {e['type']}"
            if e["change"] == "store":
                until = (e["stored_ns"] + e["ttl"] * NS_PER_S) / NS_PER_S
                data = " ".join(e["data"] + [f"TTL {e['ttl']} (until {until:.3f} s)"])
                table[key] = data
                return "DNS cache", f"+{key} {data}", dict(sorted(table.items()))
            table.pop(key, None)
            return "DNS cache", f"-{key} ({e['change']})", dict(sorted(table.items()))
        return None


class TableLog:
    """Tracer sink: the first ``limit`` table changes, with snapshots, and their count."""

    kinds = CHANGES         # the tracer hands it only these (it skips anything else too)

    def __init__(self, limit: int = 500):
        self.limit = limit
        self.tables = Tables()
        self.changes: list[dict] = []
        self.count = 0

    def __call__(self, event: dict) -> None:
        if event["event"] not in CHANGES:
            return
        name, change, now = self.tables.apply(event)
        self.count += 1
        if len(self.changes) < self.limit:
            record = {"ns": event["ns"], "node": event["node"], "table": name, "change": change}
            if len(now) <= SNAPSHOT_MAX:
                record["now"] = now
            self.changes.append(record)

    def summary(self) -> dict:
        return {"changes": self.count, "kept": self.changes}
