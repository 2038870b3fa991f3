"""dig's and nslookup's output (BIND 9.18) for a response, its timing and server.

Records are laid out as dig does (BIND's masterdump ``dns_master_style_debug``): the
owner, then the TTL, class, type and data each starting at column 24, 32, 40 and 48,
reached with tabs (8 wide) and, when the text already passes a column, one space. A
question line has no TTL, so its class goes to column 32. dig's header line names
this program, and ``;; WHEN:`` appears only when the caller gives a time text.
"""

from simulator.wire.dns import NOERROR, Message, opcode_text, rcode_text
from simulator.wire.dns_records import (TYPE_A, TYPE_AAAA, TYPE_CNAME, ResourceRecord,
                                        class_text, type_text)

__all__ = ["dig_text", "dig_timeout_text", "nslookup_text", "record_line", "question_line"]

_TAB = 8
_TTL_COLUMN, _CLASS_COLUMN, _TYPE_COLUMN, _RDATA_COLUMN = 24, 32, 40, 48


def _columns(first: str, *fields) -> str:
    """``first``, then each (column, text) field, joined as BIND's indent() does it:
    tabs (8 wide) then spaces up to the column, at least one character."""
    line, column = first, len(first)
    for to, text in fields:
        to = max(to, column + 1)
        tabs = to // _TAB - column // _TAB
        if tabs > 0:
            line += "\t" * tabs
            column = to // _TAB * _TAB
        line += " " * (to - column) + text
        column = to + len(text)
    return line


def record_line(rr: ResourceRecord) -> str:
    return _columns(str(rr.name), (_TTL_COLUMN, str(rr.ttl)),
                    (_CLASS_COLUMN, class_text(rr.rclass)),
                    (_TYPE_COLUMN, type_text(rr.rtype)), (_RDATA_COLUMN, rr.rdata.text()))


def question_line(question) -> str:
    return _columns(f";{question.name}", (_CLASS_COLUMN, class_text(question.qclass)),
                    (_TYPE_COLUMN, type_text(question.qtype)))


def _edns_lines(m: Message) -> list[str]:
    e = m.edns
    lines = [";; OPT PSEUDOSECTION:",
             f"; EDNS: version: {e.version}, flags:{' do' if e.do else ''}; "
             f"udp: {e.payload_size}"]
    lines += [f"; OPT={code}: {data.hex().upper()}" for code, data in e.options]
    return lines


def dig_text(response: Message, *, args: str, server, query_time_ns: int,
             transport: str = "udp", port: int = 53, when: str | None = None) -> str:
    """dig's whole output for ``response`` received from ``server`` after
    ``query_time_ns`` (shown truncated to whole milliseconds, as dig does)."""
    m = response
    counts = (len(m.questions), len(m.answer), len(m.authority),
              len(m.additional) + (m.edns is not None))
    lines = ["", f"; <<>> DiG netsim <<>> {args}", ";; global options: +cmd",
             ";; Got answer:",
             f";; ->>HEADER<<- opcode: {opcode_text(m.opcode)}, status: "
             f"{rcode_text(m.rcode)}, id: {m.id}",
             f";; flags: {m.flags_text()}; QUERY: {counts[0]}, ANSWER: {counts[1]}, "
             f"AUTHORITY: {counts[2]}, ADDITIONAL: {counts[3]}", ""]
    if m.edns is not None:
        lines += _edns_lines(m)
    lines += [";; QUESTION SECTION:"] + [question_line(q) for q in m.questions] + [""]
    for title, section in (("ANSWER", m.answer), ("AUTHORITY", m.authority),
                           ("ADDITIONAL", m.additional)):
        if section:
            lines += [f";; {title} SECTION:"] + [record_line(rr) for rr in section] + [""]
    lines += [f";; Query time: {query_time_ns // 1_000_000} msec",
              f";; SERVER: {server}#{port}({server}) ({transport.upper()})"]
    if when is not None:
        lines.append(f";; WHEN: {when}")
    lines += [f";; MSG SIZE  rcvd: {len(m.pack())}", "", ""]
    return "\n".join(lines)


def dig_timeout_text(*, args: str, server, tries: int, port: int = 53) -> str:
    """dig 9.18 when no response came: one line per try, then the summary."""
    lines = [f";; communications error to {server}#{port}: timed out"] * tries
    lines += ["", f"; <<>> DiG netsim <<>> {args}", ";; global options: +cmd",
              ";; no servers could be reached", "", ""]
    return "\n".join(lines)


def nslookup_text(name: str, responses, *, server, port: int = 53) -> str:
    """nslookup's output for the A and AAAA responses to ``name`` (None: timed out)."""
    lines = [f"Server:\t\t{server}", f"Address:\t{server}#{port}", ""]
    answered = [r for r in responses if r is not None]
    if not answered:
        return "\n".join([";; connection timed out; no servers could be reached", "", ""])
    failed = [r for r in answered if r.rcode != NOERROR]
    if failed:
        return "\n".join(lines + [f"** server can't find {name}: "
                                  f"{rcode_text(failed[0].rcode)}", "", ""])
    if not any(r.answer for r in answered):
        return "\n".join(lines + [f"*** Can't find {name}: No answer", "", ""])
    if not answered[0].aa:
        lines.append("Non-authoritative answer:")
    seen_cname = set()
    for r in answered:
        for rr in r.answer:
            if rr.rtype == TYPE_CNAME and rr.name.key not in seen_cname:
                seen_cname.add(rr.name.key)
                lines.append(f"{rr.name.info()}\tcanonical name = {rr.rdata.target}")
            elif rr.rtype in (TYPE_A, TYPE_AAAA):
                lines += [f"Name:\t{rr.name.info()}", f"Address: {rr.rdata.address}"]
    return "\n".join(lines + ["", ""])

