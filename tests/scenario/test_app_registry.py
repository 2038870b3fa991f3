"""The app registry (simulator.apps.APPS) is the one place an app kind is declared:
Action's app keys, Expectation's fields, the JSON Schema and `netsim check` all
follow it, and a kind registered from outside runs through the normal loader."""

import ast
import json
import re
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest

from simulator.apps import APPS, register
from simulator.apps.checks import SHARED, Check
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.apps.kind import AppKind, Role
from simulator.scenario.jsonschema import json_schema
from simulator.scenario.schema import CHECKS, Action, Expectation
from simulator.spec.values import Int


def test_action_has_one_field_per_kind_typed_with_its_spec():
    assert Action.app_kinds() == tuple(APPS)
    for name, kind in APPS.items():
        assert typing.get_args(Action.model_fields[name].annotation) == (kind.spec, type(None))
    assert list(Action.model_fields) == ["at", "on", "name", *APPS, "link_down", "link_up"]


def test_expectation_fields_are_the_kinds_checks():
    used = {c.name for kind in APPS.values() for c in kind.checks}
    assert {c.name for c in SHARED} <= used                  # no shared check unused
    dhcp = {c.name for c in DHCP_CLIENT_CHECKS}              # app: dhcp, the ip: dhcp clients
    assert set(CHECKS) == used | dhcp
    assert list(Expectation.model_fields) == ["on", "app", *CHECKS]
    assert Expectation.CHECKS == tuple(CHECKS)
    for kind in APPS.values():
        assert all(CHECKS[c.name] is c for c in kind.checks), kind.name
        assert len(set(kind.check_names)) == len(kind.checks), kind.name


def test_json_schema_offers_every_kind_and_check():
    out = json_schema("scenario")
    action, expectation = out["$defs"]["Action"], out["$defs"]["Expectation"]
    assert set(action["properties"]) == {"at", "on", "name", *APPS, "link_down", "link_up"}
    for name, kind in APPS.items():
        assert kind.spec.__name__ in out["$defs"], name
        assert f'"#/$defs/{kind.spec.__name__}"' in json.dumps(action["properties"][name])
    assert set(expectation["properties"]) == {"on", "app", *CHECKS}


def test_servers_bind_their_specs_port_and_roles_are_typed():
    for name, kind in APPS.items():
        role = kind.role_of(kind.spec.model_construct())
        assert role is None or isinstance(role, Role), name
        if role is not None and role.serves:
            assert "port" in kind.spec.model_fields, name
    assert APPS["traceroute"].role_of(APPS["traceroute"].spec(dst="10.0.0.1")) is Role.UDP_CLIENT
    assert APPS["traceroute"].role_of(APPS["traceroute"].spec(dst="10.0.0.1", icmp=True)) is None
    assert {n for n, k in APPS.items() if k.role is Role.TCP_SERVER} == {
        "bulk_sink", "tcp_echo_server", "reqresp_server"}


def test_a_kind_is_registered_once_and_a_field_means_one_thing():
    ping = APPS["ping"]
    with pytest.raises(ValueError, match="'ping' is registered twice"):
        register(ping)
    other_loss = Check("loss", "lost", Int, lambda got, want: got == want)
    with pytest.raises(ValueError, match="field 'loss' is already declared"):
        register(AppKind("lossy", ping.spec, ping.build, (other_loss,)))
    with pytest.raises(RuntimeError, match="'late' registered after the scenario models"):
        register(AppKind("late", ping.spec, ping.build, ping.checks))
    assert "lossy" not in APPS and "late" not in APPS


DOC = Path(__file__).parents[2] / "docs" / "apps.md"


def test_docs_list_every_kind_as_registered():
    """docs/apps.md's table of kinds: module, role and expectation fields, row for row."""
    roles = {Role.TCP_SERVER: "TCP server", Role.UDP_SERVER: "UDP server",
             Role.UDP_CLIENT: "UDP client"}
    rows = re.findall(r"^\| `(\w+)` \| `([\w/]+)\.py` \| ([^|]+) \| ([^|]+) \|$",
                      DOC.read_text(), re.M)
    assert [r[0] for r in rows] == list(APPS)
    for name, module, role, fields in rows:
        kind = APPS[name]
        assert kind.build.__module__ == f"simulator.apps.{module.replace('/', '.')}", name
        want = "—" if kind.role is None else roles.get(kind.role, "UDP client (unless `icmp`)")
        assert role == want, name
        assert fields.split(", ") == kind.check_names, name


# The toy kind is docs/apps.md's example module, registered by this script alone
# before the scenario layer is imported (its models are built from the table).
TOY = DOC.read_text().split("```python\n")[1].split("```")[0] + '''
import json, sys
from simulator.apps import register
register(KNOCK)
from simulator.scenario.errors import ScenarioError
from simulator.scenario.jsonschema import json_schema
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

out = {"schema": sorted(json_schema("scenario")["$defs"]["Action"]["properties"])}
text = sys.stdin.read()
result = run_scenario(load_text(text, "toy.yaml"))
out["verdicts"] = [(v.ok, v.detail) for v in result.verdicts]
out["results"] = [app.result() for app in result.apps]
MISTAKES = [("count: 2", "cout: 2"), ("sent: 2", "loss: 0"),
            ("expect:", "  - {at: 1s, on: a, udp_sink: {port: 32768}}\\nexpect:")]
for old, new in MISTAKES:
    try:
        load_text(text.replace(old, new), "toy.yaml")
        out[old] = None
    except ScenarioError as exc:
        out[old] = str(exc)
print(json.dumps(out))
'''

TOY_SCENARIO = textwrap.dedent("""\
    name: toy
    topology:
      name: t
      nodes:
        a: {type: host, ip: 10.0.0.1/24}
        b: {type: host, ip: 10.0.0.2/24}
      links: [[a, b]]
    until: 2s
    run:
      - {at: 0s, on: b, udp_sink: {port: 7000}}
      - {at: 1s, on: a, knock: {dst: 10.0.0.2, count: 2}}
    expect:
      - {app: knock, sent: 2, errors: 0}
      - {app: udp_sink, received: 2, bytes_received: 10}
      - {app: knock, sent: 3}
    """)


def test_a_kind_registered_in_one_place_loads_checks_and_runs(tmp_path):
    script = tmp_path / "toy.py"
    script.write_text(TOY)
    done = subprocess.run([sys.executable, str(script)], input=TOY_SCENARIO, capture_output=True,
                          text=True, check=True)
    out = json.loads(done.stdout)
    assert "knock" in out["schema"]
    assert out["verdicts"] == [
        [True, "knock@a: sent 2 == 2; knock@a: errors 0 == 0"],
        [True, "udp_sink@b: received 2 == 2; udp_sink@b: bytes_received 10 == 10"],
        [False, "knock@a: sent 2 not == 3"]]
    knock = next(r for r in out["results"] if r["app"] == "knock")
    assert knock == {"app": "knock", "name": "knock", "node": "a", "sent": 2, "errors": 0,
                     "output": ["knocked 2 times"]}
    assert out["count: 2"] == ("toy.yaml:11:44: run[1].knock.cout: unknown field 'cout' "
                               "(did you mean 'count'?)")
    assert out["sent: 2"] == ("toy.yaml:13:24: expect[0].loss: a knock does not report loss "
                              "(it can check: sent, errors, output_contains)")
    assert out["expect:"] == ("toy.yaml:12:38: run[2].udp_sink.port: UDP port 32768 on a "
                                  "is already taken by run[1] (knock, its ephemeral source port)")


def test_apps_and_spec_import_nothing_above_them():
    """Layering: the app kinds and the spec blocks never import the scenario layer
    (nor viz, the CLI); spec/ needs only engine.units."""
    root = Path(__file__).parents[2] / "simulator"
    above = ("simulator.scenario", "simulator.viz", "simulator.cli", "simulator.campaign")
    for folder, banned in (("apps", above), ("spec", above + (
            "simulator.apps", "simulator.stack", "simulator.nodes", "simulator.phy"))):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
                for name in names:
                    assert not name.startswith(banned), f"{path}: imports {name}"
