"""exposure-mismatch: the ruleset's prediction against nmap's observation, port by port.

For every non-loopback listener that the scanned address reaches (a wildcard of the address's
family, a dual-stack `::`, or the address itself), the ruleset predicts "open" (accepted from
anywhere) or "not open" (dropped or rejected for every source), and nmap observed `open` or
not (`closed`, `filtered`, or not listed although the scan covered the port). A difference
fails: the loaded ruleset is not what filters, or another path exists. `skip` when the scan
did not cover the port, nmap's state does not prove open or not open for its scan technique
(`open|filtered`, an ACK scan, ...; checker/evaluate/ports/proof.py), or the ruleset accepts only
some sources (where the scanner stood is unknown); `error` when the ruleset's verdict is
unknown. A scan of a loopback address is not compared: it came in on `lo`, not the path
from another host. Must not do I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from checker.evaluate.firewall.sources import Reach, reach
from checker.evaluate.interface import EvaluationContext
from checker.evaluate.ports.coverage import outside_findings
from checker.evaluate.ports.views import listener_evidence
from checker.model import CheckId, Listener, NetworkView, PortRange, Result, RuleMeta, Status
from checker.model.addresses import is_loopback
from checker.model.firewall import FirewallEvidence
from checker.model.text import address_before_port


def reaches_address(listener: Listener, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a connection to `address` arrives at `listener` (wildcards, dual-stack, equality)."""
    try:
        bound = ipaddress.ip_address(listener.address.split("%", 1)[0])
    except ValueError:
        return False
    if bound.is_unspecified:
        return bound.version == address.version or (listener.dual_stack and address.version == 4)
    return bound == address


def evaluate_mismatch(meta: RuleMeta, listeners: tuple[Listener, ...], network: NetworkView,
                      firewall: FirewallEvidence, ctx: EvaluationContext) -> Iterator[Result]:
    """One result per (scanned non-loopback address, protocol, port) a listener answers on."""
    for scanned_address in dict.fromkeys(t.address for t in network.port_tables()) or (network.address,):
        yield from _mismatch_on(meta, listeners, network, scanned_address, firewall, ctx)


def _mismatch_on(meta: RuleMeta, listeners: tuple[Listener, ...], network: NetworkView, scanned_address: str,
                 firewall: FirewallEvidence, ctx: EvaluationContext) -> Iterator[Result]:
    check = CheckId.EXPOSURE_MISMATCH
    try:
        address = ipaddress.ip_address(scanned_address)
    except ValueError:
        return
    if address.is_loopback:
        return  # a scan of loopback arrives on `lo`, which the inbound path of other hosts never does
    family = "ipv4" if address.version == 4 else "ipv6"
    seen: set[tuple[str, int]] = set()
    for listener in listeners:
        key = (listener.protocol.value, listener.port)
        if key in seen or is_loopback(listener.address) or not reaches_address(listener, address):
            continue
        seen.add(key)
        resource = f"{listener.protocol.value}/{address_before_port(scanned_address)}:{listener.port}"
        predicted = reach(firewall, family, listener.protocol.value, listener.port, address)
        # The outside view's proof semantics (checker.evaluate.ports.proof): only a state the scan
        # technique can discriminate counts as an observation; extraports count like rows.
        found = outside_findings(network, listener.protocol, PortRange(listener.port, listener.port))
        opened = [f for f in found.open if f.address == scanned_address]
        proven = [f for f in found.proven if f.address == scanned_address]
        unproven = [f for f in found.unproven if f.address == scanned_address]
        uncovered = any(a == scanned_address for a, _ in found.uncovered)
        decided = opened or proven or unproven
        state = decided[0].describe() if decided else "not scanned"
        evidence = {"listener": listener_evidence(listener), "firewall": predicted.evidence(),
                    "nmap": {"address": scanned_address, "state": decided[0].state if decided else None,
                             "scan_type": decided[0].scan_type if decided else None,
                             "findings": [f.evidence() for f in decided]}}
        if uncovered and not opened:
            yield ctx.result(check, resource, Status.SKIP, f"{resource} was outside the scanned ports.",
                             meta=meta, evidence=evidence)
            continue
        if predicted.reach is Reach.UNKNOWN:
            yield ctx.result(check, resource, Status.ERROR,
                             f"Cannot compare {resource} with the scan: the rule `{predicted.unknown_rule}` is not "
                             "modelled for this packet.", meta=meta, evidence=evidence)
            continue
        if predicted.reach is Reach.SOURCES or (not opened and unproven):
            why = (f"the ruleset accepts only {', '.join(predicted.accepted_sources)} and the scanner's source "
                   "is unknown" if predicted.reach is Reach.SOURCES else f"nmap could not tell: {state}")
            yield ctx.result(check, resource, Status.SKIP, f"{resource} cannot be compared: {why}.",
                             meta=meta, evidence=evidence)
            continue
        predicted_open = predicted.reach is Reach.ANYWHERE
        observed_open = bool(opened)
        words = "accepts it from anywhere" if predicted_open else f"{predicted.reach.value} it for every source"
        if predicted_open == observed_open:
            yield ctx.result(check, resource, Status.PASS,
                             f"The ruleset {words} and nmap found {resource} {state}: they agree.",
                             meta=meta, evidence=evidence)
        else:
            yield ctx.result(
                check, resource, Status.FAIL,
                f"The ruleset {words} ({predicted.anywhere.describe()}), but nmap found {resource} {state}.",
                meta=meta, evidence=evidence,
                remediation="Compare the live ruleset (`nft list ruleset`, `iptables-legacy-save`) with the scan: "
                "another ruleset, a NAT path or a network firewall decides this port.",
            )
