"""Run limits: every way a run can end, with exact event counts where the run is exact."""

import pytest

from simulator.engine.limits import CHUNK, Limits, StopRequest, run_bounded
from simulator.engine.sim import Simulation

SECOND = 1_000_000_000


def ticking(period_ns: int) -> Simulation:
    """A simulation with one event every ``period_ns`` forever (0: time never advances)."""
    sim = Simulation()

    def tick(_event):
        sim.call_later(period_ns, tick)

    sim.call_later(0, tick)
    return sim


def test_a_run_that_reaches_until_reports_every_event():
    sim = ticking(SECOND // 10)
    ended = run_bounded(sim.env, 2 * SECOND, Limits())
    # ticks at 0, 0.1 s, ..., 1.9 s; the one at 2 s comes after the end marker
    assert (ended.reason, ended.at_ns, ended.events) == ("until", 2 * SECOND, 20)


def test_the_event_limit_is_exact():
    sim = ticking(1000)
    ended = run_bounded(sim.env, SECOND, Limits(max_events=CHUNK + 7))
    assert (ended.reason, ended.events) == ("max_events", CHUNK + 7)
    assert ended.at_ns == (CHUNK + 6) * 1000          # the last tick processed
    assert ended.as_dict() == {"reason": "max_events", "at_ns": ended.at_ns, "events": CHUNK + 7}


def test_a_zero_time_loop_is_stalled_within_one_chunk_of_the_limit():
    sim = ticking(0)
    ended = run_bounded(sim.env, SECOND, Limits(stall=10 * CHUNK))
    assert ended.reason == "stalled" and ended.at_ns == 0
    assert 10 * CHUNK <= ended.events <= 11 * CHUNK


def test_time_advancing_resets_the_stall_count():
    sim = ticking(1)                                  # slow, but never stuck
    ended = run_bounded(sim.env, 100 * CHUNK, Limits(stall=CHUNK))
    assert ended.reason == "until" and ended.events == 100 * CHUNK


def test_the_wall_clock_budget_ends_a_run():
    sim = ticking(1)
    ended = run_bounded(sim.env, SECOND, Limits(wall_clock_ns=1))
    assert ended.reason == "wall_clock" and ended.events == CHUNK


def test_a_stop_request_from_inside_the_run_ends_it_at_the_next_chunk():
    sim = ticking(1)
    stop = StopRequest()
    sim.call_later(100, lambda _event: stop.request())
    ended = run_bounded(sim.env, SECOND, Limits(), stop)
    assert (ended.reason, ended.events) == ("interrupted", CHUNK)


@pytest.mark.parametrize("first, second", [("trace_size", "interrupted"),
                                           ("interrupted", "trace_size")])
def test_the_first_stop_reason_wins(first, second):
    stop = StopRequest()
    stop.request(first)
    stop.request(second)
    assert run_bounded(ticking(1).env, SECOND, Limits(), stop).reason == first
