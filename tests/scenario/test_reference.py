"""docs/yaml.md's key tables are generated from the models and must not drift."""

import json
import re
import subprocess
import sys

from simulator.apps import APPS
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.scenario import reference, schema
from simulator.scenario.reference import COMMAND, DOC, MODELS

# Value types: models a file writes as one value (`r1:e0`, `[10ms, 12ms]`), whose
# forms docs/yaml.md's Conventions section describes ("Addresses and names": the
# endpoint; "Units": ranges) instead of a key table.
UNTABLED = {"Endpoint", "CountRange", "FractionRange", "RateRange", "SizeRange", "TimeRange"}


def tables(text: str) -> dict[str, list[list[str]]]:
    """Each generated table's rows, by model name, as lists of cells."""
    return {m.group(1): [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]
                         for row in m.group(2).splitlines()[2:]]
            for m in reference.MARKER.finditer(text)}


def keys(rows: list[list[str]]) -> list[str]:
    return [key for row in rows for key in re.findall(r"`(\w+)`", row[0])]


def test_committed_tables_are_the_generated_ones():
    stale = reference.drifted(DOC.read_text())
    assert not stale, f"docs/yaml.md tables out of date for {', '.join(stale)}: run `{COMMAND}`"


def test_a_stale_table_is_named():
    text = DOC.read_text().replace("| `cost` | integer | `1` |", "| `cost` | integer | `2` |")
    assert reference.drifted(text) == ["LinkSpec"]
    assert reference.drifted(reference.regenerate(text)) == []
    text = DOC.read_text().replace("| echo requests to send (`-c`) |", "| echo requests |")
    assert reference.drifted(text) == ["PingSpec"]
    text = DOC.read_text().replace("| `jitter_max` | time ≥ 0 |", "| `jitter_max` | time |")
    assert reference.drifted(text) == ["Checks"]


def test_every_key_table_is_generated():
    assert reference.hand_tables(DOC.read_text()) == []


def test_every_model_a_file_holds_has_a_table():
    """A model is documented by its own table or a subclass's (LinkSpec's rows are
    LinkOverrides' fields); every field of a tabled model is a row of it, in its order
    (Expectation's app fields are the Checks table's rows)."""
    text = DOC.read_text()
    generated = tables(text)
    tabled = [MODELS[name] for name in MODELS if name in generated]
    assert set(generated) == set(MODELS) | set(reference.TABLES)
    untabled = {m.__name__ for m in reference.reachable(schema.Topology, schema.Scenario)
                if not any(issubclass(t, m) for t in tabled)}
    assert untabled == UNTABLED
    for model in tabled:
        own = [f for f in model.model_fields if f not in reference.ELSEWHERE.get(model.__name__, ())]
        assert keys(generated[model.__name__]) == own + list(getattr(model, "doc_rows", {})), \
            model.__name__
    assert keys(generated["Expectation"]) + keys(generated["Checks"]) == \
        list(schema.Expectation.model_fields)


def test_every_app_kind_has_its_table_and_action_row():
    """A registered kind is documented by registering: its spec's table, and a row of
    the Action table linking to it with the spec's summary."""
    text = DOC.read_text()
    generated = tables(text)
    action = {row[0]: row for row in generated["Action"]}
    for kind in APPS.values():
        assert MODELS[kind.spec.__name__] is kind.spec
        assert keys(generated[kind.spec.__name__]) == list(kind.spec.model_fields), kind.name
        row = action[f"`{kind.name}`"]
        heading, anchor = reference.anchors_of(text)[kind.spec.__name__]
        assert row[1] == f"[{heading}](#{anchor})" and row[-1], kind.name
    assert all(row[-1] for rows in generated.values() for row in rows
               if not row[1].startswith(("as on a", "[socket options]"))), "a key has no meaning"


def test_a_registered_app_gets_its_table():
    """docs/apps.md's example kind, registered in a fresh process: its spec's table, its
    Action row and its check's row come from the registration alone."""
    example = (DOC.parent / "apps.md").read_text().split("```python\n")[1].split("```")[0]
    script = example + """
import json
from simulator.apps import register
register(KNOCK)
from simulator.scenario import reference
print(json.dumps([reference.render(reference.MODELS["KnockSpec"], {}),
                  reference.render(reference.MODELS["Action"], {"KnockSpec": ("knock", "knock")}),
                  reference.checks_table({})]))
"""
    spec, action, checks = json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                                     capture_output=True, text=True).stdout)
    assert "| `port` | integer | `7000` | 1..65535 | destination port |" in spec
    assert "| `knock` | [knock](#knock) | none | | knock: `count` UDP datagrams to dst:port" in action
    assert "| `sent` | integer ≥ 0 or range | `sent` | equal | `knock` |" in checks


def test_every_check_is_a_row_naming_the_apps_that_produce_it():
    rows = {row[0].strip("`"): row for row in tables(DOC.read_text())["Checks"]}
    assert list(rows) == list(schema.CHECKS)
    for name, check in schema.CHECKS.items():
        _, kind, key, passes, apps = rows[name]
        assert key == f"`{check.key}`" and passes == check.description != ""
        assert ("or range" in kind) == check.ranged
        producers = [k.name for k in APPS.values() if check in k.checks]
        if apps.startswith("every app"):
            left_out = re.findall(r"`(\w+)`", apps.partition(" but ")[2].partition(", `app")[0])
            assert producers == [k for k in APPS if k not in left_out], name
        else:
            assert re.findall(r"`(\w+)`", apps) == producers, name
        assert apps.endswith("`app: dhcp`") == (check in DHCP_CLIENT_CHECKS), name
    assert rows["errors"][4] == "every app but `traceroute`, `app: dhcp`"
    assert rows["goodput"][4] == "`bulk_sink`, `udp_cbr_sink`"
    assert rows["rtt_avg"][1] == "time or range"


def test_tcp_defaults_are_the_linux_profiles():
    table = reference.render(MODELS["TcpSpec"], {})
    assert "| `min_rto` | time | `200ms` | ≥ 0 |" in table
    assert "| `cc` | `reno`, `newreno` or `cubic` | `cubic` |" in table
    assert "| `mss` | integer | none | 88..65495 |" in table


def test_the_value_types_read_as_yaml():
    hints = {"timeout": "time", "static": "mapping IPv4 address → MAC", "retries": "integer"}
    table = reference.render(MODELS["ArpSpec"], {})
    for key, kind in hints.items():
        assert f"| `{key}` | {kind} |" in table
    assert "| `timeout` | time | `30s` | > 0 |" in table
    assert "| `mtu` | integer | `1500` | 68..65535 |" in reference.render(MODELS["LinkParams"], {})
    assert "| `cubic_beta` | number | `0.7` | > 0; < 1 |" in reference.render(MODELS["TcpSpec"], {})


def test_every_generator_kind_has_a_row_with_its_keys():
    from simulator.scenario.generate import KINDS
    rows = {row[0].strip("`"): row for row in tables(DOC.read_text())["Generators"]}
    assert list(rows) == list(KINDS)
    assert "`k` (integer, required, 2..64)" in rows["fat_tree"][1]
    assert "`hosts` (integer, k/2 per edge router, 0..200)" in rows["fat_tree"][1]
    assert "`hosts`" not in rows["line"][1]          # every kind's default: in the prose
    assert all(row[2] for row in rows.values())      # each says which routers it makes
