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
