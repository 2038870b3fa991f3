"""HTTP/1.1 server and clients end to end on a two-host link: statuses, headers and
bodies as RFC 9110/9112 define them, persistent connections, redirects, the negative
paths as results, and the browse phases against the link's exact timing."""

from types import SimpleNamespace

import h11

from simulator.apps.http.browse import Browse
from simulator.apps.http.server import HttpServer, filler
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario
from tests.helpers import MS, SECOND, two_hosts

RATE = 10_000_000
DELAY = 5 * MS
PAGE = "<html><body>hello</body></html>"

SCENARIO = """\
name: t
topology:
  name: two
  nodes:
    a: {{type: host, ip: 10.0.0.1/24}}
    b:
      type: host
      ip: 10.0.0.2/24
      http_server:
        paths: {{/: 10KB, /a.html: "{page}", /style.css: {{size: 1KB}},
                 /data: {{body: "x", type: text/plain}}}}
        redirects: {{/old: /a.html}}
  links: [{{ends: [a, b], rate: 10Mbps, delay: 5ms}}]
until: {until}
run:
{apps}
"""


def run(apps: str, until: str = "30s"):
    text = SCENARIO.format(apps=apps, until=until, page=PAGE)
    result = run_scenario(load_text(text))
    return ({r["name"]: r for r in result.results()},
            result.network.nodes["b"].web_services["http_server"])


def frame_ns(payload: int) -> int:
    """A TCP segment with timestamps on the link: 20 IPv4 + 32 TCP + 18 Ethernet."""
    return (payload + 20 + 32 + 18) * 8 * SECOND // RATE


def test_get_returns_the_body_with_its_length_and_type():
    r, server = run("  - {at: 1s, on: a, name: get, http_get: {url: http://10.0.0.2/a.html}}")
    (row,) = r["get"]["requests"]
    assert row["status"] == 200
    assert row["body_bytes"] == len(PAGE)
    assert row["headers"]["content-length"] == str(len(PAGE))
    assert row["headers"]["content-type"] == "text/html"
    assert r["get"]["statuses"] == [200] and r["get"]["errors"] == 0
    assert server.summary()["responses"] == {"200": 1}


def test_generated_body_has_the_size_asked_and_types_come_from_the_extension():
    r, _ = run("  - {at: 1s, on: a, name: root, http_get: {url: http://10.0.0.2/}}\n"
               "  - {at: 1s, on: a, name: css, http_get: {url: http://10.0.0.2/style.css}}\n"
               "  - {at: 1s, on: a, name: data, http_get: {url: http://10.0.0.2/data}}")
    assert (r["root"]["bytes_received"], r["root"]["requests"][0]["type"]) == (10_000, "text/html")
    assert (r["css"]["bytes_received"], r["css"]["requests"][0]["type"]) == (1000, "text/css")
    assert r["data"]["requests"][0]["type"] == "text/plain"
    assert len(filler(10_000)) == 10_000 and filler(10_000) == filler(10_000)


def test_head_has_get_headers_and_no_body():
    """RFC 9110 §9.3.2: the same header fields as GET, no content."""
    r, _ = run("  - {at: 1s, on: a, name: head, http_get: {url: http://10.0.0.2/, method: HEAD}}")
    (row,) = r["head"]["requests"]
    assert (row["status"], row["body_bytes"]) == (200, 0)
    assert row["headers"]["content-length"] == "10000"


def test_unknown_path_is_404_and_a_redirect_is_301_followed():
    r, server = run("  - {at: 1s, on: a, name: miss, http_get: {url: http://10.0.0.2/nope}}\n"
                    "  - {at: 1s, on: a, name: old, http_get: {url: http://10.0.0.2/old}}")
    assert r["miss"]["statuses"] == [404]
    assert r["miss"]["requests"][0]["error"] is None           # a 404 is an answer
    first, second = r["old"]["requests"]
    assert (first["status"], first["headers"]["location"]) == (301, "/a.html")
    assert (second["url"], second["status"], second["reused"]) == (
        "http://10.0.0.2/a.html", 200, True)
    assert server.summary()["responses"] == {"200": 1, "301": 1, "404": 1}


def test_redirects_zero_stops_at_the_301():
    r, _ = run("  - {at: 1s, on: a, name: old, http_get: {url: http://10.0.0.2/old, redirects: 0}}")
    assert r["old"]["statuses"] == [301]


def test_keep_alive_reuses_one_connection_and_close_opens_one_per_request():
    r, server = run("  - {at: 1s, on: a, name: ka, http_get: {url: http://10.0.0.2/a.html, count: 3}}")
    assert [row["reused"] for row in r["ka"]["requests"]] == [False, True, True]
    assert server.summary()["connections"] == 1
    r, server = run("  - {at: 1s, on: a, name: kc, http_get: {url: http://10.0.0.2/a.html, "
                    "count: 3, keep_alive: false}}")
    assert [row["reused"] for row in r["kc"]["requests"]] == [False, False, False]
    assert [row["headers"]["connection"] for row in r["kc"]["requests"]] == ["close"] * 3
    assert server.summary()["connections"] == 3
    # after Connection: close the server closes first (RFC 9112 §9.6): its TIME-WAIT
    assert server.summary()["tcp_states"] == ["TIME-WAIT"] * 3
    assert r["kc"]["tcp_states"] == ["CLOSED"] * 3


def test_the_client_closes_a_persistent_connection_and_ends_in_time_wait():
    r, server = run("  - {at: 1s, on: a, name: get, http_get: {url: http://10.0.0.2/a.html}}")
    assert r["get"]["tcp_state"] == "TIME-WAIT"
    assert server.summary()["tcp_states"] == ["CLOSED"]


def test_reused_request_time_to_first_byte_is_the_frames_on_the_link():
    """Request and response each one segment, to the nanosecond: the client's ACK of
    the first response (quick-ACK, RFC 9293 §3.8.6.3 as Linux) goes just before the
    second request; the server, in Linux's pingpong mode since it answered the first
    request at once, lets the response carry the request's ACK; so ttfb is one pure
    ACK, the request and the response frames and two propagation delays."""
    r, _ = run("  - {at: 1s, on: a, name: ka, http_get: {url: http://10.0.0.2/a.html, count: 2}}")
    second = r["ka"]["requests"][1]
    request = h11.Connection(h11.CLIENT).send(h11.Request(
        method="GET", target="/a.html",
        headers=[("Host", "10.0.0.2"), ("User-Agent", "netsim"), ("Accept", "*/*")]))
    response_bytes = second["bytes"]
    assert second["ttfb_ns"] == (frame_ns(0) + frame_ns(len(request)) + DELAY
                                 + frame_ns(response_bytes) + DELAY)
    assert second["transfer_ns"] == 0


def test_idle_persistent_connection_is_closed_by_the_server_after_keep_alive():
    sim, a, b = two_hosts(rate=RATE, delay=DELAY)
    server = HttpServer(b, 80, {"/": (b"hi", "text/plain")}, keep_alive_ns=2 * SECOND)
    server.start()
    seen = {}

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.2", 80))
        yield sock.sendall(b"GET / HTTP/1.1\r\nHost: b\r\n\r\n")
        seen["response"] = len((yield sock.recv(4096)))
        seen["answered"] = sim.now
        while (yield sock.recv(4096)):
            pass
        seen["eof"] = sim.now
        sock.close()

    sim.process(client())
    sim.run(10 * SECOND)
    # the request arrived at t0; the server's quick ACK, then its response left; from
    # t0 it waits for the next request, and its FIN leaves 2 s later
    t0 = seen["answered"] - DELAY - frame_ns(seen["response"]) - frame_ns(0)
    assert seen["eof"] == t0 + 2 * SECOND + frame_ns(0) + DELAY


def test_garbage_gets_400_and_other_methods_405():
    """RFC 9112 §2.2: a message that cannot be parsed → 400 and close; RFC 9110
    §15.5.6: a method the resource does not support → 405 with Allow."""
    sim, a, b = two_hosts(rate=RATE, delay=DELAY)
    HttpServer(b, 80, {"/": (b"hi", "text/plain")}).start()
    replies = {}

    def client(key, request):
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.2", 80))
        yield sock.sendall(request)
        data = b""
        while chunk := (yield sock.recv(4096)):
            data += chunk
            if key == "post" and b"\r\n\r\n" in data:
                break
        replies[key] = data
        sock.close()

    sim.process(client("junk", b"\x00\x01 not http\r\n\r\n"))
    sim.process(client("post", b"POST / HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n"))
    sim.run(20 * SECOND)
    assert replies["junk"].startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert replies["post"].startswith(b"HTTP/1.1 405 Method Not Allowed\r\n")
    assert b"\r\nAllow: GET, HEAD\r\n" in replies["post"]


def test_refused_and_unanswered_are_clear_results():
    r, _ = run("  - {at: 1s, on: a, name: refused, http_get: {url: 'http://10.0.0.2:8080/'}}\n"
               "  - {at: 1s, on: a, name: nobody, browse: {urls: ['http://10.0.0.9/']}}",
               until="200s")
    (row,) = r["refused"]["requests"]
    assert (row["status"], row["error"]) == (None, "Connection refused")
    assert r["refused"]["errors"] == 1 and r["refused"]["statuses"] == [None]
    assert r["refused"]["output"] == ["GET http://10.0.0.2:8080/: Connection refused"]
    (row,) = r["nobody"]["urls"]
    assert row["error"] == "No route to host"           # ARP gave up: EHOSTUNREACH
    assert r["nobody"]["connected"] is False


def test_a_name_without_a_resolver_is_a_dns_failure_not_a_crash():
    r, _ = run("  - {at: 1s, on: a, name: b, browse: {urls: ['http://www.example.com/']}}")
    (row,) = r["b"]["urls"]
    assert (row["error"], row["dns_rcode"], row["status"]) == ("DNS NOSERVERS", "NOSERVERS", None)


class FakeResolver:
    """Obeys the services contract (node.resolver): answers after ``delay_ns`` the
    first time, from its cache at once after that."""

    def __init__(self, sim, table: dict, delay_ns: int):
        self.env, self.table, self.delay_ns = sim.env, table, delay_ns
        self.cached: set = set()
        self.calls: list = []

    def resolve(self, name: str, qtype: str = "A"):
        self.calls.append((name, qtype))
        if name.replace(".", "").isdigit():                   # an IPv4 literal: at once
            return self.env.timeout(0, value=SimpleNamespace(
                addresses=[name], rcode="NOERROR", nodata=False, source="hosts", server=None,
                elapsed_ns=0))
        hit = name in self.cached
        self.cached.add(name)
        address = self.table.get(name)
        res = SimpleNamespace(addresses=[address] if address else [],
                              rcode="NOERROR" if address else "NXDOMAIN", nodata=False,
                              source="cache" if hit else "server", server=None,
                              elapsed_ns=0 if hit else self.delay_ns)
        return self.env.timeout(res.elapsed_ns, value=res)


def browse(urls, table=None, delay_ns=7 * MS, until=30 * SECOND):
    sim, a, b = two_hosts(rate=RATE, delay=DELAY)
    a.resolver = FakeResolver(sim, table or {"www.example.com": "10.0.0.2"}, delay_ns)
    server = HttpServer(b, 80, {"/": (filler(5000), "text/html"),
                                "/a.html": (PAGE.encode(), "text/html")})
    server.start()
    app = Browse(a, urls)
    a.apps.append(app)
    sim.call_later(SECOND, lambda _e: app.start())
    sim.run(until)
    return app.result(), a.resolver, server


def test_browse_phases_add_up_and_a_second_url_on_the_host_reuses_the_connection():
    result, resolver, server = browse(["http://www.example.com/", "http://www.example.com/a.html"])
    first, second = result["urls"]
    assert resolver.calls == [("www.example.com", "A")]       # one lookup, one connection
    assert server.summary()["connections"] == 1
    assert (first["dns_ns"], first["dns_source"]) == (7 * MS, "server")
    assert second["reused"] and second["dns_ns"] == second["connect_ns"] == 0
    for row in result["urls"]:
        assert row["total_ns"] == (row["dns_ns"] + row["connect_ns"] + row["ttfb_ns"]
                                   + row["transfer_ns"])
    # connect: ARP both ways then SYN and SYN-ACK (60-byte ARP frames padded to 64)
    arp = 64 * 8 * SECOND // RATE + DELAY
    syn = (74 + 4) * 8 * SECOND // RATE + DELAY
    assert first["connect_ns"] == 2 * arp + 2 * syn
    assert result["statuses"] == [200, 200] and result["tcp_state"] == "TIME-WAIT"
    assert result["dns_sources"] == ["server"]
    assert result["output"][1].split()[:4] == ["#", "URL", "status", "type"]


def test_browse_again_answers_from_the_cache_and_a_new_host_connects_anew():
    result, resolver, server = browse(["http://www.example.com/", "http://10.0.0.2/a.html",
                                       "http://www.example.com/a.html"])
    rows = result["urls"]
    assert [r["reused"] for r in rows] == [False, False, False]   # host changed each time
    assert [r["dns_source"] for r in rows] == ["server", "hosts", "cache"]
    assert rows[2]["dns_ns"] == 0
    assert server.summary()["connections"] == 3


def test_browse_nxdomain_is_a_row_with_the_rcode():
    result, _, _ = browse(["http://nowhere.example.com/"])
    (row,) = result["urls"]
    assert (row["error"], row["dns_ns"], row["status"]) == ("DNS NXDOMAIN", 7 * MS, None)
    assert result["errors"] == 1


def test_yaml_expectations_read_browse_results():
    r, _ = run("  - {at: 1s, on: a, name: b, browse: {urls: [http://10.0.0.2/, http://10.0.0.2/a.html]}}")
    text = SCENARIO.format(apps="  - {at: 1s, on: a, name: b, browse: {urls: [http://10.0.0.2/]}}",
                           until="30s", page=PAGE) + (
        "expect:\n  - {app: b, status: 200, total_max: 1s, dns_source: hosts, "
        "tcp_state: TIME-WAIT}\n  - {app: b, status: 404}\n")
    verdicts = run_scenario(load_text(text)).verdicts
    assert [v.ok for v in verdicts] == [True, False]
    assert verdicts[1].detail == "status [200], expected 404"
    assert r["b"]["statuses"] == [200, 200]
