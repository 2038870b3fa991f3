// netsim step-through viewer: displays the data embedded by simulator/viz/viewer (no network).
"use strict";
const D = JSON.parse(document.getElementById("netsim-data").textContent);
const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";
const COLOURS = {ARP: "var(--arp)", ICMP: "var(--icmp)", UDP: "var(--udp)", TCP: "var(--tcp)"};
const KIND_FILL = {host: "#dbeafe", router: "#dcfce7", l3switch: "#fef3c7", switch: "#ede9fe", hub: "#f3f4f6"};
const SPEEDS = [["1 µs = 100 ms", 100], ["1 µs = 40 ms", 40], ["1 µs = 15 ms", 15], ["1 µs = 5 ms", 5], ["1 µs = 1 ms", 1]];
const W = 640, H = 400, PAD = 48, LONG = 96;  // LONG: hex digits of a value shown before "…"
const linkLines = new Map();  // "a:if-b:if" (either way round) → its SVG line
let shown = [], cur = -1, playing = false, anim = null, timer = null;

function el(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function h(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function fmtTime(ns) { const s = Math.floor(ns / 1e9), r = String(ns % 1e9).padStart(9, "0"); return `${s}.${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)} s`; }
function protoOf(e) { return e.proto || e.layer; }
function xy(name) { const p = D.positions[name] || [0.5, 0.5]; return [PAD + p[0] * (W - 2 * PAD), PAD + p[1] * (H - 2 * PAD)]; }

function drawTopology() {
  const svg = $("svg");
  for (const l of D.links) {
    const [x1, y1] = xy(l.a), [x2, y2] = xy(l.b);
    const line = el("line", {class: "link", x1, y1, x2, y2});
    linkLines.set(`${l.a}:${l.a_if}-${l.b}:${l.b_if}`, line); linkLines.set(`${l.b}:${l.b_if}-${l.a}:${l.a_if}`, line);
    svg.append(line);
    for (const [n, i, fx, fy, ox, oy] of [[l.a, l.a_if, x1, y1, x2, y2], [l.b, l.b_if, x2, y2, x1, y1]]) {
      const d = Math.hypot(ox - fx, oy - fy) || 1;
      svg.append(el("text", {class: "iflabel", x: fx + (ox - fx) * 48 / d, y: fy + (oy - fy) * 48 / d - 4}, i));
    }
  }
  svg.append(el("line", {id: "pkt", x1: 0, y1: 0, x2: 0, y2: 0, visibility: "hidden"}));
  for (const n of D.nodes) {
    const [x, y] = xy(n.name), g = el("g", {class: "node", id: "node-" + n.name});
    const fill = KIND_FILL[n.kind] || "#fff";
    g.append(n.kind === "host" ? el("circle", {cx: x, cy: y, r: 26, fill})
                               : el("rect", {x: x - 32, y: y - 20, width: 64, height: 40, rx: 6, fill}));
    g.append(el("text", {x, y: y + 5}, n.name));
    const addrs = Object.values(n.addresses);
    addrs.forEach((a, k) => g.append(el("text", {class: "addr", x, y: y + 42 + 14 * k}, a)));
    if (!addrs.length) g.append(el("text", {class: "addr", x, y: y + 38}, n.kind));
    g.addEventListener("click", () => { pinned = pinned === n.name ? null : n.name; showTables(n.name); });
    svg.append(g);
  }
}

function fillFilters() {
  const add = (id, values) => { for (const v of [...new Set(values)].sort()) { const o = h("option", v); o.value = v; $(id).append(o); } };
  add("f-node", D.nodes.map((n) => n.name));
  add("f-proto", D.events.map(protoOf));
  add("f-kind", D.events.map((e) => e.event));
  for (const [label, v] of SPEEDS) { const o = h("option", label); o.value = v; $("speed").append(o); }
  $("speed").value = 15;
  for (const id of ["f-node", "f-proto", "f-kind"]) $(id).addEventListener("change", applyFilters);
}

// One line for the event list: a frame's Info, else what the event says happened.
function describe(e) {
  switch (e.event) {
    case "tx": return e.info + (e.fate !== "ok" ? ` (${e.fate})` : "");
    case "arp_state": return `${e.ip}: ${e.was || "new"} → ${e.state}${e.mac ? " at " + e.mac : ""}`;
    case "learn": return `${e.mac} on ${e.port}${e.was ? " (was " + e.was + ")" : ""}`;
    case "flood": return `${e.dst} flooded (${e.why}), in on ${e.port}`;
    case "route": return `${e.dst} matched ${e.route}${e.via ? " via " + e.via : ""} dev ${e.out}, TTL ${e.ttl} → ${e.ttl_out}`;
    case "drop": return `${e.reason}${e.info ? ": " + e.info : ""}`;
    case "queue": return `${e.packets} packets, ${e.bytes} bytes queued`;
    case "nat.map": return `${e.proto} ${e.internal} → ${e.external} (to ${e.remote})`;
    case "nat.expire": return `${e.proto} ${e.internal} → ${e.external} expires`;
    case "dns_cache": return `${e.change} ${e.name} ${e.type}${e.change === "store" ? " " + e.data.join(" ") + " TTL " + e.ttl : ""}`;
    case "routes_changed": return `+${(e.added || []).length} −${(e.removed || []).length} routes`;
    default: return e.info || e.link || e.state || "";
  }
}

function applyFilters() {
  const node = $("f-node").value, proto = $("f-proto").value, kind = $("f-kind").value;
  const keepId = cur >= 0 ? shown[cur] : -1;
  shown = [];
  const rows = $("rows"); rows.textContent = "";
  D.events.forEach((e, i) => {
    if (node && e.node !== node && e.peer !== node) return;
    if (proto && protoOf(e) !== proto) return;
    if (kind && e.event !== kind) return;
    const tr = h("tr"); tr.id = "ev-" + i; tr.dataset.step = shown.length;
    const info = describe(e);
    const what = e.event === "tx" ? `${e.node}:${e.if} → ${e.peer}:${e.peer_if}` : e.node;
    for (const [t, c] of [[i + 1], [fmtTime(e.ns)], [what], [e.layer], [e.event], [protoOf(e), "proto"], [info, "info"]]) tr.append(h("td", t, c));
    tr.children[5].style.color = COLOURS[e.proto] || "var(--other)";
    if (e.event === "drop" || (e.fate && e.fate !== "ok")) tr.style.color = "var(--bad)";
    tr.addEventListener("click", () => go(Number(tr.dataset.step)));
    rows.append(tr); shown.push(i);
  });
  const k = shown.indexOf(keepId);
  go(k >= 0 ? k : (shown.length ? 0 : -1));
}

function go(step, animate = true) {
  stopAnim();
  if (!shown.length) { cur = -1; $("stepno").textContent = "no events match"; return; }
  cur = Math.max(0, Math.min(shown.length - 1, step));
  const i = shown[cur], e = D.events[i];
  document.querySelectorAll("#rows tr.cur").forEach((r) => r.classList.remove("cur"));
  const row = $("ev-" + i); row.classList.add("cur"); row.scrollIntoView({block: "nearest"});
  $("stepno").textContent = `step ${cur + 1} / ${shown.length}`;
  document.querySelectorAll(".node.active").forEach((g) => g.classList.remove("active"));
  for (const n of [e.node, e.peer]) if (n && $("node-" + n)) $("node-" + n).classList.add("active");
  showPdu(e);
  showTables(pinned || e.node);
  showLinks(i);
  if (e.event === "tx") flight(e, animate); else { $("pkt").setAttribute("visibility", "hidden"); $("clock").textContent = "t = " + fmtTime(e.ns); schedule(600); }
}

// A frame on its link: the head is its first bit, the tail its last (ns .. arrive_ns).
function flight(e, animate) {
  const [x1, y1] = xy(e.node), [x2, y2] = xy(e.peer), pkt = $("pkt");
  const end = e.arrive_ns === null ? e.ns + e.ser_ns : e.arrive_ns;
  const delay = Math.max(1, (e.arrive_ns === null ? e.ser_ns : e.arrive_ns - e.ns - e.ser_ns));
  pkt.setAttribute("stroke", e.fate === "ok" ? (COLOURS[e.proto] || "var(--other)") : "var(--bad)");
  pkt.setAttribute("visibility", "visible");
  const at = (t) => {
    const head = Math.min(1, Math.max(0, (t - e.ns) / delay)), tail = Math.min(1, Math.max(0, (t - e.ns - e.ser_ns) / delay));
    const lim = e.arrive_ns === null ? 0.5 : 1;
    pkt.setAttribute("x1", x1 + (x2 - x1) * Math.min(head, lim) * 1); pkt.setAttribute("y1", y1 + (y2 - y1) * Math.min(head, lim));
    pkt.setAttribute("x2", x1 + (x2 - x1) * Math.min(tail, lim)); pkt.setAttribute("y2", y1 + (y2 - y1) * Math.min(tail, lim));
    $("clock").textContent = "t = " + fmtTime(Math.round(t));
  };
  if (!animate) { at(end); return; }
  const msPerNs = Number($("speed").value) / 1000, wall = (end - e.ns) * msPerNs, t0 = performance.now();
  const frame = (now) => {
    const f = wall ? Math.min(1, (now - t0) / wall) : 1;
    at(e.ns + f * (end - e.ns));
    if (f < 1) anim = requestAnimationFrame(frame); else { anim = null; schedule(400); }
  };
  anim = requestAnimationFrame(frame);
}

// Links down at event `upto` (link_down / link_up events so far) are drawn dashed red.
function showLinks(upto) {
  const down = new Set();
  for (let k = 0; k <= upto; k++) {
    const e = D.events[k], line = linkLines.get(e.link);
    if (line && e.event === "link_down") down.add(line); else if (line && e.event === "link_up") down.delete(line);
  }
  for (const line of linkLines.values()) line.classList.toggle("down", down.has(line));
}

function stopAnim() { if (anim) cancelAnimationFrame(anim); anim = null; clearTimeout(timer); timer = null; }
function schedule(ms) { if (playing) timer = setTimeout(() => { if (cur < shown.length - 1) go(cur + 1); else setPlaying(false); }, ms); }
function setPlaying(on) { playing = on; $("play").textContent = on ? "⏸ Pause" : "▶ Play"; if (on) go(cur < shown.length - 1 ? cur + 1 : 0); else stopAnim(); }

function showPdu(e) {
  const det = $("details"), hex = $("hex"); det.textContent = ""; hex.textContent = "";
  if (e.event !== "tx") { $("pdu-h").textContent = "Packet"; det.append(h("p", "This step is not a frame on a link.", "muted")); return; }
  const f = e.frame === undefined ? null : D.frames[e.frame];
  $("pdu-h").textContent = `Packet: ${e.bytes} bytes on wire` + (f ? `, ${f.hex.length / 2} captured at ${e.captured_at}` : "");
  if (!f) { det.append(h("p", "Not captured (add its node to capture: in the scenario to see its bytes).", "muted")); return; }
  const bytes = [];
  for (let o = 0; o < f.hex.length / 2; o++) { const s = h("span", f.hex.substr(2 * o, 2)); s.dataset.o = o; bytes.push(s); }
  for (let row = 0; row < bytes.length; row += 16) {
    hex.append(row.toString(16).padStart(4, "0") + "  ");
    bytes.slice(row, row + 16).forEach((s, k) => { hex.append(s); hex.append(k === 7 ? "  " : " "); });
    hex.append("\n");
  }
  const light = (o, l, on) => { for (let k = o; k < o + l && k < bytes.length; k++) bytes[k].classList.toggle("hl", on); };
  for (const layer of f.layers) {
    const d = h("details"); d.open = true; d.className = "layer";
    const s = h("summary", layer.title); d.append(s);
    s.addEventListener("mouseenter", () => light(layer.o, layer.l, true)); s.addEventListener("mouseleave", () => light(layer.o, layer.l, false));
    for (const fl of layer.fields) {
      const line = h("div", `${fl.n}: ${fl.v.length > LONG ? fl.v.slice(0, LONG) + "…" : fl.v}`, "f"); line.dataset.name = fl.n; line.dataset.value = fl.v;
      line.addEventListener("mouseenter", () => light(fl.o, fl.l, true)); line.addEventListener("mouseleave", () => light(fl.o, fl.l, false));
      d.append(line);
    }
    det.append(d);
  }
}

// A node's tables just after event `upto` (at time `at`): ARP entries, MAC learning, NAT
// mappings and DNS cache entries replayed from the trace's arp_state / learn / nat.map /
// nat.expire / dns_cache events, a DNS entry's TTL counted down to `at` in whole seconds
// and gone once it reaches 0 (RFC 1035 §7.4); routes from the end-of-run table with later
// routes_changed events undone.
function tablesAt(n, upto, at) {
  const arp = new Map(), mac = new Map(), nat = new Map(), dns = new Map(), routes = new Set(n.routes);
  D.events.forEach((e, i) => {
    if (e.node !== n.name) return;
    if (i <= upto && e.event === "arp_state") arp.set(e.ip, [e.ip, e.mac || "(incomplete)", e.state, e.if]);
    else if (i <= upto && e.event === "learn") mac.set(e.mac, [e.mac, e.port]);
    else if (i <= upto && e.event === "nat.map") nat.set(e.proto + " " + e.external, [e.proto, e.internal, e.external]);
    else if (i <= upto && e.event === "nat.expire") nat.delete(e.proto + " " + e.external);
    else if (i <= upto && e.event === "dns_cache") {
      if (e.change === "store") dns.set(e.name + " " + e.type, e); else dns.delete(e.name + " " + e.type);
    }
    else if (i > upto && e.event === "routes_changed") {
      for (const r of e.added || []) routes.delete(r);
      for (const r of e.removed || []) routes.add(r);
    }
  });
  const sorted = (m) => [...m.values()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const left = (e) => e.ttl - Math.floor((at - e.stored_ns) / 1e9);
  const cached = [...dns.values()].filter((e) => left(e) > 0).map((e) => [e.name, e.type, e.data.join(" "), String(left(e))]);
  return {arp: sorted(arp), mac: sorted(mac), nat: sorted(nat), dns: cached.sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1)),
          routes: [...routes].map((r) => [r])};
}

let pinned = null;  // a node clicked in the topology: its tables stay shown
function showTables(name) {
  const n = D.nodes.find((x) => x.name === name), body = $("tables-body"); body.textContent = "";
  if (!n) return;
  const upto = cur >= 0 ? shown[cur] : -1, at = upto >= 0 ? D.events[upto].ns : 0;
  $("tables-h").textContent = `Node tables: ${n.name} (${n.kind}) at ${fmtTime(at)}`;
  const table = (title, head, rows, none) => {
    body.append(h("h3", title));
    if (!rows.length) { body.append(h("p", none, "muted")); return; }
    const t = h("table"), hr = h("tr"); for (const c of head) hr.append(h("th", c)); t.append(hr);
    for (const r of rows) { const tr = h("tr"); for (const c of r) tr.append(h("td", c)); t.append(tr); }
    body.append(t);
  };
  const tb = tablesAt(n, upto, at);
  if (Object.keys(n.addresses).length) table("Addresses", ["interface", "address"], Object.entries(n.addresses), "");
  if (n.kind !== "switch" && n.kind !== "hub") {
    table("Routes", ["route"], tb.routes, "none");
    table("ARP cache", ["address", "MAC", "state", "interface"], tb.arp, "empty");
  }
  if (n.kind === "switch" || n.kind === "l3switch") table("MAC table", ["MAC", "port"], tb.mac, "empty");
  if (n.kind === "nat") table("NAT table", ["protocol", "inside", "outside"], tb.nat, "empty");
  if (tb.dns.length || D.events.some((e) => e.node === n.name && e.event === "dns_cache")) table("DNS cache", ["name", "type", "data", "TTL"], tb.dns, "empty");
  body.append(h("p", pinned ? `Pinned to ${pinned}: click it again to follow the steps.` : "Click a node in the topology to keep its tables shown.", "muted"));
}

function init() {
  $("title").textContent = `netsim: ${D.scenario}`;
  const verdict = D.passed === null || D.passed === undefined ? "" : (D.passed ? " · expectations pass" : " · expectations FAIL");
  $("meta").textContent = `seed ${D.seed} · until ${fmtTime(D.until_ns)} · ${D.events_total} events, ${D.frames.length} distinct frames${verdict}`;
  if (D.events.length < D.events_total) { $("note").hidden = false; $("note").textContent = `Only the first ${D.events.length} of ${D.events_total} trace events are embedded (netsim view --max-events N for more).`; }
  drawTopology(); fillFilters();
  $("first").onclick = () => go(0); $("last").onclick = () => go(shown.length - 1);
  $("back").onclick = () => go(cur - 1, false); $("fwd").onclick = () => go(cur + 1);
  $("play").onclick = () => setPlaying(!playing);
  document.addEventListener("keydown", (k) => {
    if (k.target.tagName === "SELECT") return;
    if (k.key === "ArrowRight") go(cur + 1); else if (k.key === "ArrowLeft") go(cur - 1, false);
    else if (k.key === " ") { k.preventDefault(); setPlaying(!playing); }
    else if (k.key === "Home") go(0); else if (k.key === "End") go(shown.length - 1);
  });
  applyFilters();
}
init();
