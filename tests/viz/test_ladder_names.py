"""Ladder lifeline names: readable (≥ 7 pt) and apart, however many lifelines there are.
Measured on the figure as Agg draws it (the boxes' window extents)."""

from matplotlib.backends.backend_agg import FigureCanvasAgg

from simulator.viz.ladder import figure, lay_out_ladder
from tests.viz.test_ladder import tx

# the path of web_browse: twelve lifelines, names as long as the gallery's
NAMES = ["isp-resolver", "pc", "home-lan", "home", "isp-access", "isp-border", "web-router",
         "web", "ns1-example", "a-root", "a-gtld", "tld-resolver"]


def name_boxes(names):
    events = [tx(i * 1_000_000, a, b, i * 1_000_000 + 500_000, "UDP", "query")
              for i, (a, b) in enumerate(zip(names, names[1:]))]
    fig = figure(lay_out_ladder(events), 0)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    texts = [t for t in fig.axes[0].texts if t.get_text() in names]
    assert sorted(t.get_text() for t in texts) == sorted(names)     # every name drawn, whole
    others = [t.get_window_extent(renderer) for t in fig.axes[0].texts if t not in texts]
    return [(t.get_fontsize(), t.get_bbox_patch().get_window_extent(renderer))
            for t in texts], others


def test_twelve_lifeline_names_are_readable_and_do_not_overlap():
    boxes, others = name_boxes(NAMES)
    assert min(pt for pt, _ in boxes) >= 7.0
    for i, (_, a) in enumerate(boxes):
        assert not any(a.overlaps(b) for _, b in boxes[i + 1:])
        assert not any(a.overlaps(b) for b in others)      # title, legend, time label, column


def test_few_lifelines_keep_the_full_size_on_one_row():
    boxes, _ = name_boxes(NAMES[:4])
    assert {pt for pt, _ in boxes} == {8.0}
    assert len({round(b.y0, 3) for _, b in boxes}) == 1
