"""Named streams: a lazy stream draws exactly what the eager one with its name draws."""

from simulator.engine.rng import RngStreams


def test_lazy_stream_draws_the_named_stream_and_is_made_on_first_draw():
    eager = RngStreams(7).stream("link:a-b#0:a>b:loss")
    streams = RngStreams(7)
    lazy = streams.lazy("link:a-b#0:a>b:loss")
    assert streams._streams == {}                      # nothing made yet
    expected = [eager.random() for _ in range(3)] + [eager.randrange(1000)]
    assert [lazy.random() for _ in range(3)] + [lazy.randrange(1000)] == expected
    assert list(streams._streams) == ["link:a-b#0:a>b:loss"]
    assert streams.stream("link:a-b#0:a>b:loss").random() == eager.random()  # one stream


def test_streams_differ_by_name_and_seed():
    a, b = RngStreams(1).stream("x").random(), RngStreams(1).stream("y").random()
    c = RngStreams(2).stream("x").random()
    assert len({a, b, c}) == 3
