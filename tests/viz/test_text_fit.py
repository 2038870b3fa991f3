"""Text set to fit by glyph advance: wrapped at a width, shortened with an ellipsis at
the head's end, and what Agg draws stays within the measure."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.viz.text_fit import ELLIPSIS, fit_lines, shortened, width, wrap

PT = 8.5
SYN_ACK = ("5201 → 32768 [SYN, ACK] Seq=949041287 Ack=2416781111 Win=65535 Len=0 MSS=1460 "
           "SACK_PERM TSval=949041353 TSecr=1731920033 WS=128")
WHY = "; the first IPv4 packet over the most hops that waited for no ARP reply"


def test_width_holds_what_agg_draws():
    fig = Figure(figsize=(12, 1), dpi=110)
    text = fig.text(0, 0.5, SYN_ACK, fontsize=PT)
    box = text.get_window_extent(FigureCanvasAgg(fig).get_renderer())
    assert 0.8 * width(SYN_ACK, PT) * 110 <= box.width <= width(SYN_ACK, PT) * 110


def test_wrap_breaks_at_spaces_within_the_room():
    lines = wrap(SYN_ACK, 3.0, PT)
    assert " ".join(lines) == SYN_ACK and len(lines) > 1
    assert all(width(line, PT) <= 3.0 for line in lines)
    assert all(width(f"{a} {b.split()[0]}", PT) > 3.0 for a, b in zip(lines, lines[1:]))


def test_what_fits_is_left_alone():
    assert fit_lines("Echo (ping) request", "  (a → b)", 9.5, PT) == [
        "Echo (ping) request  (a → b)"]
    assert shortened("short", 1.0, PT) == "short"


def test_two_lines_then_the_heads_tail_gives_way():
    tail = "  (receiver → sender)" + WHY
    two = fit_lines(SYN_ACK, tail, 9.5, PT)
    assert len(two) == 2 and " ".join(two).split() == (SYN_ACK + tail).split()   # all of it
    assert all(width(line, PT) <= 9.5 for line in two)
    cut = fit_lines(SYN_ACK, tail, 5.0, PT)
    joined = " ".join(cut)
    assert len(cut) == 2 and all(width(line, PT) <= 5.0 for line in cut)
    assert joined.endswith(tail.strip())                  # the tail kept whole
    head = joined[:joined.index(ELLIPSIS)]
    assert SYN_ACK.startswith(head) and len(head) < len(SYN_ACK)
    assert " ".join(fit_lines(SYN_ACK + " more", tail, 5.0, PT)) == joined  # a word more cut too


def test_a_tail_too_long_for_the_lines_is_shortened_too():
    lines = fit_lines("Info", " " + "word " * 200, 4.0, PT)
    assert len(lines) == 2 and all(width(line, PT) <= 4.0 for line in lines)
    assert lines[-1].endswith(ELLIPSIS)
    assert shortened("x" * 500, 1.0, PT).endswith(ELLIPSIS) and width(
        shortened("x" * 500, 1.0, PT), PT) <= 1.0
