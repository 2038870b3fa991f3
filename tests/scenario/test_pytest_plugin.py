"""The pytest plugin: `pytest scenarios/` gives one item per expectation and one for the
golden result, with expected-vs-got messages; YAML outside a scenarios folder is left alone.
Each session runs in a subprocess, as `pytest scenarios/` would (in-process reruns
re-import PyYAML beside the loader that holds its classes)."""

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lab(pytester):
    shutil.copytree(ROOT / "topologies", pytester.path / "topologies")
    (pytester.path / "scenarios").mkdir()
    for name in ("lan_ping.yaml", "lan_ping.golden.json"):
        shutil.copy(ROOT / "scenarios" / name, pytester.path / "scenarios" / name)
    return pytester


def scenario(lab):
    return lab.path / "scenarios" / "lan_ping.yaml"


def test_one_item_per_expectation_and_one_for_the_golden_result(lab):
    result = lab.runpytest_subprocess("-v", "scenarios")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["scenarios/lan_ping.yaml::pc1-pc2 loss, rtt_max PASSED*",
                                 "scenarios/lan_ping.yaml::pc3-pc4 loss, rtt_max PASSED*",
                                 "scenarios/lan_ping.yaml::golden PASSED*"])


def test_failures_read_expected_and_got_and_the_first_differing_event(lab):
    path = scenario(lab)
    path.write_text(path.read_text().replace("{app: pc3-pc4, loss: 0%, rtt_max: 1ms}",
                                             "{app: pc3-pc4, loss: 0%, rtt_max: 0.2ms}"))
    topology = lab.path / "topologies" / "lan.yaml"
    topology.write_text(topology.read_text().replace("delay: 10us", "delay: 11us"))
    result = lab.runpytest_subprocess("scenarios")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*_ pc3-pc4 loss, rtt_max _*",
        "expected: {app: pc3-pc4, loss: 0%, rtt_max: 0.2ms}",
        "got:      loss 0%; rtt_max 0.42416 ms, expected ≤ 0.2 ms",
        "*_ golden _*",
        "trace: first difference at event 2 (59 events before, 59 now):",
        "  +      2  1000000000 pc1 phy.tx if=eth0 arrive_ns=1000016120 *"])


def test_a_broken_scenario_is_one_failing_item(lab):
    (lab.path / "scenarios" / "bad.yaml").write_text(
        "name: bad\ntopology: ../topologies/lan.yaml\nuntil: 5 parsecs\n")
    result = lab.runpytest_subprocess("scenarios")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*scenarios/bad.yaml:3:8: until: '5 parsecs' is not a time*"])


def test_yaml_outside_a_scenarios_folder_is_not_collected(lab):
    shutil.move(lab.path / "scenarios", lab.path / "corpus")
    result = lab.runpytest_subprocess("corpus", "topologies")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_plugin_can_be_turned_off(lab):
    result = lab.runpytest_subprocess("-p", "no:netsim", "scenarios")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
