"""Issue 13 (boundaries): hostile files, environments and output paths never disclose, hang or mix.

Each test here failed on main before the fix (run against fc969c9: see the commit message). Every
input the user names must be a regular file opened without blocking and read with a bound; a
FIFO, a device or a directory is one clear line and exit 2, never a hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from support import run_cli

pytestmark = pytest.mark.reliability

# A hang is what these tests look for: well under the 15-20 s the FIFOs blocked for, far above any
# honest run. Not a speed assertion: a run that takes longer simply failed the "no hang" promise.
NO_HANG = 60

SECRET = "hunter2-secret-value"


def _echoes_keys(output: str) -> bool:
    """True when a key of the secret file (`root`, `admin`) is echoed back, e.g. as "unknown key
    'root'". Not a bare `"root" in output`: as root, pytest's tmp paths hold `pytest-of-root`."""
    return any(word in output for word in ("'root'", "root:", "'admin'", "admin:"))


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return str(path)


def _baseline(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# ----------------------------------------------------------------------------- extends disclosure


@pytest.mark.parametrize("reference", ["ABSOLUTE", "../outside/secret.yaml"])
def test_extends_outside_the_baseline_tree_is_refused_without_content(tmp_path: Path, reference: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text(f"root: {SECRET}\nadmin: {SECRET}\n", encoding="utf-8")
    tree = tmp_path / "repo"
    tree.mkdir()
    target = str(secret) if reference == "ABSOLUTE" else reference
    baseline = _baseline(tree / "b.yaml", f"version: 1\nextends: [{target}]\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    assert SECRET not in completed.stdout + completed.stderr
    assert not _echoes_keys(completed.stdout + completed.stderr)
    assert "b.yaml:2:" in completed.stdout + completed.stderr


def test_extends_of_a_file_that_is_not_a_baseline_names_it_without_content(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text(f"root: {SECRET}\nother: {SECRET}\n", encoding="utf-8")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nextends: [./notes.yaml]\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    output = completed.stdout + completed.stderr
    assert SECRET not in output and not _echoes_keys(output)
    assert "notes.yaml" in output
    assert len([line for line in output.splitlines() if line.strip()]) == 1, output


def test_extends_from_a_named_policy_path_is_allowed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "common.yaml").write_text("version: 1\nports:\n  forbid: [{port: 23}]\n", encoding="utf-8")
    tree = tmp_path / "repo"
    tree.mkdir()
    baseline = _baseline(tree / "b.yaml", f"version: 1\nextends: [{shared / 'common.yaml'}]\n")
    refused = run_cli("validate", baseline, timeout=NO_HANG)
    assert refused.returncode == 2
    allowed = run_cli("validate", "--policy-path", str(shared), baseline, timeout=NO_HANG)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_extends_through_a_symlink_leaving_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"version: 1\nsecret: {SECRET}\n", encoding="utf-8")
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "link.yaml").symlink_to(outside)
    baseline = _baseline(tree / "b.yaml", "version: 1\nextends: [./link.yaml]\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    assert SECRET not in completed.stdout + completed.stderr


# ----------------------------------------------------------------------------- FIFOs and devices


def test_a_fifo_baseline_is_refused_not_waited_on(tmp_path: Path) -> None:
    completed = run_cli("validate", _fifo(tmp_path / "b.yaml"), timeout=NO_HANG)
    assert completed.returncode == 2
    assert "b.yaml: " in completed.stderr + completed.stdout
    assert "Traceback" not in completed.stderr


def test_a_fifo_in_extends_is_refused(tmp_path: Path) -> None:
    _fifo(tmp_path / "parent.yaml")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nextends: [./parent.yaml]\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    assert "parent.yaml" in completed.stderr + completed.stdout


@pytest.mark.parametrize("option", ["--snapshot", "--nmap-xml"])
def test_a_fifo_given_as_an_input_file_is_refused(tmp_path: Path, option: str) -> None:
    fifo = _fifo(tmp_path / "input")
    completed = run_cli("audit", option, fifo, "--json", str(tmp_path / "r.json"), timeout=NO_HANG)
    assert completed.returncode == 2, completed.stderr
    assert "input" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_report_and_diff_refuse_fifos(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "results.json")
    assert run_cli("report", fifo, "--json", str(tmp_path / "o.json"), timeout=NO_HANG).returncode == 2
    assert run_cli("diff", fifo, fifo, timeout=NO_HANG).returncode == 2


def test_a_fifo_as_xinetd_conf_is_a_collector_error_not_a_hang(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "xinetd.conf")
    completed = run_cli("collect", "--xinetd-conf", fifo, "-o", str(tmp_path / "s.json"), timeout=NO_HANG)
    assert completed.returncode in (0, 2, 3), completed.stderr
    if completed.returncode == 0:
        snapshot = json.loads((tmp_path / "s.json").read_text())
        runs = {run["name"]: run for run in snapshot["collectors"]}
        assert runs["xinetd"]["status"] != "ok"


def test_an_xinetd_include_of_a_fifo_or_dev_zero_is_a_collector_error(tmp_path: Path) -> None:
    _fifo(tmp_path / "pipe")
    for include in (str(tmp_path / "pipe"), "/dev/zero"):
        conf = tmp_path / "xinetd.conf"
        conf.write_text(f"defaults\n{{\n}}\ninclude {include}\n", encoding="utf-8")
        completed = run_cli("collect", "--xinetd-conf", str(conf), "-o", str(tmp_path / "s.json"), timeout=NO_HANG)
        assert completed.returncode == 0, completed.stderr
        snapshot = json.loads((tmp_path / "s.json").read_text())
        runs = {run["name"]: run for run in snapshot["collectors"]}
        assert runs["xinetd"]["status"] == "failed", (include, runs["xinetd"])


def test_dev_zero_as_xinetd_conf_is_bounded(tmp_path: Path) -> None:
    completed = run_cli("collect", "--xinetd-conf", "/dev/zero", "-o", str(tmp_path / "s.json"), timeout=NO_HANG)
    assert "MemoryError" not in completed.stderr
    assert completed.returncode in (0, 2), completed.stderr
    if completed.returncode == 0:
        snapshot = json.loads((tmp_path / "s.json").read_text())
        runs = {run["name"]: run for run in snapshot["collectors"]}
        assert runs["xinetd"]["status"] == "failed"


# ----------------------------------------------------------------------------- output paths


def test_a_fifo_at_an_output_path_is_refused_before_collecting(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "out.json")
    completed = run_cli("collect", "-o", fifo, timeout=NO_HANG)
    assert completed.returncode == 2
    assert "out.json" in completed.stderr
    completed = run_cli("audit", "--snapshot", "/nonexistent-but-never-read.json", "--json", fifo, timeout=NO_HANG)
    assert completed.returncode == 2


def test_a_non_empty_evidence_dir_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "old").write_text("x")
    json_out = tmp_path / "r.json"
    completed = run_cli("audit", "--local", "--json", str(json_out), "--evidence-dir", str(evidence),
                        timeout=NO_HANG)
    assert completed.returncode == 2
    assert not json_out.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_failed_report_leaves_the_previous_set_untouched(tmp_path: Path) -> None:
    """The second report of a run does not fit: the first must not be replaced alone."""
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], check=True)
    try:
        (small / "r.sarif").write_text("OLD SARIF", encoding="utf-8")
        (tmp_path / "r.json").write_text("OLD JSON", encoding="utf-8")
        filler = small / "filler"
        with open(filler, "wb") as handle, contextlib.suppress(OSError):  # leave the tmpfs nearly full
            handle.write(b"\0" * (60 * 1024))
        completed = run_cli("audit", "--local", "--json", str(tmp_path / "r.json"),
                            "--sarif", str(small / "r.sarif"), timeout=NO_HANG)
        assert completed.returncode == 2, completed.stderr
        assert (tmp_path / "r.json").read_text() == "OLD JSON"
        assert (small / "r.sarif").read_text() == "OLD SARIF"
        leftovers = [p.name for p in [*tmp_path.iterdir(), *small.iterdir()] if p.name.endswith(".tmp")]
        assert leftovers == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


# ----------------------------------------------------------------------------- environment


@pytest.mark.integration
def test_nmapdir_from_the_environment_never_reaches_nmap(tmp_path: Path) -> None:
    import socket
    import threading

    marker = tmp_path / "marker"
    nmapdir = tmp_path / "nmapdir"
    (nmapdir / "scripts").mkdir(parents=True)
    (nmapdir / "nse_main.lua").write_text(f'io.open("{marker}", "w"):write("ran")\n', encoding="utf-8")
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nscan: {service_detection: true}\n")
    # The listener answers like a real service (an SSH banner): a silent one makes `nmap -sV` walk
    # all its probes (~165 s here, past the 120 s limit). NSE, and so nse_main.lua, is loaded for
    # -sV either way: on the old code this run created the marker (and nmap aborted).
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def answer() -> None:
            while True:
                try:
                    client, _ = server.accept()
                except OSError:
                    return
                with client, contextlib.suppress(OSError):
                    client.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")

        threading.Thread(target=answer, daemon=True).start()
        env = {**os.environ, "NMAPDIR": str(nmapdir)}
        completed = run_cli("audit", baseline, "--target", "127.0.0.1", "--tcp-ports", str(port), "--json",
                            str(tmp_path / "r.json"), env=env, timeout=120)
        server.shutdown(socket.SHUT_RDWR)
    assert completed.returncode in (0, 1, 3), completed.stderr
    assert not marker.exists()


# ----------------------------------------------------------------------------- validate = audit


@pytest.mark.parametrize("target", ["0177.0.0.1", "\uff11\uff12\uff17.0.0.1", "-oX"])
def test_validate_checks_targets_like_audit(tmp_path: Path, target: str) -> None:
    baseline = _baseline(tmp_path / "b.yaml", f"version: 1\ntargets: [{json.dumps(target)}]\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    assert completed.stdout.startswith(f"{baseline}:2:") or completed.stderr.startswith(f"{baseline}:2:"), (
        completed.stdout + completed.stderr)


# ----------------------------------------------------------------------------- positions


def test_a_missing_file_has_no_fake_position(tmp_path: Path) -> None:
    completed = run_cli("validate", str(tmp_path / "x.yaml"), timeout=NO_HANG)
    assert completed.returncode == 2
    output = completed.stdout + completed.stderr
    assert f"{tmp_path / 'x.yaml'}: " in output and ":0:0:" not in output


def test_deep_nesting_is_reported_where_the_limit_was_hit(tmp_path: Path) -> None:
    depth = 100_000
    baseline = _baseline(tmp_path / "b.yaml", "version: 1\nx: " + "[" * depth + "]" * depth + "\n")
    completed = run_cli("validate", baseline, timeout=NO_HANG)
    assert completed.returncode == 2
    output = completed.stdout + completed.stderr
    assert ":0:0:" not in output and f"{baseline}:2:" in output, output[:300]


def test_kill_9_during_a_multi_report_write_never_leaves_a_truncated_report(tmp_path: Path) -> None:
    """Issue 13: kill -9 while the reports of a run are written. Each report is then the whole
    previous file or the whole new one, never a truncated mix (temporary + rename per file; the
    renames of one set are not one atomic step: docs/reliability.md says what remains)."""
    import random
    import signal
    import sys
    import time

    from support.cli_inputs import baseline_file, snapshot_file

    # Snapshot data only (nothing binds them): 4,000 listeners make the reports big enough to kill mid-write.
    count = 4000
    listeners = [{"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 1025 + index, "pid": 7,
                  "process": "sshd", "exe": "/usr/sbin/sshd", "user": "root", "dual_stack": False}
                 for index in range(count)]
    snapshot = snapshot_file(tmp_path / "s.json", listeners=listeners)
    baseline = baseline_file(tmp_path / "b.yaml", "version: 1\nports:\n  default: deny\n")
    outputs = {flag: tmp_path / f"r.{flag}" for flag in ("json", "sarif", "junit", "markdown")}
    argv = [sys.executable, "-m", "checker", "-q", "audit", baseline, "--snapshot", snapshot]
    for flag, path in outputs.items():
        argv += [f"--{flag}", str(path)]
    complete = subprocess.run(argv, capture_output=True, timeout=NO_HANG, check=False)
    assert complete.returncode == 1, complete.stderr
    new = {flag: path.read_bytes() for flag, path in outputs.items()}
    chooser = random.Random(13)  # fixed seed: the same kill points on every run
    for _ in range(8):
        for path in outputs.values():
            path.write_bytes(b"OLD")
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chooser.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=NO_HANG)
        for flag, path in outputs.items():
            assert path.read_bytes() in (b"OLD", new[flag]), f"{flag} report is neither the old nor the new file"
        for stray in tmp_path.glob(".*.tmp"):
            stray.unlink()  # what a kill -9 can leave: a temporary, never a report
