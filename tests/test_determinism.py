"""Same scenario + same seed ⇒ byte-identical outputs; another seed ⇒ other random draws."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario

REPO = Path(__file__).resolve().parents[1]
LAN_PING = REPO / "scenarios" / "lan_ping.yaml"

# Static ARP on both ends, so every frame is an echo request or reply and each one's
# fate is a draw from the link's loss streams (20 % each way).
LOSSY = """\
name: lossy
topology:
  name: pair
  nodes:
    a: {type: host, ip: 10.0.0.1/24, mac: "02:00:00:00:00:0a",
        arp: {static: {10.0.0.2: "02:00:00:00:00:0b"}}}
    b: {type: host, ip: 10.0.0.2/24, mac: "02:00:00:00:00:0b",
        arp: {static: {10.0.0.1: "02:00:00:00:00:0a"}}}
  links:
    - {ends: [a, b], rate: 100Mbps, delay: 1ms, loss: 0.2}
seed: 1
until: 3s
run:
  - {at: 0s, on: a, ping: {dst: 10.0.0.2, count: 200, interval: 10ms, timeout: 100ms}}
capture: [a]
"""


def outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def run(path: Path, out: Path, seed: int | None = None) -> dict[str, bytes]:
    run_scenario(load_scenario(path, seed=seed), out, plots=False)
    return outputs(out)


def run_elsewhere(path: Path, out: Path) -> dict[str, bytes]:
    """The same run in a fresh interpreter with another string-hash seed, so an
    iteration over a set or a hash-ordered structure cannot go unnoticed."""
    hash_seed = str(int(os.environ.get("PYTHONHASHSEED", "0") or 0) + 12345)
    subprocess.run([sys.executable, "-m", "simulator.cli", "run", str(path), "--out", str(out),
                    "--no-plots"], check=True, capture_output=True, cwd=REPO, timeout=120,
                   env=dict(os.environ, PYTHONHASHSEED=hash_seed))
    return outputs(out)


def test_lan_ping_outputs_are_byte_identical(tmp_path):
    first, second = run(LAN_PING, tmp_path / "1"), run_elsewhere(LAN_PING, tmp_path / "2")
    assert sorted(first) == ["capture.pcapng", "pc1-eth0.pcap", "pc4-eth0.pcap", "summary.json",
                             "sw-p1.pcap", "sw-p2.pcap", "sw-p3.pcap", "sw-p4.pcap", "trace.jsonl"]
    for name in first:
        assert first[name] == second[name], name
    assert len(first["trace.jsonl"].splitlines()) > 40


def answered(files: dict[str, bytes]) -> set[int]:
    (app,) = json.loads(files["summary.json"])["apps"]
    assert app["transmitted"] == 200
    return {int(seq) for seq in app["rtt_ns"]}


def lost_in_trace(files: dict[str, bytes]) -> set[int]:
    """icmp_seq of every echo request or reply the link lost, from the trace."""
    events = [json.loads(line) for line in files["trace.jsonl"].splitlines()]
    return {int(re.search(r"seq=(\d+)", e["info"]).group(1))
            for e in events if e["event"] == "tx" and e["fate"] == "lost"}


def test_lossy_link_same_seed_same_bytes_other_seed_other_losses(tmp_path):
    scenario = tmp_path / "lossy.yaml"
    scenario.write_text(LOSSY)
    one = run(scenario, tmp_path / "seed1")
    again = run_elsewhere(scenario, tmp_path / "seed1-again")
    two = run(scenario, tmp_path / "seed2", seed=2)
    assert sorted(one) == ["a-eth0.pcap", "capture.pcapng", "summary.json", "trace.jsonl"]
    for name in one:
        assert one[name] == again[name], name

    assert json.loads(one["summary.json"])["seed"] == 1
    assert json.loads(two["summary.json"])["seed"] == 2
    assert answered(one) != answered(two)
    assert one["trace.jsonl"] != two["trace.jsonl"]
    assert one["a-eth0.pcap"] != two["a-eth0.pcap"]

    for files in (one, two):
        summary = json.loads(files["summary.json"])
        got = answered(files)
        assert 0 < len(got) < 200                    # the loss is real, and not total
        # an echo is answered exactly when neither its request nor its reply was lost
        assert got == set(range(1, 201)) - lost_in_trace(files)
        drops = summary["drops"]
        assert len(got) == 200 - drops["a"]["LINK_LOSS"] - drops["b"]["LINK_LOSS"]
        assert summary["apps"][0]["received"] == len(got)
