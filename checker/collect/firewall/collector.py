"""The firewall collector: the live nftables ruleset and any legacy iptables tables of this host.

Sources, in the order the kernel's hooks see no difference between them:

* `nft -j list ruleset` (nft(8): exit 0 on success, 1 on any error such as "Operation not
  permitted"): always read; its failure (missing binary, no privileges, unparsable output)
  FAILS the collector, never reads as "no firewall".
* legacy iptables: the kernel lists the legacy tables that exist in this network namespace in
  /proc/net/ip_tables_names and /proc/net/ip6_tables_names (root-readable). Only when one is
  listed is `iptables-legacy-save` / `ip6tables-legacy-save` run (iptables-save(8): exit 0);
  tables holding rules or a non-accept policy add the note "legacy iptables rules present,
  not visible to nft". A listed table that cannot be read fails the collector.

`--nft-json FILE` replaces the live read: `checker.collect.gather` parses the file before
anything runs (an unusable file is an input error) and hands the ruleset in the context.
`--root` audits an image, which has no live ruleset: UNAVAILABLE.

`--netns`/`--netns-pid` (`CollectionContext.network_namespace`): the namespace's own ruleset.
Everything above runs in a thread that entered the namespace (`NetworkNamespace.run`): the
programs it starts are forked from that thread and so run in the namespace (as `nsenter --net`
would run them), and the legacy table lists are read from /proc/thread-self/net, which is the
calling thread's namespace (/proc/net follows the process's main thread, i.e. this machine's).
Files, even for a `--netns-pid` container, play no part: the ruleset lives in the kernel.
"""

from __future__ import annotations

from checker._subprocess import CommandFailed, resolve_program, run_command
from checker.collect import PROC_FILE_BYTES
from checker.collect.firewall.iptables_save import parse_iptables_save
from checker.collect.firewall.nft_json import FirewallFormatError, parse_nft_json
from checker.collect.interface import CollectedEvidence, CollectionContext, EvidenceCollector, InsideEvidence
from checker.collect.netns import NamespaceError
from checker.model import Collector
from checker.model.firewall import FirewallEvidence, FirewallRuleset
from checker.storage.inputs import read_bounded

TIMEOUT = 30.0
LEGACY_NOTE = "legacy iptables rules present, not visible to nft"
LEGACY_TABLES = (("/proc/thread-self/net/ip_tables_names", "iptables-legacy-save", False),
                 ("/proc/thread-self/net/ip6_tables_names", "ip6tables-legacy-save", True))
"""/proc/thread-self/net: the network namespace of the reading thread (module docstring)."""


def _run(name: str, *args: str) -> str:
    # Looked up in the one fixed search path of checker/_subprocess.py (sbin included) and run
    # with its minimal environment. This module once did its own lookup that fell back to the
    # caller's $PATH: an `nft` planted there ran as root.
    try:
        program = resolve_program(name)
    except CommandFailed as exc:
        raise CommandFailed(f"{exc} (install the nftables/iptables package)") from None
    return run_command([program, *args], timeout=TIMEOUT, accept=(0,)).stdout


def read_nft_ruleset() -> FirewallRuleset:
    """The live nftables ruleset. Raises CommandFailed or FirewallFormatError."""
    return parse_nft_json(_run("nft", "-j", "list", "ruleset"), "nft -j list ruleset")


def legacy_table_names(path: str) -> list[str]:
    """The legacy tables the kernel has in this namespace ([] when the module is not loaded)."""
    try:
        text = read_bounded(path, PROC_FILE_BYTES).decode("ascii", "replace")
    except FileNotFoundError:
        return []  # ip_tables is not loaded: no legacy table can exist
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_legacy_rulesets() -> list[FirewallRuleset]:
    """Every legacy table set that exists. Raises CommandFailed, FirewallFormatError or OSError."""
    rulesets = []
    for names_file, program, ipv6 in LEGACY_TABLES:
        if legacy_table_names(names_file):
            rulesets.append(parse_iptables_save(_run(program), program, ipv6=ipv6))
    return rulesets


def holds_rules(ruleset: FirewallRuleset) -> bool:
    """Any rule, or a base chain whose policy is not accept: the table filters something."""
    return any(chain.rules or (chain.policy not in (None, "accept")) for chain in ruleset.chains)


class FirewallCollector(EvidenceCollector):
    name = Collector.FIREWALL

    def collect(self, context: CollectionContext) -> CollectedEvidence:
        if context.imported_firewall is not None:
            sources = ", ".join(r.source for r in context.imported_firewall.rulesets)
            return self.ok(InsideEvidence(firewall=context.imported_firewall), f"imported from {sources}")
        namespace = context.network_namespace
        if namespace is None and context.root is not None:
            return self.unavailable("--root reads an image: the live ruleset is not in it (use --nft-json)")
        if namespace is None:
            return self._read_live()
        try:
            return namespace.run(self._read_live)
        except NamespaceError as exc:  # it could not be entered (again): never "no firewall"
            return self.failed(str(exc))

    def _read_live(self) -> CollectedEvidence:
        """The ruleset of the calling thread's network namespace."""
        try:
            legacy = read_legacy_rulesets()
        except PermissionError as exc:
            return self.failed(f"cannot read the legacy iptables tables: {exc.strerror} (needs root)")
        except (CommandFailed, FirewallFormatError, OSError) as exc:
            return self.failed(f"legacy iptables: {exc}")
        notes = (LEGACY_NOTE,) if any(holds_rules(r) for r in legacy) else ()
        try:
            nft = read_nft_ruleset()
        except (CommandFailed, FirewallFormatError) as exc:
            # what the legacy tables hold is kept, but without nft the input path is unknown
            partial = InsideEvidence(firewall=FirewallEvidence(tuple(legacy), notes)) if legacy else None
            return self.failed(f"{exc}", partial)
        evidence = FirewallEvidence((nft, *legacy), notes)
        return self.ok(InsideEvidence(firewall=evidence), notes[0] if notes else None)

