"""An app's end: the time its result is final, for actions that run ``after`` it.

A client app ends by itself (ping: when the last reply is in or ``timeout`` after
the last request; each kind's end is in docs/yaml.md, "after"); any app ends when a
``stop`` action or its node's ``node_down`` stops it. A server or sink that is never
stopped does not end.
"""


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


def process(app, generator):
    """Run ``generator`` as ``app``'s main process: the app ends when it returns."""
    def body():
        yield from generator
        ended(app)
    return app.sim.process(body())
