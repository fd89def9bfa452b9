#!/usr/bin/env python3
"""The floor: a near-optimal Python program doing the local audit's work, to measure against.

What it is for: benchmark 1 prints each `audit --local` ratio against `ss -tulnp` *and*
against this program, so the part of the gap that any Python program pays (interpreter start,
reading 11,000 sockets, writing megabytes of reports) is told apart from surfacecheck's own
overhead. It does the same work with nothing else:

* the sockets from netlink sock_diag and their holders from one pass over /proc/*/fd, with
  surfacecheck's own readers (`checker.collect.sock_diag`, `checker.collect.socket_owners`);
* `systemctl list-unit-files --output=json` (surfacecheck runs it too), started first so it
  overlaps with the socket reading;
* the evaluation of a port policy: `default: deny` with allowed port ranges, or `default:
  allow` with forbidden ports (one result per listener, or per forbidden port);
* the four reports of similar size: JSON (one record a line, C encoder), JUnit XML, SARIF
  (failures), Markdown (capped at 1 MiB), each written to a temporary file, fsynced and
  renamed (atomically), as surfacecheck writes them.

    python benchmarks/floor.py --out DIR (--allow tcp:24000-24024 ... | --forbid 23 ...)

Not a product: no positions, waivers, error handling or fail-closed rules. Must not be
imported by surfacecheck.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator

from checker.collect.sock_diag import TCP_LISTEN, inet_sockets
from checker.collect.socket_owners import socket_holders

MARKDOWN_LIMIT = 1024 * 1024
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})
_MARKDOWN = str.maketrans({"|": "&#124;", "<": "&lt;", ">": "&gt;", "&": "&amp;", "\\": "\\\\", "_": "\\_",
                           "*": "\\*", "`": "\\`", "[": "\\[", "]": "\\]"})


def _owner(pid: int, users: dict[int, str]) -> tuple[str, str, str]:
    """(process name, exe, user) of a pid; empty strings when it is gone."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            name = handle.read().strip()
        exe = os.readlink(f"/proc/{pid}/exe")
        uid = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return "", "", ""
    if uid not in users:
        try:
            users[uid] = pwd.getpwuid(uid).pw_name
        except KeyError:
            users[uid] = str(uid)
    return name, exe, users[uid]


def listeners() -> list[dict[str, object]]:
    tcp, udp = inet_sockets()
    listening = [s for s in tcp if s.state == TCP_LISTEN] + udp
    holders = socket_holders({s.inode for s in listening})
    owners: dict[int, tuple[str, str, str]] = {}
    users: dict[int, str] = {}
    found = []
    for sock in listening:
        pids = holders.get(sock.inode, ())
        pid = pids[0] if pids else None
        if pid is not None and pid not in owners:
            owners[pid] = _owner(pid, users)
        name, exe, user = owners[pid] if pid is not None else ("", "", "")
        protocol = "tcp" if sock.protocol == socket.IPPROTO_TCP else "udp"
        family = "ipv4" if sock.family == socket.AF_INET else "ipv6"
        address = f"[{sock.address}]" if family == "ipv6" else sock.address
        found.append({"protocol": protocol, "family": family, "address": sock.address, "port": sock.port,
                      "pid": pid, "process": name, "exe": exe, "user": user, "dual_stack": sock.v6only is False,
                      "resource": f"{protocol}/{address}:{sock.port}"})
    return found


def _ranges(items: Iterable[str]) -> list[tuple[str, int, int]]:
    parsed = []
    for item in items:
        protocol, _, ports = item.partition(":")
        low, _, high = ports.partition("-")
        parsed.append((protocol, int(low), int(high or low)))
    return parsed


def evaluate(found: list[dict[str, object]], allow: list[tuple[str, int, int]],
             forbid: list[int]) -> list[dict[str, object]]:
    results = []
    if allow:
        for item in found:
            ok = any(p == item["protocol"] and low <= item["port"] <= high  # type: ignore[operator]
                     for p, low, high in allow)
            results.append({"check": "port-unexpected", "resource": item["resource"],
                            "status": "pass" if ok else "fail", "severity": "high",
                            "evidence": {k: v for k, v in item.items() if k != "resource"},
                            "message": f"{item['resource']} is listening ({item['process']}, pid {item['pid']})"
                                       + (" and is allowed." if ok else " but no `ports.allow` entry allows it."),
                            "remediation": "" if ok else f"Stop {item['process']} or add a reviewed allow entry."})
    by_port: dict[tuple[str, int], list[dict[str, object]]] = {}
    for item in found:
        by_port.setdefault((str(item["protocol"]), int(item["port"])), []).append(item)  # type: ignore[call-overload]
    for port in forbid:
        for protocol in ("tcp", "udp"):
            hits = by_port.get((protocol, port), [])
            results += [{"check": "port-forbidden", "resource": item["resource"], "status": "fail", "severity": "high",
                         "evidence": item, "message": f"Forbidden port {port} is listening.",
                         "remediation": "Stop and disable it."} for item in hits]
            if not hits:
                results.append({"check": "port-forbidden", "resource": f"{protocol}/*:{port}", "status": "pass",
                                "severity": "high", "evidence": {"listeners": 0}, "remediation": "",
                                "message": f"Forbidden {protocol} port {port} is not listening."})
    return results


def _json(found: list[dict[str, object]], results: list[dict[str, object]], units: str) -> Iterator[str]:
    encode = json.JSONEncoder(sort_keys=True, separators=(", ", ": ")).encode
    yield '{\n  "listeners": [\n    '
    yield ",\n    ".join([encode(item) for item in found])
    yield '\n  ],\n  "results": [\n    '
    yield ",\n    ".join([encode(item) for item in results])
    yield f'\n  ],\n  "units": {units.strip() or "[]"}\n}}\n'


def _evidence(result: dict[str, object]) -> str:
    evidence = result["evidence"]
    assert isinstance(evidence, dict)
    return "; ".join(f"{k}: {v}" for k, v in sorted(evidence.items()))


def _junit(results: list[dict[str, object]]) -> Iterator[str]:
    failures = sum(1 for r in results if r["status"] == "fail")
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<testsuites errors="0" failures="{failures}" tests="{len(results)}" time="0.0">\n'
    yield f'  <testsuite errors="0" failures="{failures}" name="floor" skipped="0" tests="{len(results)}">\n'
    for r in results:
        name = str(r["resource"]).translate(_XML_ATTRIBUTE)
        details = f"{r['message']}\ncheck: {r['check']}\nevidence: {_evidence(r)}".translate(_XML_TEXT)
        if r["status"] == "fail":
            message = str(r["message"]).translate(_XML_ATTRIBUTE)
            yield (f'    <testcase name="{name}" classname="{r["check"]}">\n      <failure type="high" '
                   f'message="{message}">{details}</failure>\n    </testcase>\n')
        else:
            yield (f'    <testcase name="{name}" classname="{r["check"]}">\n      <system-out>{details}'
                   f'</system-out>\n    </testcase>\n')
    yield "  </testsuite>\n</testsuites>\n"


def _sarif(results: list[dict[str, object]]) -> Iterator[str]:
    encode = json.JSONEncoder(sort_keys=True, separators=(", ", ": ")).encode
    yield '{\n  "runs": [{"results": [\n    '
    yield ",\n    ".join([encode({"ruleId": r["check"], "level": "error", "message": {"text": r["message"]},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": "baseline.yaml"},
                                                                      "region": {"startLine": 3}}}],
                                  "properties": {"evidence": r["evidence"], "resource": r["resource"]}})
                          for r in results if r["status"] == "fail"])
    yield '\n  ]}],\n  "version": "2.1.0"\n}\n'


def _markdown(results: list[dict[str, object]]) -> Iterator[str]:
    size = 0
    lines = ["# floor report\n\n| Check | Resource | Message | Evidence | Remediation |\n|---|---|---|---|---|\n"]
    for r in sorted(results, key=lambda r: r["status"] != "fail"):
        cells = (r["check"], r["resource"], r["message"], _evidence(r), r["remediation"])
        line = "| " + " | ".join(str(cell).translate(_MARKDOWN) for cell in cells) + " |\n"
        size += len(line.encode())
        if size > MARKDOWN_LIMIT - 200:
            lines.append("\n*some results not listed to stay under 1 MiB*\n")
            break
        lines.append(line)
    yield "".join(lines)


def write_atomic(path: str, pieces: Iterable[str]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".floor.", dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for piece in pieces:
            handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for the four reports")
    parser.add_argument("--allow", action="append", default=[], metavar="PROTO:LOW-HIGH",
                        help="default: deny, with these ranges allowed")
    parser.add_argument("--forbid", action="append", type=int, default=[], metavar="PORT",
                        help="default: allow, with these ports forbidden")
    args = parser.parse_args(argv)
    # Started first: systemctl walks the unit directories in its own process meanwhile.
    systemctl = subprocess.Popen(["systemctl", "list-unit-files", "--output=json", "--no-pager"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    found = listeners()
    results = evaluate(found, _ranges(args.allow), args.forbid)
    units, _ = systemctl.communicate(timeout=60)
    write_atomic(os.path.join(args.out, "floor.json"), _json(found, results, units.decode("utf-8", "replace")))
    write_atomic(os.path.join(args.out, "floor.xml"), _junit(results))
    write_atomic(os.path.join(args.out, "floor.sarif"), _sarif(results))
    write_atomic(os.path.join(args.out, "floor.md"), _markdown(results))
    return 1 if any(r["status"] == "fail" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
