"""A link's random draws do not move when unrelated links are added: its streams are
named by its two nodes and its index among the links between them, not by the port
numbers a switch hands out in link order."""

from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

LOSSY = """
name: lossy
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
    x: {type: host, ip: 10.0.0.9/24}
    sw: {type: switch}
  links:
EARLIER
    - {ends: [a, sw], loss: 30%}
    - [b, sw]
until: 30s
run:
  - {at: 1s, on: a, ping: {dst: 10.0.0.2, count: 20, interval: 1s, timeout: 2s}}
expect:
  - {app: ping, loss_max: 100%}
"""


def replies(earlier: str) -> dict:
    result = run_scenario(load_text(LOSSY.replace("EARLIER\n", earlier)))
    return result.apps[0].result()["rtt_ns"]


def test_a_link_listed_earlier_on_the_switch_changes_no_loss_draw():
    alone = replies("")
    shifted = replies("    - [x, sw]\n")      # a:eth0 is now on sw:p2, not sw:p1
    assert 0 < len(alone) < 20                 # some of the 20 were lost
    assert shifted == alone


def test_the_stream_name_is_the_two_nodes_and_the_index_between_them():
    result = run_scenario(load_text(LOSSY.replace("EARLIER\n", "")))
    ab = [link for link in result.network.links if link.a.node.name == "a"][0]
    assert ab.ab.faults._loss.random.__self__ is \
        result.network.sim.rng.stream("link:a-sw#0:a>sw:loss")    # the stream it drew from
