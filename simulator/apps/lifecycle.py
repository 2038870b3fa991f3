"""An app's end: the time its result is final, for actions that run ``after`` it;
and its stop, as Ctrl-C or a power cut ends the real tool.

A client app ends by itself (ping: when the last reply is in or ``timeout`` after
the last request; each kind's end is in docs/yaml.md, "after"); any app ends when a
``stop`` action or its node's ``node_down`` stops it. A server or sink that is never
stopped does not end.

Stopping (:meth:`Stoppable.stop`) ends every SimPy process of the app (each runs
through :func:`process` or :func:`spawn`, so :func:`halt` can interrupt it where it
waits), then the app releases its sockets (:meth:`Stoppable.release`) as a process
exit does: a TCP socket's close() sends its FIN after the data already written, as
Linux's does. On a power cut (``node_down``) the stack has already lost its
connections (``TcpLayer.power_off``), so the same close() sends nothing. What the app
did until then stays its result, with ``stopped_ns`` and ``stopped_by``.
"""

from inspect import GEN_CREATED, getgeneratorstate

from simpy import Interrupt

STOPPED_BY = ("stop", "power off")     # a stop action; its node's node_down


def ended(app) -> None:
    """``app``'s result is final now: run what waits for its end (once)."""
    if getattr(app, "ended_ns", None) is not None:
        return
    app.ended_ns = app.sim.now
    for fn in app.__dict__.pop("_end_waiters", ()):
        fn(app.ended_ns)


def on_end(app, fn) -> None:
    """Call ``fn(end time)`` when ``app`` ends (now, if it has)."""
    if getattr(app, "ended_ns", None) is not None:
        fn(app.ended_ns)
    else:
        app.__dict__.setdefault("_end_waiters", []).append(fn)


def spawn(app, generator):
    """Run ``generator`` as one of ``app``'s processes (one per connection, say):
    :func:`halt` ends it at the event it waits for."""
    processes = app.__dict__.setdefault("_processes", {})      # process → its generator

    def body():
        try:
            return (yield from generator)
        except Interrupt:
            pass                          # halted: the app is being stopped
        finally:
            processes.pop(proc, None)
    gen = body()
    proc = app.sim.process(gen)
    processes[proc] = gen
    return proc


def process(app, generator):
    """Run ``generator`` as ``app``'s main process: the app ends when it returns."""
    def body():
        yield from generator
        ended(app)
    return spawn(app, body())


def live_processes(app) -> list:
    """The processes of ``app`` that have not ended."""
    return [p for p in app.__dict__.get("_processes", ()) if p.is_alive]


def halt(app) -> None:
    """Interrupt every live process of ``app`` (each ends before simulated time moves).
    The event each waited for is defused: a socket call failing later (EPIPE once the
    connection vanished) has nobody to tell."""
    active = app.sim.env.active_process
    processes = app.__dict__.get("_processes", {})
    for proc in live_processes(app):
        if proc is active:
            continue
        if getgeneratorstate(processes[proc]) == GEN_CREATED:
            processes.pop(proc).close()   # not started yet: it never will (it returns None)
        else:
            if proc.target is not None:
                proc.target.defused = True
            proc.interrupt("stop")


class Stoppable:
    """The ``stop`` every app has; an app overrides :meth:`release` (its sockets)."""

    stopped_ns: int | None = None
    stopped_by: str | None = None

    def stop(self, power_off: bool = False) -> None:
        """End the app now (no-op once it has ended): its processes end, its sockets
        close (``power_off``: the node lost power, nothing more is sent)."""
        if getattr(self, "ended_ns", None) is not None:
            return
        self.stopped_ns, self.stopped_by = self.sim.now, STOPPED_BY[power_off]
        halt(self)
        self.release()
        ended(self)

    def release(self) -> None:
        """Close what the app holds open (nothing, unless the app says)."""

    def stop_fields(self) -> dict:
        """The result's ``stopped_ns``/``stopped_by`` when stopped (none otherwise)."""
        if self.stopped_ns is None:
            return {}
        return {"stopped_ns": self.stopped_ns, "stopped_by": self.stopped_by}


def report(app) -> dict:
    """``app.result()``, with the line and fields saying when it was stopped."""
    result = app.result()
    fields = app.stop_fields()
    if fields:
        line = f"{app.kind}: stopped at {fields['stopped_ns'] / 1e9:.9f} s"
        result = {**result, **fields, "output": [*result["output"], line + (
            " (power off)" if fields["stopped_by"] == "power off" else "")]}
    return result
