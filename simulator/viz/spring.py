"""Force-directed placement of a graph's nodes (T. Fruchterman and E. Reingold, "Graph
drawing by force-directed placement", Software: Practice and Experience 21(11), 1991):
every pair of nodes pushes apart with force k²/d, each link pulls its ends together
with d²/k, and each step moves a node along its net force by at most the temperature,
which cools linearly to zero. The start is drawn from a seeded generator, so the same
graph is placed the same way on every run.

What the topology figure and the viewer lay out (:func:`~simulator.viz.topology_layout.place`);
numpy only, which the figures import anyway: networkx's import alone took longer than
drawing the figure (benchmarks/RESULTS.md, "startup3").
"""

import numpy as np

STOP = 1e-4              # a step whose mean move per node is below this ends the cooling


def spring(nodes: list[str], edges: list[tuple[str, str]], fixed: dict, k: float,
           seed: int, iterations: int = 200) -> dict[str, tuple[float, float]]:
    """Positions of ``nodes`` by name; those in ``fixed`` stay where it puts them, ``k``
    is the distance the forces balance at (linked nodes end about that far apart)."""
    at = {name: i for i, name in enumerate(nodes)}
    pos = np.random.default_rng(seed).random((len(nodes), 2))
    for name, p in fixed.items():
        pos[at[name]] = p
    linked = np.zeros((len(nodes), len(nodes)))
    for a, b in edges:
        if a != b:
            linked[at[a], at[b]] = linked[at[b], at[a]] = 1.0
    free = np.array([[name not in fixed] for name in nodes], dtype=float)
    temperature = 0.1 * max(np.ptp(pos, axis=0).max(), 1e-2)
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        apart = pos[:, None, :] - pos[None, :, :]                 # [i, j]: from j to i
        d = np.maximum(np.hypot(apart[..., 0], apart[..., 1]), 0.01)
        # along the unit vector apart/d: the push k²/d less the pull d²/k, over d once more
        force = np.einsum("ijk,ij->ik", apart, k * k / d**2 - linked * d / k)
        length = np.maximum(np.hypot(force[:, 0], force[:, 1]), 0.01)
        step = force * (np.minimum(length, temperature) / length)[:, None] * free
        pos += step
        temperature -= cooling
        if np.hypot(step[:, 0], step[:, 1]).mean() < STOP:
            break
    return {name: (float(pos[i, 0]), float(pos[i, 1])) for name, i in at.items()}
