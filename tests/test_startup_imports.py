"""What a trivial ``netsim`` command imports: the heavy packages only some
subcommands need stay out of a plain run and of ``--help`` (benchmarks/startup.py
measures the time; this pins the imports that the time depends on)."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs the CLI in a fresh interpreter and prints the top-level packages it imported.
PROBE = """
import json, sys
from simulator import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, check=True,
                          capture_output=True, text=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_run_without_plots_imports_no_plotting_campaign_or_dns_library(tmp_path):
    modules = imported("run", "scenarios/lan_ping.yaml", "--no-plots", "--out", str(tmp_path))
    assert (tmp_path / "summary.json").is_file()
    for absent in ("matplotlib", "networkx", "dns", "multiprocessing", "sqlite3",
                   "simulator.campaign.store", "simulator.campaign.sweep",
                   "simulator.drill.runner"):
        assert absent not in modules, absent
    assert "simulator.scenario.run" in modules


def test_a_run_off_a_terminal_imports_neither_rich_nor_the_http_engine(tmp_path):
    """Its output goes to a pipe (simulator.console's plain console), and lan_ping has no
    web app or server: h11 and the HTTP client and server stay out."""
    modules = imported("run", "scenarios/lan_ping.yaml", "--no-plots", "--out", str(tmp_path))
    assert (tmp_path / "summary.json").is_file()
    for absent in ("rich", "h11", "simulator.apps.http.client", "simulator.apps.http.server"):
        assert absent not in modules, absent
    assert "simulator.apps.http.browse" in modules          # its spec is in the schema


def test_checking_a_web_scenario_imports_no_http_engine_and_running_it_does():
    """web_browse has a browser and an HTTP server: loading it needs their specs only."""
    checked = imported("check", "scenarios/web_browse.yaml")
    assert "h11" not in checked and "rich" not in checked
    assert {"simulator.apps.http.url", "simulator.scenario.web_specs"} <= checked


def test_running_a_web_scenario_imports_the_http_engine(tmp_path):
    modules = imported("run", "scenarios/web_browse.yaml", "--no-plots", "--out", str(tmp_path))
    assert json.loads((tmp_path / "summary.json").read_text())["passed"] is True
    assert {"h11", "simulator.apps.http.client", "simulator.apps.http.server"} <= modules


def test_help_does_not_import_the_scenario_layer():
    modules = imported("--help")
    assert "simulator.campaign.commands" in modules
    assert not {m for m in modules if m.startswith("simulator.scenario.load")
                or m == "pydantic"}


def test_a_run_with_plots_leaves_matplotlib_to_its_plot_worker(tmp_path):
    """The worker forked before the scenario loads imports matplotlib while the run goes
    on; the process that simulates hands it plain data and imports none of it."""
    modules = imported("run", "scenarios/lan_ping.yaml", "--out", str(tmp_path))
    assert (tmp_path / "plots" / "topology.png").is_file()
    assert (tmp_path / "plots" / "ladder-3.png").is_file()
    assert "matplotlib" not in modules and "numpy" not in modules and "networkx" not in modules
    assert "simulator.viz.plot_job" in modules


# Runs a scenario with its plots drawn in this process and prints the modules imported.
DRAWN = """
import json, sys
from pathlib import Path
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
run_scenario(load_scenario(sys.argv[1]), Path(sys.argv[2]), plots=True)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_figures_are_drawn_without_networkx(tmp_path):
    """lan_ping's topology is no chain: its spring layout is simulator.viz.spring's, in
    numpy, which the figures import anyway (networkx's import cost more than the figure)."""
    done = subprocess.run([sys.executable, "-c", DRAWN, "scenarios/lan_ping.yaml", str(tmp_path)],
                          cwd=REPO, check=True, capture_output=True, text=True)
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert (tmp_path / "plots" / "topology.png").is_file()
    assert "simulator.viz.spring" in modules and "matplotlib" in modules
    assert "networkx" not in modules


# Loads a scenario in a fresh interpreter and prints which schema models have a validator.
BUILT = """
import json, sys
from pydantic._internal._mock_val_ser import MockValSer
from simulator.apps import APPS
from simulator.scenario import schema
from simulator.scenario.load import load_scenario
from simulator.spec.model import Model
load_scenario(sys.argv[1])
def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)
built = {m.__name__ for m in models(Model) if not isinstance(m.__pydantic_validator__, MockValSer)}
print(json.dumps({"built": sorted(built), "apps": sorted(k.spec.__name__ for k in APPS.values())}))
"""


# Every default a schema model makes with model_construct (no validator of its own), and
# what validating an empty mapping with that model gives.
DEFAULTS = """
import json, sys
from simulator.apps import APPS
from simulator.scenario import generate, schema
from simulator.spec.model import Model
def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)
made = []
for model in set(models(Model)):
    for name, field in model.model_fields.items():
        factory = field.default_factory
        if getattr(factory, "__name__", "") == "model_construct":
            spec = factory.__self__
            made.append([f"{model.__name__}.{name}", factory() == spec.model_validate({}),
                         factory().model_fields_set == spec.model_validate({}).model_fields_set])
print(json.dumps(sorted(made)))
"""


def test_a_default_spec_made_without_validation_is_what_validation_makes():
    """A nested spec left out (``tcp:``, ``trace:``, ``plots:`` ...) is made with
    ``model_construct``: no validator is built for it alone; its values must be what
    validating ``{}`` would give."""
    done = subprocess.run([sys.executable, "-c", DEFAULTS], cwd=REPO, check=True,
                          capture_output=True, text=True)
    made = json.loads(done.stdout)
    assert {"HostSpec.tcp", "HostSpec.arp", "Scenario.trace", "Scenario.plots",
            "Topology.defaults", "PlotsSpec.ladder"} <= {name for name, _, _ in made}
    assert [name for name, same, fields in made if not (same and fields)] == []


def test_links_and_expectations_put_together_unvalidated_are_what_validation_makes():
    """Topology.link_params merges validated values with model_construct, and
    summary.json's expectations are dumped field by field (spec_of), so that neither
    LinkParams' validator nor Expectation's serializer is built in a run: over every
    shipped scenario, each equals what the model itself makes."""
    from simulator.scenario.expect import spec_of
    from simulator.scenario.load import load_scenario
    from simulator.scenario.schema import BUILTIN_LINK, LinkParams

    assert BUILTIN_LINK == LinkParams() and BUILTIN_LINK.queue.model_fields_set == {"packets"}
    links = expectations = 0
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        topology = scenario.topology
        for link in topology.links:
            made = topology.link_params(link)
            merged = {**BUILTIN_LINK.model_dump(), **topology.defaults.link.given(),
                      **link.given()}
            assert made == LinkParams.model_validate(merged), (path.name, link)
            links += 1
        for expectation in scenario.expect:
            assert spec_of(expectation) == expectation.model_dump(exclude_none=True, mode="json")
            expectations += 1
    assert links > 100 and expectations > 50


def test_loading_a_file_builds_the_validators_of_the_root_models_only():
    """Each model's validator is built on first use (defer_build): a file is validated
    through Topology and Scenario, whose validators hold the nested models, so the app
    specs (of which lan_ping uses one) get none of their own."""
    done = subprocess.run([sys.executable, "-c", BUILT, "scenarios/lan_ping.yaml"], cwd=REPO,
                          check=True, capture_output=True, text=True)
    seen = json.loads(done.stdout)
    assert {"Scenario", "Topology"} <= set(seen["built"])
    assert not set(seen["built"]) & set(seen["apps"])
    assert len(seen["built"]) < 20
