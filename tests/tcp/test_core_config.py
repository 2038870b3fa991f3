"""TcpConfig: the profiles, overrides, validation, derived values."""

import pytest

from simulator.stack.tcp.config import MS, S, TcpConfig


def test_profiles_differ_where_documented():
    linux, rfc, ns3 = (TcpConfig.profile(n) for n in ("linux", "rfc", "ns3"))
    assert (linux.min_rto, rfc.min_rto) == (200 * MS, 1 * S)
    assert (linux.cc, rfc.cc, ns3.cc) == ("cubic", "newreno", "newreno")
    assert (linux.recovery, rfc.recovery, ns3.recovery) == ("prr", "classic", "prr")
    assert (linux.delayed_ack, rfc.delayed_ack) == (40 * MS, 200 * MS)
    assert (linux.time_wait, rfc.time_wait) == (60 * S, 240 * S)
    assert ns3.initial_window == 10 and not ns3.nagle and ns3.initial_rto == 3 * S
    assert linux.profile_name == "linux" and rfc.profile_name == "rfc"


def test_overrides_and_replace():
    c = TcpConfig.profile("rfc", sack=False)
    assert not c.sack and c.cc == "newreno"
    d = c.replace(cc="cubic")
    assert d.cc == "cubic" and c.cc == "newreno"
    with pytest.raises(ValueError, match="unknown knob"):
        c.replace(sackk=True)
    with pytest.raises(ValueError, match="unknown profile"):
        TcpConfig.profile("bsd")
    with pytest.raises(ValueError, match="cc"):
        TcpConfig.profile("linux", cc="vegas")
    with pytest.raises(ValueError, match="rcv_wscale"):
        TcpConfig(rcv_wscale=15)


def test_initial_window_rfc5681_rule():
    rfc = TcpConfig.profile("rfc")
    assert rfc.initial_window_bytes(1460) == 3 * 1460
    assert rfc.initial_window_bytes(536) == 4 * 536
    assert rfc.initial_window_bytes(2200) == 2 * 2200
    assert TcpConfig.profile("linux").initial_window_bytes(1448) == 14480


def test_wscale_for_space():
    rfc = TcpConfig.profile("rfc")
    assert rfc.wscale_for(65535) == 0
    assert rfc.wscale_for(4 * 1024 * 1024) == 7
    assert rfc.wscale_for(1 << 40) == 14
    assert TcpConfig.profile("linux").wscale_for(10) == 7


def test_every_knob_listed():
    knobs = TcpConfig.knobs()
    assert "profile_name" not in knobs and len(knobs) == len(set(knobs)) > 40
