"""Longest-prefix match over overlapping routes."""

from ipaddress import IPv4Address as A, IPv4Network as N

from simulator.stack.routing import Route, RoutingTable


class Dev:
    def __init__(self, name):
        self.name = name


def table():
    t = RoutingTable()
    for net, dev in (("0.0.0.0/0", "default"), ("10.0.0.0/8", "slash8"), ("10.1.0.0/16", "slash16"),
                     ("10.1.2.0/24", "slash24"), ("10.1.2.3/32", "host")):
        t.add(Route(N(net), Dev(dev)))
    return t


def test_most_specific_route_wins():
    t = table()
    assert t.lookup(A("10.1.2.3")).iface.name == "host"
    assert t.lookup(A("10.1.2.4")).iface.name == "slash24"
    assert t.lookup(A("10.1.3.1")).iface.name == "slash16"
    assert t.lookup(A("10.2.0.1")).iface.name == "slash8"
    assert t.lookup(A("192.0.2.1")).iface.name == "default"


def test_no_default_means_no_route():
    t = RoutingTable()
    t.add(Route(N("10.0.0.0/8"), Dev("a")))
    assert t.lookup(A("11.0.0.1")) is None


def test_lower_metric_wins_for_the_same_prefix():
    t = RoutingTable()
    t.add(Route(N("10.0.0.0/8"), Dev("slow"), metric=10))
    t.add(Route(N("10.0.0.0/8"), Dev("fast"), metric=1))
    t.add(Route(N("10.0.0.0/8"), Dev("worse"), metric=20))
    assert t.lookup(A("10.9.9.9")).iface.name == "fast"
    assert len(t) == 1


def test_a_remembered_answer_follows_every_change_to_the_table():
    t = RoutingTable()
    dst = A("10.1.2.3")
    assert t.lookup(dst) is None                      # "no route" is remembered too
    wide = Route(N("10.0.0.0/8"), Dev("wide"))
    t.add(wide)
    assert t.lookup(dst) is wide
    narrow = Route(N("10.1.0.0/16"), Dev("narrow"))
    t.add(narrow)
    assert t.lookup(dst) is narrow
    assert t.remove(N("10.1.0.0/16")) is narrow
    assert t.lookup(dst) is wide
    t.remove_dev(wide.iface)
    assert t.lookup(dst) is None
