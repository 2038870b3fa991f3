"""The tracer's bounded parts: the size-capped JSON-lines sink, the filter, the series."""

import io

import orjson
import pytest

from simulator.engine.trace import JsonLinesSink, Series, TraceFilter, Tracer, json_fields


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


def test_a_sink_with_a_block_gathers_lines_and_writes_them_in_order_a_block_at_a_time():
    out = io.BytesIO()
    sink = JsonLinesSink(out, block=100)
    line = orjson.dumps({"ns": 1}) + b"\n"           # 9 bytes
    for k in range(11):                               # 99 bytes: not a block yet
        sink.write(line) if k % 2 else sink({"ns": 1})
    assert out.getvalue() == b""
    sink({"ns": 2})                                   # the block is due: all of it goes
    assert out.getvalue() == 11 * line + b'{"ns":2}\n'
    sink.write(line + line)
    assert len(out.getvalue()) == 108 and sink.written == 126
    sink.flush()
    assert out.getvalue() == 11 * line + b'{"ns":2}\n' + 2 * line


def test_close_writes_the_gathered_lines_and_closes_the_stream(tmp_path):
    path = tmp_path / "trace.jsonl"
    sink = JsonLinesSink(open(path, "wb"), block=1 << 20)
    for ns in range(1000):
        sink({"ns": ns})
    sink.close()
    assert [orjson.loads(line)["ns"] for line in path.read_bytes().splitlines()] == list(
        range(1000))


@pytest.mark.parametrize("block", [0, 10, 1 << 20])
def test_the_cap_falling_inside_a_hops_lines_keeps_the_first_and_refuses_the_rest(block):
    out, calls = io.BytesIO(), []
    route, tx = b'{"event":"route"}\n', b'{"event":"tx"}\n'       # 18 and 15 bytes
    sink = JsonLinesSink(out, cap=2 * 33 + 20, on_full=lambda: calls.append(1), block=block)
    sink.write(route + tx)
    sink.write(route + tx)
    sink.write(route + tx)                            # 18 of the 20 bytes left: route fits
    sink.write(tx)                                    # refused, as every later line is
    sink.write(b"{}\n")
    sink.flush()
    assert out.getvalue() == (route + tx) * 2 + route
    assert sink.full and sink.written == 2 * 33 + 18 and calls == [1]


@pytest.mark.parametrize("ns", [0, 1, 10_000, 999_999_999, 1_000_000_000, 1_234_567_891,
                                86_400_000_000_007, 2 ** 62])
def test_a_lines_head_is_how_orjson_begins_the_record(ns):
    sink = JsonLinesSink(io.BytesIO())
    line = orjson.dumps({"t": ns / 1e9, "ns": ns, "node": "r1"})
    assert sink.head(ns) + b'"node":"r1"}' == line
    assert sink.head(ns) is sink.head(ns)             # made once per instant


def test_json_fields_are_a_records_fields_as_orjson_writes_them_inside_a_line():
    fields = {"node": "r\u00e9\"1", "via": None, "ttl": 63, "info": "a \u2192 b", "mf": True}
    assert b"{" + json_fields(fields) + b'"end":0}' == orjson.dumps({**fields, "end": 0})


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
