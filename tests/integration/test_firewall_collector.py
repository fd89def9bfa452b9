"""The firewall collector with the real programs: live rulesets, legacy tables, `--nft-json`, no privileges.

* In a fresh namespace the collector reads nft's ruleset, and the legacy tables only when the
  kernel lists them, noting "legacy iptables rules present, not visible to nft".
* The saved forms the unit tests use (tests/assets/firewall/) are what the programs write today.
* Without privileges the collector FAILS (never "no firewall") and an audit that needs it
  exits 3; `--nft-json` imports a saved ruleset, and an unusable one is one line, exit 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import ASSETS, REPO_ROOT, run_cli
from support.netns import NamespacePair, namespace_pair, run, saved_form, saved_name
from support.unprivileged import Unprivileged

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("nft") and shutil.which("iptables-legacy-save")),
    reason="needs root, nftables and iptables (installed by `make test`)")

FIREWALL = ASSETS / "firewall"
SOURCES = sorted(p.name for p in FIREWALL.iterdir() if p.suffix in (".nft", ".iptables", ".ip6tables"))


@pytest.fixture(scope="module")
def pair() -> Iterator[NamespacePair]:
    with namespace_pair() as created:
        yield created


def collect_in(pair: NamespacePair, tmp_path: Path) -> dict[str, object]:
    output = tmp_path / "snapshot.json"
    run(["ip", "netns", "exec", pair.server, "env", f"PYTHONPATH={REPO_ROOT}", sys.executable, "-m", "checker",
         "collect", "--local", "-o", str(output)], timeout=120)
    data = json.loads(output.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("source", SOURCES)
def test_saved_rulesets_are_what_the_programs_write(pair: NamespacePair, source: str) -> None:
    saved = (FIREWALL / saved_name(source)).read_text(encoding="utf-8")
    fresh = saved_form(pair, source, (FIREWALL / source).read_text(encoding="utf-8"))
    if source.endswith(".nft"):
        # the version line names the installed nft; the ruleset itself must be identical
        saved_doc, fresh_doc = json.loads(saved)["nftables"], json.loads(fresh)["nftables"]
        assert saved_doc[1:] == fresh_doc[1:], f"run `python3 -m support.netns` in tests/ to regenerate {source}"
    else:
        assert saved == fresh, f"run `python3 -m support.netns` in tests/ to regenerate {source}"


def test_live_collection_reads_nft_and_notes_legacy_rules(pair: NamespacePair, tmp_path: Path) -> None:
    pair.reset_firewall()
    pair.load_nft("table inet filter {\n chain input { type filter hook input priority 0; policy drop;\n }\n}\n")
    data = collect_in(pair, tmp_path)
    runs = {r["name"]: r for r in data["collectors"]}  # type: ignore[union-attr]
    assert runs["firewall"]["status"] == "ok"
    backends = [r["backend"] for r in data["firewall"]["rulesets"]]  # type: ignore[index]
    assert backends[0] == "nftables"
    pair.load_iptables("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                       "-A INPUT -p tcp -m tcp --dport 22 -j DROP\nCOMMIT\n")
    data = collect_in(pair, tmp_path)
    runs = {r["name"]: r for r in data["collectors"]}  # type: ignore[union-attr]
    assert runs["firewall"]["reason"] == "legacy iptables rules present, not visible to nft"
    assert "iptables-legacy" in [r["backend"] for r in data["firewall"]["rulesets"]]  # type: ignore[index]


def test_unprivileged_collection_fails_closed(nobody: Unprivileged) -> None:
    result = nobody.run("collect", "-o", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    firewall = next(r for r in data["collectors"] if r["name"] == "firewall")
    assert firewall["status"] == "failed" and firewall["reason"]
    audit = nobody.run("-q", "audit", "builtin:firewall", "--json", "-")
    assert audit.returncode == 3, audit.stderr  # never 0 ("compliant") without the ruleset


def test_nft_json_import(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run_cli("-q", "audit", "builtin:firewall", "--nft-json", str(FIREWALL / "policy_drop_port.nft.json"),
                     "--json", str(out))
    assert result.returncode in (0, 1), result.stderr
    host = json.loads(out.read_text())["hosts"][0]
    runs = {r["name"]: r for r in host["snapshot"]["collectors"]}
    assert runs["firewall"]["status"] == "ok" and "policy_drop_port.nft.json" in runs["firewall"]["reason"]
    statuses = {(r["check"], r["resource"]): r["status"] for r in host["results"]}
    assert statuses[("firewall-missing", "firewall:ipv4")] == "pass"


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"rules": []}', "not an nft JSON ruleset"),
])
def test_unusable_nft_json_is_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(content)
    result = run_cli("collect", "--nft-json", str(saved), "-o", str(tmp_path / "s.json"))
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_nft_json_needs_the_inside_view(tmp_path: Path) -> None:
    snapshot = ASSETS / "policies" / "clean-host.json"
    result = run_cli("audit", "--snapshot", str(snapshot), "--nft-json", str(FIREWALL / "policy_drop_port.nft.json"))
    assert result.returncode == 2 and "--nft-json" in result.stderr
