"""netsim view in a real headless browser (Debian's chromium driven by playwright):
the page loads from a file with no network request at all, steps through the
lan_ping run, and its PDU pane shows the ARP request's fields and bytes exactly as
tshark -V -x prints them for that frame."""

import re
import shutil
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.trace_io import read_trace
from simulator.viz.viewer import write_view
from tests.tshark import _run as tshark

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
    if CHROMIUM is None:
        pytest.skip("chromium not installed (make browser, or apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        # the system browser, never one of playwright's downloads; no sandbox as root in CI
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lan_ping")
    assert run_scenario(load_scenario(REPO / "scenarios" / "lan_ping.yaml"), out, plots=False).passed
    return out


@pytest.fixture
def open_page(browser):
    """Open a page file with every request recorded and all but the file itself refused."""
    pages = []

    def opener(path: Path):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.requests, page.errors = [], []
        url = path.resolve().as_uri()

        def route(r):
            page.requests.append(r.request.url)
            r.continue_() if r.request.url == url else r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(url)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


def tshark_frame(pcap: Path, number: int) -> tuple[dict[str, list[str]], bytes]:
    """tshark -V -x of one frame: per protocol heading, its 'Name: value' lines; and the bytes."""
    text = tshark(["-r", str(pcap), "-V", "-x", "-Y", f"frame.number == {number}"])
    layers, hexbytes, current = {}, bytearray(), None
    for line in text.splitlines():
        if m := re.match(r"^([0-9a-f]{4})  ((?:[0-9a-f]{2} ){1,16})", line):
            hexbytes += bytes.fromhex(m.group(2))
        elif line and not line.startswith(" "):
            current = layers.setdefault(line.split(",")[0].split(" (")[0], [])
        elif current is not None and line.startswith("    ") and not line.startswith("     "):
            current.append(line.strip())
    return layers, bytes(hexbytes)


def pane(page) -> tuple[dict[str, list[tuple[str, str]]], bytes]:
    layers = page.eval_on_selector_all("#details details", """ds => ds.map(d => [
        d.querySelector('summary').textContent,
        [...d.querySelectorAll('.f')].map(f => [f.dataset.name, f.dataset.value])])""")
    hexdump = page.inner_text("#hex")
    raw = b"".join(bytes.fromhex(line[6:]) for line in hexdump.splitlines() if line.strip())
    return {title: fields for title, fields in layers}, raw


def same_value(mine: str, theirs: str) -> bool:
    """tshark adds a resolved name before an address: 'Broadcast (ff:ff:ff:ff:ff:ff)'."""
    return theirs == mine or theirs.endswith(f"({mine})")


def test_offline_step_through_and_arp_pdu_equals_tshark(run_dir, open_page):
    page = open_page(write_view(run_dir))
    url = (run_dir / "view.html").resolve().as_uri()
    trace = read_trace(run_dir / "trace.jsonl")
    assert page.inner_text("#stepno") == f"step 1 / {len(trace)}"
    first_tx = next(i for i, e in enumerate(trace) if e["event"] == "tx")
    for _ in range(first_tx):
        page.click("#fwd")
    assert page.inner_text("#events tr.cur td.info") == "Who has 10.0.0.2? Tell 10.0.0.1"
    layers, raw = pane(page)
    theirs, their_bytes = tshark_frame(run_dir / "pc1-eth0.pcap", 1)
    assert raw == their_bytes and len(raw) == 60
    arp = layers["Address Resolution Protocol (request)"]
    assert len(arp) == 9 and len(theirs["Address Resolution Protocol"]) == 9
    for (name, value), line in zip(arp, theirs["Address Resolution Protocol"], strict=True):
        their_name, their_value = line.split(": ", 1)
        assert name == their_name and same_value(value, their_value), (name, value, line)
    eth = dict(layers["Ethernet II, Src: 02:00:00:00:00:01, Dst: ff:ff:ff:ff:ff:ff"])
    their_eth = dict(line.split(": ", 1) for line in theirs["Ethernet II"])
    assert {"Destination", "Source", "Type", "Padding"} == set(eth)
    assert all(same_value(eth[k], their_eth[k]) for k in eth)
    # the frame flies its link: at the end of its animation the clock shows its last bit in
    page.wait_for_function("() => document.getElementById('clock').textContent === 't = 1.000 015 120 s'")
    assert page.get_attribute("#pkt", "visibility") == "visible"
    # the tables at that instant: pc1 has asked for 10.0.0.2, nothing answered yet
    assert "10.0.0.2 (incomplete) INCOMPLETE eth0" in page.inner_text("#tables-body").replace("\t", " ")
    # to the end and back
    page.click("#last")
    assert page.inner_text("#stepno") == f"step {len(trace)} / {len(trace)}"
    page.click("#back")
    assert page.inner_text("#stepno") == f"step {len(trace) - 1} / {len(trace)}"
    assert page.errors == [] and page.requests == [url]


def test_filters_and_event_cap_note(run_dir, open_page, tmp_path):
    trace = read_trace(run_dir / "trace.jsonl")
    page = open_page(write_view(run_dir, tmp_path / "capped.html", max_events=10))
    assert page.inner_text("#note") == f"Only the first 10 of {len(trace)} trace events are embedded (netsim view --max-events N for more)."
    page = open_page(write_view(run_dir))
    page.select_option("#f-proto", "ICMP")
    icmp = sum(e.get("proto") == "ICMP" for e in trace)
    assert page.locator("#rows tr").count() == icmp and page.inner_text("#stepno") == f"step 1 / {icmp}"
    page.select_option("#f-proto", "")
    page.select_option("#f-node", "pc4")
    at_pc4 = sum("pc4" in (e["node"], e.get("peer")) for e in trace)
    assert page.locator("#rows tr").count() == at_pc4
    page.select_option("#f-node", "")
    page.select_option("#f-kind", "learn")
    assert page.locator("#rows tr").count() == sum(e["event"] == "learn" for e in trace) == 4
    assert page.errors == []


def test_failed_link_is_drawn_down_from_its_step(open_page, tmp_path):
    assert run_scenario(load_scenario(REPO / "scenarios" / "failover.yaml"), tmp_path, plots=False).passed
    down = [e for e in read_trace(tmp_path / "trace.jsonl") if e["event"] == "link_down"]
    assert [e["link"] for e in down] == ["r1:n-r2:w"]
    page = open_page(write_view(tmp_path))
    assert page.locator(".link.down").count() == 0
    page.select_option("#f-kind", "link_down")
    assert page.inner_text("#events tr.cur td.info") == "r1:n-r2:w"
    assert page.locator(".link.down").count() == 1
    page.select_option("#f-kind", "")
    page.click("#first")
    assert page.locator(".link.down").count() == 0 and page.errors == []


def test_web_browse_home_nat_table_and_dns_cache_ttl_counted_down(open_page, tmp_path):
    assert run_scenario(load_scenario(REPO / "scenarios" / "web_browse.yaml"), tmp_path, plots=False).passed
    trace = read_trace(tmp_path / "trace.jsonl")
    page = open_page(write_view(tmp_path))
    # the forwarder's first step at 70 s: www cached at 10.19 s with TTL 300, 59 whole
    # seconds ago, so 241 left (RFC 1035 §7.4); the first browse's mapping still there
    step = next(i for i, e in enumerate(trace) if e["node"] == "home" and e["ns"] >= 70 * 10**9)
    page.click(f"#ev-{step}")
    tables = page.inner_text("#tables-body").replace("\t", " ")
    assert "www.example.com. A 203.0.113.80 241" in tables
    assert "tcp 192.168.1.100:32768 198.51.100.2:32768" in tables
    assert "32769" not in tables
    # pinned to home, at the end: the 400 s browse's mapping alone, www cached afresh
    page.click("#node-home")
    page.click("#last")
    tables = page.inner_text("#tables-body").replace("\t", " ")
    assert page.text_content("#tables-h").startswith("Node tables: home (nat) at 449.")
    assert "tcp 192.168.1.100:32770 198.51.100.2:32770" in tables and "32768" not in tables
    assert "www.example.com. A 203.0.113.80 251" in tables
    assert page.errors == []
