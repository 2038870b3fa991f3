"""Applications, by the name a scenario's ``run:`` entries use for them.

Each factory takes the node, the app's spec from the scenario and the
action's name, and returns an object with ``start()`` and ``result()``.
"""

from simulator.apps.ping import Ping


def _ping(node, spec, name):
    return Ping(node, spec.dst, count=spec.count, interval_ns=spec.interval, size=spec.size,
                ttl=spec.ttl, df=spec.df, timeout_ns=spec.timeout, name=name)


APPS = {"ping": _ping}
