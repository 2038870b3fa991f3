"""The Fruchterman-Reingold placement: where its forces balance, and that it is a
function of its input."""

import math

from simulator.viz.spring import spring


def dist(pos, a, b) -> float:
    return math.dist(pos[a], pos[b])


def test_two_linked_nodes_settle_where_push_and_pull_balance():
    """Push k²/d equals pull d²/k at d = k."""
    for k in (0.5, 1.0, 2.0):
        pos = spring(["a", "b"], [("a", "b")], {}, k=k, seed=1)
        assert abs(dist(pos, "a", "b") - k) < 0.02 * k


def test_a_triangle_comes_out_equilateral_and_a_path_straight():
    tri = spring(list("abc"), [("a", "b"), ("b", "c"), ("c", "a")], {}, k=1.0, seed=3)
    sides = [dist(tri, "a", "b"), dist(tri, "b", "c"), dist(tri, "c", "a")]
    assert max(sides) / min(sides) < 1.02
    path = spring(list("abc"), [("a", "b"), ("b", "c")], {}, k=1.0, seed=3)
    # the middle node between the ends: the ends as far apart as the two links together
    assert dist(path, "a", "c") > 0.99 * (dist(path, "a", "b") + dist(path, "b", "c"))


def test_a_star_puts_its_centre_nearer_to_every_leaf_than_leaves_to_each_other():
    leaves = [f"h{i}" for i in range(5)]
    pos = spring(["sw", *leaves], [("sw", h) for h in leaves], {}, k=0.8, seed=1)
    spoke = max(dist(pos, "sw", h) for h in leaves)
    assert all(dist(pos, a, b) > spoke for a in leaves for b in leaves if a < b)


def test_fixed_nodes_stay_put_and_the_same_input_places_the_same_way():
    nodes, edges = list("abcd"), [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]
    fixed = {"a": (0.0, 0.0), "c": (3.0, 1.0)}
    pos = spring(nodes, edges, fixed, k=1.0, seed=7)
    assert pos["a"] == (0.0, 0.0) and pos["c"] == (3.0, 1.0)
    assert pos == spring(nodes, edges, fixed, k=1.0, seed=7)
    assert pos != spring(nodes, edges, fixed, k=1.0, seed=8)
    assert pos["b"] != pos["d"]


def test_a_node_alone_and_an_unlinked_pair_are_placed():
    assert len(spring(["a"], [], {}, k=1.0, seed=1)) == 1
    pos = spring(["a", "b"], [], {}, k=1.0, seed=1)
    assert dist(pos, "a", "b") > 0.5                     # pushed apart, nothing pulls
