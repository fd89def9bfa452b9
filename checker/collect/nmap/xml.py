"""A pure, safe reader of nmap XML (`-oX`): bytes in, an `NmapRun` (a `NetworkView` per host) out. No I/O.

nmap XML comes from other people (`--nmap-xml`) and carries strings chosen by the scanned
hosts (service banners), so the reader is defensive:

- It parses with defusedxml's parser and allows only a bare `<!DOCTYPE nmaprun>` (what
  nmap 7.x writes): a DOCTYPE with an internal subset or an external DTD is refused
  before any declaration in it is read, and defusedxml's own refusal of entity
  declarations and external references stays armed behind it. Nothing is ever expanded
  (billion laughs) or fetched (XXE).
- Bytes that are not valid UTF-8 in a document declaring (or defaulting to) UTF-8 are
  refused with their position, instead of being half-decoded.
- Truncated documents (nmap killed mid-run) are not well-formed and are refused; a
  well-formed document without `<runstats><finished>` is reported as incomplete
  (`NmapRun.complete`), so a scan runner can fail closed.
- The root must be `<nmaprun>`; a port without protocol, number or state, or a host
  without an address, is an error rather than a guess.
- Every problem is an `InputError` whose message starts with the source (`file: message`).
  Nothing else escapes (no AttributeError on a missing element, unlike python-nmap).

Read across nmap 3.75 to 7.9x: `xmloutputversion` 1.01 to 1.05, files with and without
`runstats/finished@elapsed`, `startstr`, DOCTYPE, iso-8859-1 declarations.

Why not python-nmap's `PortScanner.analyse_nmap_xml_scan` (0.7.1, read in site-packages
and probed with hostile inputs, see docs/outside-view.md): it needs an nmap binary just
to be constructed, parses with the stdlib ElementTree (internal entities are expanded
into attribute values), crashes with AttributeError/TypeError on a missing
`<runstats>`, a port without `portid` or a host without an address, puts the whole
document into its error message, keys hosts by IPv4 (a second `<host>` with the same
address silently replaces the first), and drops the start time, the version and the
`timedout` flag we need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml
import defusedxml.ElementTree as SafeET

from checker.errors import InputError
from checker.model import FoldedPorts, NetworkView, PortTable, Protocol, ScannedPort
from checker.model.network import parse_port_set

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
"""Refuse larger documents outright (a full /16 scan with -sV stays far below)."""

_ENCODING_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP}
_OUTSIDE_MODEL = ("sctp", "ip")
"""Protocols nmap scans that the model leaves out (their rows and tables are skipped)."""


def _protocol_name(text: str | None) -> str:
    """nmap writes `tcp`; read `TCP` and ` tcp` the same everywhere (rows, tables, summaries), so a
    row is never dropped by one reading while its table is kept by another."""
    return (text or "").strip().lower()


def _protocol(text: str | None, host: str, source: str, what: str) -> Protocol | None:
    """The protocol of a row or group; None for sctp/ip; an error for anything else (a row we
    cannot place may be an open port)."""
    name = _protocol_name(text)
    if name in _PROTOCOLS:
        return _PROTOCOLS[name]
    if name in _OUTSIDE_MODEL:
        return None
    raise _fail(source, f"host {host}: {what} with an unknown protocol {(text or '')[:20]!r}")


@dataclass(frozen=True)
class ScannedHost:
    """One `<host>` of an nmap run."""

    view: NetworkView
    timed_out: bool = False
    """nmap gave up on this host (`--host-timeout`): its ports are unknown, not closed."""


@dataclass(frozen=True)
class NmapRun:
    """Everything the reader keeps of one nmap XML document."""

    source: str
    hosts: tuple[ScannedHost, ...]
    scanner: str
    scanner_version: str | None
    arguments: tuple[str, ...]
    started_at: str | None
    finished_at: str | None
    complete: bool
    """`<runstats><finished>` is present: nmap ran to its end."""
    error: str | None = None
    """nmap's own error (`finished@errormsg`, or `exit="error"`)."""
    skipped_targets: Mapping[str, str] = field(default_factory=dict)
    """Target specifications nmap skipped (`<target status="skipped">`) -> reason."""
    scan_types: tuple[str, ...] = ()
    """`scaninfo@type` values: syn, connect, udp, ..."""


def _fail(source: str, message: str) -> InputError:
    return InputError(f"{source}: {message}")


def _iso(epoch: str | None) -> str | None:
    if epoch is None or not epoch.strip().isdigit():
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_encoding(data: bytes, source: str) -> None:
    declared = _ENCODING_DECL.match(data[:200])
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding.replace("_", "-") not in ("utf-8", "utf8"):
        return  # expat checks the other encodings it knows (iso-8859-1, us-ascii, utf-16)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(source, f"line {line}, column {column}: byte 0x{data[exc.start]:02x} is not valid UTF-8 "
                            "(the document declares or defaults to UTF-8)") from None


class _DoctypeRefused(Exception):
    pass


def _refuse_doctype_with_declarations(name: str, sysid: str | None, pubid: str | None,
                                      has_internal_subset: bool) -> None:
    """Only a bare `<!DOCTYPE nmaprun>` passes: no external DTD, no internal subset."""
    if sysid or pubid or has_internal_subset:
        raise _DoctypeRefused(name)


def _invalid_token_hint(data: bytes, line: int, column: int) -> str:
    lines = data.split(b"\n")
    if 1 <= line <= len(lines):
        text = lines[line - 1].decode("utf-8", "replace")
        for char in text[column:column + 1]:
            if not char.isprintable() and char not in "\t\r":
                return f" (control character U+{ord(char):04X} is not allowed in XML 1.0)"
    return ""


def _parse_document(data: bytes, source: str) -> Element:
    if not isinstance(data, bytes):
        raise TypeError("parse_nmap_run takes bytes")
    if not data.strip():
        raise _fail(source, "empty file, not an nmap XML report")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _fail(source, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB, refused")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(source, "UTF-16 is not an nmap XML encoding (nmap writes UTF-8)")
    _check_encoding(data, source)
    try:
        parser = SafeET.DefusedXMLParser(target=TreeBuilder(), forbid_dtd=False, forbid_entities=True,
                                         forbid_external=True)
        parser.parser.StartDoctypeDeclHandler = _refuse_doctype_with_declarations
        parser.feed(data)
        root: Element = parser.close()
    except _DoctypeRefused:
        raise _fail(source, "a DOCTYPE with an internal subset or an external DTD is refused (nmap writes a "
                            "bare <!DOCTYPE nmaprun>; entity declarations enable XXE and entity expansion)") \
            from None
    except defusedxml.EntitiesForbidden:
        raise _fail(source, "XML entity declarations are refused (possible entity-expansion or XXE attack)") \
            from None
    except defusedxml.ExternalReferenceForbidden:
        raise _fail(source, "external XML references are refused (possible XXE attack)") from None
    except defusedxml.DefusedXmlException as exc:
        raise _fail(source, f"unsafe XML refused: {type(exc).__name__}") from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        hint = " (truncated: was nmap interrupted?)" if reason in ("no element found", "unclosed token") else ""
        if reason == "not well-formed (invalid token)":
            hint = _invalid_token_hint(data, line, column)
        raise _fail(source, f"line {line}, column {column + 1}: malformed XML: {reason}{hint}") from None
    except (ValueError, LookupError) as exc:  # an encoding expat does not know, and the like
        raise _fail(source, f"unreadable XML: {exc}") from None
    if root.tag != "nmaprun":
        raise _fail(source, f"not an nmap XML report (root element <{root.tag}>, expected <nmaprun>)")
    return root


def _text(value: str | None) -> str | None:
    """Attribute values as stored: None for absent or empty."""
    return value if value else None


def _port(element: Element, host: str, source: str, scan_types: Mapping[Protocol, str]) -> ScannedPort | None:
    protocol_name = element.get("protocol")
    portid = element.get("portid")
    if not protocol_name:
        raise _fail(source, f"host {host}: <port portid={portid!r}> has no protocol")
    protocol = _protocol(protocol_name, host, source, f"<port portid={portid!r}>")
    if protocol is None:
        return None  # sctp and IP-protocol scans are outside the model (tcp/udp only)
    if portid is None or not portid.isdigit() or not 0 <= int(portid) <= 65535:
        raise _fail(source, f"host {host}: <port> with an invalid portid {portid!r}")
    state = element.find("state")
    if state is None or not state.get("state"):
        raise _fail(source, f"host {host}: port {protocol_name}/{portid} has no state")
    service = element.find("service")
    attrs: Mapping[str, str] = service.attrib if service is not None else {}
    return ScannedPort(
        protocol=protocol,
        port=int(portid),
        state=state.get("state", ""),
        reason=_text(state.get("reason")),
        service=_text(attrs.get("name")),
        product=_text(attrs.get("product")),
        version=_text(attrs.get("version")),
        extrainfo=_text(attrs.get("extrainfo")),
        address=host,
        scan_type=scan_types.get(protocol),
    )


def _count(text: str | None) -> int:
    """A group's count; 0 when missing or unreadable, which only widens what a folded port may be
    (`coverage`: counts short of the scanned ports add every state the technique folds)."""
    return int(text) if text is not None and text.isdigit() and len(text) < 7 else 0


def _folded(element: Element, host: str, source: str) -> list[tuple[Protocol | None, FoldedPorts]]:
    """One `<extraports>`: (protocol or None when nmap does not say, group) per `<extrareasons>`.

    nmap 7.92+ names each reason's protocol and exact ports; older versions give a count only,
    and an `<extraports>` may have no reasons at all."""
    state = element.get("state")
    if not state:
        raise _fail(source, f"host {host}: <extraports> without a state")
    total = _count(element.get("count"))
    groups: list[tuple[Protocol | None, FoldedPorts]] = []
    for reasons in element.findall("extrareasons"):
        proto = reasons.get("proto")
        protocol = _protocol(proto, host, source, "<extrareasons>") if proto is not None else None
        if proto is not None and protocol is None:
            continue  # sctp / ip: outside the model, like their <port> rows
        ports = _text(reasons.get("ports"))
        if ports is not None and parse_port_set(ports) is None:
            raise _fail(source, f"host {host}: <extrareasons> with an unreadable ports list {ports[:40]!r}")
        groups.append((protocol, FoldedPorts(state, _count(reasons.get("count")),
                                             _text(reasons.get("reason")), ports if protocol is not None else None)))
    if not element.findall("extrareasons"):
        groups.append((None, FoldedPorts(state, total)))
    return groups


def _tables(element: Element, address: str, state: str, scaninfos: list[tuple[Protocol, str | None, str | None]],
            ports: list[ScannedPort], source: str) -> tuple[PortTable, ...]:
    """One table per scanned protocol (a `<scaninfo>`), plus one per protocol only seen in rows."""
    folded = [group for extra in element.findall("ports/extraports") for group in _folded(extra, address, source)]
    known = [(protocol, scan_type, services) for protocol, scan_type, services in scaninfos]
    for protocol in dict.fromkeys(p.protocol for p in ports):
        if all(protocol != p for p, _, _ in known):
            known.append((protocol, None, None))
    return tuple(
        PortTable(address, protocol, scan_type, services, state,
                  tuple(group for proto, group in folded if proto is None or proto == protocol))
        for protocol, scan_type, services in known)


def _host(element: Element, run: dict[str, Any], source: str) -> ScannedHost:
    addresses = {a.get("addrtype", "ipv4"): a.get("addr") for a in element.findall("address")}
    address = addresses.get("ipv4") or addresses.get("ipv6")
    if not address:
        raise _fail(source, "a <host> without an IPv4 or IPv6 address")
    status = element.find("status")
    state = (status.get("state") if status is not None else None) or "unknown"
    hostnames = tuple(dict.fromkeys(
        name for h in element.findall("hostnames/hostname") if (name := h.get("name"))))
    scaninfos: list[tuple[Protocol, str | None, str | None]] = run["scaninfos"]
    scan_types = {protocol: scan_type for protocol, scan_type, _ in scaninfos if scan_type}
    ports = [p for e in element.findall("ports/port") if (p := _port(e, address, source, scan_types)) is not None]
    ports.sort(key=lambda p: (p.protocol.value, p.port))
    named = tuple(dict.fromkeys(
        name for h in element.findall("hostnames/hostname") if (name := h.get("name")) and h.get("type") == "user"))
    view = NetworkView(
        address=address,
        state=state,
        hostnames=hostnames,
        ports=tuple(ports),
        scanned=run["scanned"],
        scanner=run["scanner"],
        scanner_version=run["version"],
        arguments=run["arguments"],
        scan_type=run["scan_type"],
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        source=source,
        tables=_tables(element, address, state, scaninfos, ports, source),
        named=named,
    )
    return ScannedHost(view, timed_out=element.get("timedout") == "true")


def _scaninfos(root: Element, source: str) -> list[tuple[Protocol, str | None, str | None]]:
    """(protocol, scan type, services) of every `<scaninfo>` of a protocol in the model."""
    infos: list[tuple[Protocol, str | None, str | None]] = []
    for info in root.findall("scaninfo"):
        protocol = _protocol(info.get("protocol"), "(run)", source, "<scaninfo>")
        if protocol is None:
            continue
        services = _text(info.get("services"))
        if services is not None and parse_port_set(services) is None:
            services = None  # unreadable: only the listed ports count as looked at
        scan_type = _text(info.get("type"))
        other = next((t for p, t, _ in infos if p is protocol and t != scan_type), "") if infos else ""
        if other != "":
            # nmap runs one technique per protocol; with two, nothing says which one found a
            # listed <port> (rows carry no technique), so no table could be trusted.
            raise _fail(source, f"two {protocol.value.upper()} scan techniques in one run ({other or 'none'}, "
                                f"{scan_type or 'none'}): "
                                "nmap runs one per protocol, so its ports cannot be attributed")
        infos.append((protocol, scan_type, services))
    return infos


def parse_nmap_run(data: bytes, source: str) -> NmapRun:
    """Read one nmap XML document. Raises `InputError` (`source: message`) if it cannot be used."""
    root = _parse_document(data, source)
    finished = root.find("runstats/finished")
    scaninfos = root.findall("scaninfo")
    scan_types = tuple(dict.fromkeys(t for s in scaninfos if (t := s.get("type"))))
    scanned = tuple(f"{_protocol_name(s.get('protocol'))}:{s.get('services')}" for s in scaninfos
                    if s.get("protocol") and s.get("services"))
    error = None
    if finished is not None:
        error = _text(finished.get("errormsg"))
        if error is None and finished.get("exit") == "error":
            error = "nmap exited with an error"
    run: dict[str, Any] = {
        "scanner": root.get("scanner") or "nmap",
        "version": _text(root.get("version")),
        "arguments": tuple((root.get("args") or "").split()),
        "started_at": _iso(root.get("start")),
        "finished_at": _iso(finished.get("time")) if finished is not None else None,
        "scanned": scanned,
        "scan_type": "+".join(scan_types) or None,
        "scaninfos": _scaninfos(root, source),
    }
    hosts = tuple(_host(h, run, source) for h in root.findall("host"))
    skipped = {t.get("specification", ""): t.get("reason") or "skipped"
               for t in root.findall("target") if t.get("status") == "skipped"}
    return NmapRun(
        source=source,
        hosts=hosts,
        scanner=run["scanner"],
        scanner_version=run["version"],
        arguments=run["arguments"],
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        complete=finished is not None,
        error=error,
        skipped_targets=skipped,
        scan_types=scan_types,
    )

