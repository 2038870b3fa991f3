"""The plot gallery: scenarios in, PNGs and a README out, deterministically."""

from pathlib import Path

from simulator.viz.gallery import MARKER, main

REPO = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scenario_copy(folder: Path) -> Path:
    """scenarios/lan_ping.yaml in ``folder``, its topology named by absolute path."""
    folder.mkdir()
    text = (REPO / "scenarios" / "lan_ping.yaml").read_text()
    relative = "topology: ../topologies/lan.yaml"
    assert relative in text
    path = folder / "lan_ping.yaml"
    path.write_text(text.replace(relative, f"topology: {REPO / 'topologies' / 'lan.yaml'}"))
    return path


def test_gallery_runs_each_scenario_and_links_its_plots(tmp_path, capsys):
    scenario_copy(tmp_path / "scenarios")
    (tmp_path / "scenarios" / "notes.txt").write_text("not a scenario")
    out = tmp_path / "plots"
    (out).mkdir()
    (out / "stale-ladder.png").write_bytes(b"old")  # not ours (no README yet): kept
    assert main([str(tmp_path / "scenarios"), str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    names = ("lan_ping-topology.png", "lan_ping-ladder.png", "lan_ping-ladder-2.png",
             "lan_ping-ladder-3.png", "lan_ping-hops.png")       # the ladder has 3 pages
    shown = ", ".join(f"{out.as_posix()}/{name}" for name in names)
    assert printed == [f"lan_ping: lan-ping → {shown}"]
    for name in names:
        assert (out / name).read_bytes().startswith(PNG_SIGNATURE)
    readme = (out / "README.md").read_text()
    assert readme.startswith(MARKER + "\n")
    assert "## lan_ping\n" in readme
    assert "**lan-ping**: [`lan_ping.yaml`](../scenarios/lan_ping.yaml), seed 1; " \
           "2 of 2 expectations hold." in readme
    assert "![lan-ping: Packet ladder](lan_ping-ladder.png)" in readme
    assert "![lan-ping: Packet ladder, page 3](lan_ping-ladder-3.png)" in readme
    assert "![lan-ping: Hop-by-hop latency](lan_ping-hops.png)" in readme
    assert (readme.index("lan_ping-topology.png") < readme.index("lan_ping-ladder.png")
            < readme.index("lan_ping-hops.png"))
    assert "![lan-ping: Topology](lan_ping-topology.png)" in readme
    assert (out / "stale-ladder.png").exists()

    # again: byte-identical files; a PNG the gallery no longer makes is now removed
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "stale-ladder.png"}
    assert main([str(tmp_path / "scenarios"), str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_gallery_reports_a_bad_scenario_and_goes_on(tmp_path, capsys):
    scenario_copy(tmp_path / "scenarios")
    (tmp_path / "scenarios" / "broken.yaml").write_text("name: broken\ntopology: nowhere.yaml\n"
                                                        "until: 1s\n")
    out = tmp_path / "out"
    assert main([str(tmp_path / "scenarios"), str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed] == ["broken", "lan_ping"]
    assert printed[0].startswith("broken: ERROR ")
    readme = (out / "README.md").read_text()
    assert "could not be run" in readme and "lan_ping-ladder.png" in readme
    assert main([str(tmp_path / "missing"), str(out)]) == 2


def test_gallery_copies_the_first_pages_of_a_long_ladder(tmp_path, monkeypatch):
    from simulator.viz import gallery

    scenario_copy(tmp_path / "scenarios")
    monkeypatch.setattr(gallery, "GALLERY_PAGES", 2)
    out = tmp_path / "plots"
    assert main([str(tmp_path / "scenarios"), str(out)]) == 0
    assert (out / "lan_ping-ladder-2.png").exists() and not (out / "lan_ping-ladder-3.png").exists()
    assert "*1 more page: `netsim run` draws them all.*" in (out / "README.md").read_text()


def test_gallery_says_why_a_scenario_has_no_ladder(tmp_path):
    """A scenario whose trace keeps no frames: its topology only, and the line saying why."""
    path = scenario_copy(tmp_path / "scenarios")
    text = path.read_text()
    assert "\ntrace:" not in text
    path.write_text(text + "trace: {layers: [arp, icmp]}\n")
    assert main([str(tmp_path / "scenarios"), str(tmp_path / "gallery")]) == 0
    assert sorted(p.name for p in (tmp_path / "gallery").glob("*.png")) == [
        "lan_ping-topology.png"]
    readme = (tmp_path / "gallery" / "README.md").read_text()
    assert ("*No ladder or hop plot: the trace keeps the arp, icmp layers only; add phy to "
            "trace.layers to draw them (from its tx events).*") in readme
