"""``netsim plot``: a metric against a parameter, mean and 95% confidence interval
across seeds, one line per value of a ``hue`` parameter; optionally the Mathis curve.

The interval is Student's t: mean ± t(0.975, n-1)·s/√n over the n seeds of a point
(no interval with one seed). Only runs with status ``ok`` count.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from statistics import NormalDist, fmean, stdev
from typing import Any

from simulator.scenario.errors import ScenarioError

from .store import load

__all__ = ["plot", "t975", "mathis", "column"]

# t(0.975, df) for df = 1..30, as printed in every statistics table (e.g. NIST/SEMATECH
# e-Handbook 1.3.6.7.2); above 30 the Cornish-Fisher expansion is within 1e-4.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mathis(loss: float, mss: int, rtt_s: float, b: int = 1) -> float:
    """Mathis et al. (1997) steady-state TCP throughput in bit/s:
    MSS/RTT · sqrt(3/(2b)) / sqrt(p), ``b`` segments acknowledged per ACK."""
    return 8 * mss / rtt_s * math.sqrt(3 / (2 * b)) / math.sqrt(loss)


def column(frame, name: str, what: str) -> str:
    """``name`` itself, or the one metric column ending in ``.name`` (``rtt_avg_ns``
    finds ``ping.rtt_avg_ns``)."""
    if name in frame.columns:
        return name
    matches = [c for c in frame.columns if c.endswith("." + name)]
    if len(matches) == 1:
        return matches[0]
    hint = f"matches {', '.join(matches)}" if matches else f"columns: {', '.join(map(str, frame.columns))}"
    raise ScenarioError(f"no single column '{name}' ({hint})", field=what)


def plot(out_dir: str | os.PathLike[str], x: str, y: str, hue: str | None = None, *,
         logx: bool = False, logy: bool = False, mathis_rtt: float | None = None,
         mathis_mss: int = 1460, mathis_b: int = 1, output: str | os.PathLike[str] | None = None,
         title: str | None = None) -> Path:
    """Draw ``y`` against ``x`` from the campaign in ``out_dir``; return the PNG's path
    (default ``out_dir/<y>-vs-<x>.png``). ``mathis_rtt`` (seconds) adds the Mathis curve."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = load(out_dir)
    if frame.empty:
        raise ScenarioError("the campaign has no runs yet", field=os.fspath(out_dir))
    frame = frame[frame["status"] == "ok"]
    xcol, ycol = column(frame, x, "--x"), column(frame, y, "--y")
    hcol = column(frame, hue, "--hue") if hue else None
    scale, ylabel = (1e-6, f"{ycol[:-3]} (ms)") if ycol.endswith("_ns") else (1.0, ycol)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    groups = [(None, frame)] if hcol is None else list(frame.groupby(hcol, sort=False, dropna=False))
    for label, group in sorted(groups, key=lambda g: _key(g[0])):
        xs, means, lows, highs = _points(group, xcol, ycol, scale)
        line, = ax.plot(xs, means, marker="o", label=None if hcol is None else f"{hcol}={label}")
        ax.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.2, linewidth=0)
    if mathis_rtt is not None:
        losses = sorted(v for v in frame[xcol].unique() if isinstance(v, (int, float)) and v > 0)
        if losses:
            ax.plot(losses, [mathis(p, mathis_mss, mathis_rtt, mathis_b) for p in losses], "k--",
                    label=f"Mathis (MSS {mathis_mss} B, RTT {mathis_rtt * 1e3:g} ms, b={mathis_b})")
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xcol)
    ax.set_ylabel(ylabel)
    seeds = frame.groupby([c for c in (hcol, xcol) if c])["seed"].nunique()
    ax.set_title(title or f"{ylabel} vs {xcol}: mean and 95% CI over {seeds.min()}"
                          f"{'' if seeds.min() == seeds.max() else f'-{seeds.max()}'} seeds")
    ax.grid(True, alpha=0.3)
    if hcol is not None or mathis_rtt is not None:
        ax.legend()
    fig.tight_layout()
    path = Path(output) if output else Path(out_dir) / f"{ycol}-vs-{xcol}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def _points(group, xcol: str, ycol: str, scale: float = 1.0) -> tuple[list, list, list, list]:
    """Per x value: the mean of ``ycol`` × ``scale`` and its 95% interval."""
    xs, means, lows, highs = [], [], [], []
    for xv, sub in sorted(group.groupby(xcol, sort=False), key=lambda g: _key(g[0])):
        values = [float(v) * scale for v in sub[ycol] if v is not None and not _nan(v)]
        if not values:
            continue
        mean = fmean(values)
        half = t975(len(values) - 1) * stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
        xs.append(xv)
        means.append(mean)
        lows.append(mean - half)
        highs.append(mean + half)
    return xs, means, lows, highs


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _key(value: Any) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))
