"""Running a scenario's ``run:`` list: each action at its time, or after another's end.

An action's time is ``at``, or (with ``after: NAME``) the end of the action or app
named NAME plus ``at``. An app ends when its result is final
(:mod:`simulator.apps.lifecycle`); an event ends when it happens (a periodic one at
its last repetition). ``every`` repeats an event ``repeat`` times, or while before
``until``, or to the end of the run.

Each event (not an app start; link_down/link_up are traced by the link itself as
``phy`` events) is traced as a ``run`` event named by its key (``run.link``,
``run.node_down``, ...) with the action's ``name``. A link is down while any reason
holds it down: a ``link_down`` action, or either end's node being down.
"""

from __future__ import annotations

from simulator.apps import APPS
from simulator.apps.lifecycle import on_end


class Actions:
    def __init__(self, scenario, network):
        self.scenario, self.network, self.sim = scenario, network, network.sim
        self.apps: list = []                            # in run: order
        self.times: dict[str, int] = {}                 # action name → when it (first) happened
        self._ends: dict[str, int] = {}                 # event name → when it ended
        self._waiting: dict[str, list] = {}             # event name → fns waiting for its end
        self._apps_by_name: dict[str, object] = {}
        self._app_nodes: dict[str, str] = {}
        self._down: dict[object, set[str]] = {}         # link → why it is held down
        self._started: set[str] = set()                 # the apps started (by name)

    def schedule(self) -> None:
        """Build the apps (so every app has a result, run or not) and arm each action."""
        for action in self.scenario.run:
            app = None
            if action.is_app:
                node = self.network.nodes[action.on]
                app = APPS[action.kind].build(node, action.app, action.name or action.kind)
                node.apps.append(app)
                self.apps.append(app)
                self._apps_by_name[app.name] = app
                self._app_nodes[app.name] = action.on
            if action.after is None:
                self._arm(action, app, action.start)
            else:
                self._when_ended(action.after,
                                 lambda end, a=action, app=app: self._arm(a, app, end + a.start))

    def _when_ended(self, name: str, fn) -> None:
        app = self._apps_by_name.get(name)
        if app is not None:
            on_end(app, fn)
        elif name in self._ends:
            fn(self._ends[name])
        else:
            self._waiting.setdefault(name, []).append(fn)

    def _arm(self, action, app, at: int) -> None:
        """Schedule ``action`` (and its repetitions) from time ``at``."""
        times = [at]
        if action.every is not None:
            stop = min(action.until or self.scenario.until, self.scenario.until)
            count = action.repeat or (stop - at + action.every - 1) // action.every
            times = [at + k * action.every for k in range(count)]
        now = self.sim.now
        for k, t in enumerate(times):
            last = k == len(times) - 1 and (action.every is None or action.repeat is not None
                                           or action.until is not None)
            self.sim.call_later(t - now, lambda _e, a=action, app=app, last=last:
                                self._do(a, app, last))

    def _do(self, action, app, last: bool) -> None:
        name = action.name or (app.name if app is not None else action.kind)
        self.times.setdefault(name, self.sim.now)
        if app is not None:
            if getattr(app, "ended_ns", None) is None:     # not stopped before its start
                self._started.add(app.name)
                app.start()
            return
        getattr(self, "_" + action.kind)(action, getattr(action, action.kind))
        if last and action.name is not None:
            self._ends[action.name] = self.sim.now
            for fn in self._waiting.pop(action.name, ()):
                fn(self.sim.now)

    def _trace(self, node: str, action, **fields) -> None:
        if self.sim.tracer.on:
            self.sim.tracer.emit(node, "run", action.kind, action=action.name, **fields)

    # -- the events ------------------------------------------------------------------
    def _stop(self, action, name: str) -> None:
        app = self._apps_by_name[name]
        self._trace(self._app_nodes[name], action, app=name)
        app.stop()

    def _hold(self, link, reason: str, down: bool) -> None:
        reasons = self._down.setdefault(link, set())
        if down:
            reasons.add(reason)
        else:
            reasons.discard(reason)
        link.set_up(not reasons)

    def _link_down(self, action, ends) -> None:
        self._hold(self.network.find_link(*ends), "link_down", True)

    def _link_up(self, action, ends) -> None:
        self._hold(self.network.find_link(*ends), "link_down", False)

    def _link(self, action, change) -> None:
        link = self.network.find_link(*change.ends)
        given = change.given()
        self._trace(link.a.node.name, action, link=link.name, **given)
        link.change(**given)

    def _node_links(self, name: str) -> list:
        return [link for link in self.network.links if name in (link.a.node.name, link.b.node.name)]

    def _node_down(self, action, name: str) -> None:
        """Power off: its volatile state is lost (TCP connections vanish unsent), the
        apps running on it end without sending anything more (an app due to start
        later still starts then), its links lose carrier (the peers see the link go
        down, as with a real cable)."""
        node = self.network.nodes[name]
        self._trace(name, action)
        if hasattr(node, "reset_volatile"):
            node.reset_volatile()
        for app in getattr(node, "apps", ()):
            if app.name in self._started:
                app.stop(power_off=True)
        for link in self._node_links(name):
            self._hold(link, name, True)

    def _node_up(self, action, name: str) -> None:
        self._trace(name, action)
        for link in self._node_links(name):
            self._hold(link, name, False)

    def _route_add(self, action, route) -> None:
        node = self.network.nodes[route.on]
        dev = next(i for i in node.ip.addresses if i.name == route.dev) if route.dev else None
        added = node.ip.add_route(route.to, via=route.via, dev=dev, metric=route.metric)
        self._trace(route.on, action, route=str(added))

    def _route_remove(self, action, route) -> None:
        removed = self.network.nodes[route.on].ip.routes.remove(route.to)
        self._trace(route.on, action, route=str(removed) if removed else None, to=str(route.to))

    def _flush(self, action, flush) -> None:
        node = self.network.nodes[flush.on]
        self._trace(flush.on, action, arp=flush.arp, dns=flush.dns)
        if flush.arp:
            node.flush_arp()
        if flush.dns:
            node.flush_dns()
