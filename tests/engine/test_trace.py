"""The tracer's bounded parts: the size-capped JSON-lines sink, the filter, the series."""

import io

import orjson

from simulator.engine.trace import JsonLinesSink, Series, TraceFilter, Tracer


def test_the_sink_writes_one_json_object_a_line():
    out = io.BytesIO()
    sink = JsonLinesSink(out)
    sink({"t": 1e-06, "ns": 1000, "node": "a", "if": "eth0"})
    sink({"ns": 2, "x": None})
    lines = out.getvalue().split(b"\n")
    assert lines[-1] == b"" and [orjson.loads(line) for line in lines[:-1]] == [
        {"t": 1e-06, "ns": 1000, "node": "a", "if": "eth0"}, {"ns": 2, "x": None}]


def test_the_capped_sink_never_passes_its_cap_and_reports_once():
    out, calls = io.BytesIO(), []
    line = orjson.dumps({"ns": 1}) + b"\n"           # 9 bytes
    sink = JsonLinesSink(out, cap=3 * len(line) + 5, on_full=lambda: calls.append(1))
    for _ in range(10):
        sink({"ns": 1})
    sink({})                                          # 3 bytes would fit: refused too
    assert out.getvalue() == 3 * line
    assert sink.full and sink.written == 3 * len(line) and calls == [1]


def test_a_sink_with_kinds_gets_only_those_and_a_whole_record_goes_out_as_built():
    everything, changes = [], []

    class Changes:
        kinds = frozenset({"learn"})

        def __call__(self, event):
            changes.append(event["event"])

    tracer = Tracer(lambda: 5)
    tracer.add_sink(everything.append)
    tracer.emit("sw", "l2", "learn", mac="02:00:00:00:00:01")
    tracer.add_sink(Changes())                        # added late: the routing is redone
    tracer.emit("sw", "l2", "learn", mac="02:00:00:00:00:02")
    record = {"t": 7e-09, "ns": 7, "node": "sw", "layer": "phy", "event": "tx", "bytes": 64}
    tracer.emit_record(record)
    tracer.select(TraceFilter(layers=["l2"]))
    tracer.emit_record(dict(record, ns=8))
    assert changes == ["learn"]
    assert [e["ns"] for e in everything] == [5, 5, 7] and everything[2] is record
    assert list(everything[1]) == ["t", "ns", "node", "layer", "event", "mac"]


def test_the_filter_keeps_events_matching_every_list_given():
    keep = TraceFilter(nodes=["r1"], layers=["ip", "icmp"])
    assert keep("r1", "ip", "drop") and keep("r1", "icmp", "tx")
    assert not keep("r2", "ip", "drop") and not keep("r1", "phy", "tx")
    assert TraceFilter(events=["drop"])("any", "any", "drop")


def test_a_selected_tracer_emits_only_what_the_filter_keeps_but_counts_every_drop():
    events = []
    tracer = Tracer(lambda: 5)
    tracer.add_sink(events.append)
    tracer.select(TraceFilter(layers=["ip"]))
    tracer.drop("h1", "phy", "QUEUE_FULL")
    tracer.drop("h1", "ip", "NO_ROUTE")
    assert [e["reason"] for e in events] == ["NO_ROUTE"]
    assert tracer.counters == {("h1", "drop:QUEUE_FULL"): 1, ("h1", "drop:NO_ROUTE"): 1}


def test_a_short_series_keeps_every_sample():
    series = Series(limit=8)
    for i, v in enumerate([1, 2, 1, 0]):
        series.add(i, v)
    assert list(series) == [(0, 1), (1, 2), (2, 1), (3, 0)] and series.max == 2


def test_a_long_series_is_thinned_evenly_and_keeps_its_exact_maximum():
    series = Series(limit=8)
    for i in range(1000):
        series.add(i, 500 - abs(i - 777))             # peak 500 at i = 777
    assert series.max == 500 and series.count == 1000
    assert len(series) <= 8
    stride = series.stride
    assert stride == 128 and [ns for ns, _ in series] == list(range(0, 1000, stride))
