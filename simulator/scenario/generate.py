"""Generated topologies: ``generate: {kind: ..., ...}`` in a topology file.

Each kind makes a graph of routers with networkx, then every kind gets the same
addressing and naming, so the result is an ordinary topology (with
``routing: auto``) that the file's own nodes and links can extend:

* router *i* (in the generator's node order) with hosts has interface ``lan``
  = 10.(i div 256).(i mod 256).1/24; its hosts, ``h0``, ``h1``... numbered
  across the whole topology, are .10, .11... with the router as gateway (a
  switch ``<router>_lan`` joins them when there are several);
* router link *j* (in edge order) is the /30 at 172.16.0.0 + 4j: .1 on its
  first router (interface ``to_<other>``), .2 on the second;
* ``link:`` sets parameters (rate, delay, ...) of every router-router link.

Kinds (networkx generator, routers named ``r0``, ``r1``... unless said):
``line`` (n, path_graph), ``ring`` (n, cycle_graph), ``star`` (n leaves,
star_graph; r0 is the centre), ``grid`` (rows × cols, grid_2d_graph),
``tree`` (branching, height, balanced_tree; hosts on the leaves only),
``random`` (n routers, ``edges`` links, gnm_random_graph from ``seed``, then
joined into one piece), ``dumbbell`` (routers ``left`` and ``right`` joined
by the ``bottleneck`` link, ``hosts`` on each side), ``fat_tree`` (k-ary fat
tree of Al-Fares et al., SIGCOMM 2008: (k/2)² core routers ``c<i>``, per pod
k/2 aggregation ``a<pod>_<i>`` and k/2 edge routers ``e<pod>_<i>``, k/2 hosts
per edge router) and ``zoo`` (a Topology Zoo GraphML file: its nodes in file
order, each link's rate from ``LinkSpeedRaw`` and its delay from the
great-circle distance between the ends' Latitude/Longitude at 2/3 of c).
"""

from __future__ import annotations

import math
import os
from ipaddress import IPv4Address
from typing import Any, ClassVar

import networkx as nx
from pydantic import Field, field_validator

from simulator.spec.model import Model
from .schema import LinkOverrides, describe
from simulator.spec.values import Int, Text
from .yamlpos import Path, YamlDocument

MAX_ROUTERS = 65536          # one 10.x.y.0/24 each
MAX_LINKS = 1 << 18          # the /30s of 172.16.0.0/12
MAX_HOSTS = 200              # .10 to .209 of a router's /24
EARTH_RADIUS_KM = 6371.0
LIGHT_IN_FIBRE_KM_S = 299_792.458 * 2 / 3


class _Generator(Model):
    kind: str
    hosts: Int = Field(1, ge=0, le=MAX_HOSTS)     # per router that has hosts
    link: LinkOverrides = Field(default_factory=LinkOverrides.model_construct)

    def graph(self, doc: YamlDocument, path: Path, base_dir: str) -> tuple[nx.Graph, list]:
        """The router graph and the routers that get hosts (here: all of them)."""
        graph = self.routers()
        return graph, list(graph)

    def host_count(self) -> int:
        """Hosts behind each router that has hosts."""
        return self.hosts


class Line(_Generator):
    """`r0`, `r1`…, a path (networkx `path_graph`)."""

    n: Int = Field(ge=1, le=MAX_ROUTERS)

    def routers(self):
        return _named(nx.path_graph(self.n))


class Ring(_Generator):
    """`r0`, `r1`…, a cycle (`cycle_graph`)."""

    n: Int = Field(ge=3, le=MAX_ROUTERS)

    def routers(self):
        return _named(nx.cycle_graph(self.n))


class Star(_Generator):
    """`r0` the centre, `r1`… the `n` leaves (`star_graph`)."""

    n: Int = Field(ge=1, le=MAX_ROUTERS - 1)

    def routers(self):
        return _named(nx.star_graph(self.n))


class Grid(_Generator):
    """`r<row × cols + col>`, each joined to its four neighbours (`grid_2d_graph`)."""

    rows: Int = Field(ge=1, le=MAX_ROUTERS)
    cols: Int = Field(ge=1, le=MAX_ROUTERS)

    def routers(self):
        if self.rows * self.cols > MAX_ROUTERS:
            raise ValueError(f"rows × cols is at most {MAX_ROUTERS} routers")
        grid = nx.grid_2d_graph(self.rows, self.cols)
        return _named(nx.relabel_nodes(grid, {(r, c): r * self.cols + c for r, c in grid}))


class Tree(_Generator):
    """A balanced tree from `r0` (`balanced_tree`); hosts on the leaves only."""

    branching: Int = Field(2, ge=1, le=64)
    height: Int = Field(ge=1, le=16)

    def graph(self, doc, path, base_dir):
        if sum(self.branching ** depth for depth in range(self.height + 1)) > MAX_ROUTERS:
            raise ValueError(f"a tree of that branching and height has more than {MAX_ROUTERS} routers")
        graph = _named(nx.balanced_tree(self.branching, self.height))
        return graph, [r for r in graph if graph.degree[r] == 1 and r != "r0"]


class Random(_Generator):
    """`n` routers and `edges` links at random from `seed` (`gnm_random_graph`), then
    joined into one piece."""

    doc_defaults: ClassVar = {"edges": "2 × `n`"}

    n: Int = Field(ge=2, le=MAX_ROUTERS)
    edges: Int | None = Field(None, ge=1)
    seed: Int = 1

    def routers(self):
        edges = self.edges if self.edges is not None else 2 * self.n
        graph = nx.gnm_random_graph(self.n, min(edges, self.n * (self.n - 1) // 2), seed=self.seed)
        parts = sorted(min(part) for part in nx.connected_components(graph))
        graph.add_edges_from(zip(parts, parts[1:]))     # one piece: join each to the next
        return _named(graph)


class Dumbbell(_Generator):
    """`left` and `right`, joined by the `bottleneck` link; `hosts` on each side."""

    doc_types: ClassVar = {"bottleneck": "link parameters, as in `links:`"}
    doc_defaults: ClassVar = {"bottleneck": "the link defaults"}

    hosts: Int = Field(2, ge=1, le=MAX_HOSTS)
    bottleneck: LinkOverrides = Field(default_factory=LinkOverrides.model_construct)

    def graph(self, doc, path, base_dir):
        graph = nx.Graph()
        graph.add_edge("left", "right", raw=dict(doc.get(path + ("bottleneck",)) or {}))
        return graph, ["left", "right"]


class FatTree(_Generator):
    """Al-Fares et al.'s k-ary fat tree: (k/2)² cores `c<i>`; per pod k/2 aggregation
    `a<pod>_<i>` and k/2 edge routers `e<pod>_<i>`, the hosts on the edge routers."""

    doc_defaults: ClassVar = {"hosts": "k/2 per edge router"}

    k: Int = Field(ge=2, le=64)
    hosts: Int | None = Field(None, ge=0, le=MAX_HOSTS)    # per edge router; default k/2

    @field_validator("k")
    @classmethod
    def _even(cls, k: int) -> int:
        if k % 2:
            raise ValueError(f"a fat tree's k must be even, got {k}")
        return k

    def graph(self, doc, path, base_dir):
        half = self.k // 2
        graph = nx.Graph()
        cores = [f"c{i}" for i in range(half * half)]
        graph.add_nodes_from(cores)
        edges = []
        for pod in range(self.k):
            aggs = [f"a{pod}_{i}" for i in range(half)]
            for i, agg in enumerate(aggs):
                graph.add_edges_from((agg, core) for core in cores[i * half:(i + 1) * half])
            for i in range(half):
                edge = f"e{pod}_{i}"
                edges.append(edge)
                graph.add_edges_from((edge, agg) for agg in aggs)
        return graph, edges

    def host_count(self) -> int:
        return self.k // 2 if self.hosts is None else self.hosts


class Zoo(_Generator):
    """`r0`, `r1`… in the file's order; each link's rate from `LinkSpeedRaw`, its delay
    from the great-circle distance between its ends at 2/3 of c."""

    file: Text

    def graph(self, doc, path, base_dir):
        where = path + ("file",)
        full = os.path.normpath(os.path.join(base_dir, os.path.expanduser(self.file)))
        if not os.path.isfile(full):
            raise doc.error(where, f"GraphML file '{self.file}' not found (looked for {full})")
        try:
            zoo = nx.read_graphml(full)
        except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
            raise doc.error(where, f"cannot read GraphML '{self.file}': {exc}") from None
        names = {node: f"r{i}" for i, node in enumerate(zoo)}
        graph = nx.Graph()
        graph.add_nodes_from(names.values())
        for u, v, data in zoo.edges(data=True):
            if u != v and not graph.has_edge(names[u], names[v]):
                graph.add_edge(names[u], names[v], raw=_zoo_link(zoo.nodes[u], zoo.nodes[v], data))
        if len(graph) > MAX_ROUTERS or graph.number_of_edges() > MAX_LINKS:
            raise doc.error(where, f"'{self.file}' is too large for the address plan")
        return graph, list(graph)


def _zoo_link(a: dict, b: dict, data: dict) -> dict:
    """A Topology Zoo link's rate (``LinkSpeedRaw``, bit/s) and propagation delay
    (great circle between the ends at 2/3 of the speed of light), where the file has them."""
    raw = {}
    speed = data.get("LinkSpeedRaw")
    if isinstance(speed, (int, float)) and speed >= 1:
        raw["rate"] = f"{round(speed)}bps"
    try:
        lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in
                                  (a["Latitude"], a["Longitude"], b["Latitude"], b["Longitude"]))
    except (KeyError, TypeError, ValueError):
        return raw
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    raw["delay"] = f"{round(km / LIGHT_IN_FIBRE_KM_S * 1e9)}ns"
    return raw


def _named(graph: nx.Graph) -> nx.Graph:
    return nx.relabel_nodes(graph, {i: f"r{i}" for i in graph})


KINDS = {"line": Line, "ring": Ring, "star": Star, "grid": Grid, "tree": Tree,
         "random": Random, "dumbbell": Dumbbell, "fat_tree": FatTree, "zoo": Zoo}


def generate(doc: YamlDocument, path: Path, base_dir: str, validate) -> YamlDocument:
    """The topology ``doc[path]`` asks for, as a document located at the ``generate`` key
    (``validate(model, data, doc, path)`` is the loader's located validation)."""
    data = doc.get(path)
    if not isinstance(data, dict):
        raise doc.error(path, f"expected a mapping like {{kind: grid, rows: 3, cols: 3}}, "
                              f"got {describe(data)}")
    kind = data.get("kind")
    if kind not in KINDS:
        where = path + ("kind",) if "kind" in data else path
        raise doc.error(where, f"{'missing kind' if kind is None else describe(kind) + ' is not a kind'}"
                               f" (kinds: {', '.join(KINDS)})", key="kind" not in data)
    spec = validate(KINDS[kind], data, doc, path)
    try:
        graph, hosted = spec.graph(doc, path, base_dir)
    except ValueError as exc:
        raise doc.error(path, str(exc)) from None
    if graph.number_of_edges() > MAX_LINKS:
        raise doc.error(path, f"more than {MAX_LINKS} router links")
    out = _assemble(graph, hosted, spec.host_count(), data.get("link") or {})
    file, line, column = doc.locate(path, key=True)
    generated = YamlDocument(data=out, file=file, positions={(): (line, column)})
    for name in out["nodes"]:
        generated.positions[("nodes", name)] = (line, column)
    for i in range(len(out["links"])):
        generated.positions[("links", i)] = (line, column)
    return generated


def _assemble(graph: nx.Graph, hosted: list, hosts: int, link: dict) -> dict[str, Any]:
    index = {name: i for i, name in enumerate(graph)}
    interfaces: dict[str, dict] = {name: {} for name in graph}
    nodes: dict[str, dict] = {}
    links: list = []
    count = 0
    for router in hosted if hosts else ():
        i = index[router]
        lan = f"10.{i >> 8}.{i & 255}"
        interfaces[router]["lan"] = f"{lan}.1/24"
        if hosts > 1:
            nodes[f"{router}_lan"] = {"type": "switch"}
            links.append([f"{router}:lan", f"{router}_lan"])
        for k in range(hosts):
            name = f"h{count}"
            count += 1
            nodes[name] = {"type": "host", "ip": f"{lan}.{10 + k}/24", "gateway": f"{lan}.1"}
            links.append([name, f"{router}_lan" if hosts > 1 else f"{router}:lan"])
    base = int(IPv4Address("172.16.0.0"))
    for j, (a, b, data) in enumerate(graph.edges(data=True)):
        interfaces[a][f"to_{b}"] = f"{IPv4Address(base + 4 * j + 1)}/30"
        interfaces[b][f"to_{a}"] = f"{IPv4Address(base + 4 * j + 2)}/30"
        params = {**link, **data.get("raw", {})}
        links.append({"ends": [f"{a}:to_{b}", f"{b}:to_{a}"], **params} if params
                     else [f"{a}:to_{b}", f"{b}:to_{a}"])
    routers = {name: {"type": "router", "interfaces": interfaces[name]} for name in graph}
    return {"routing": "auto", "nodes": {**routers, **nodes}, "links": links}

