"""Each benchmark in a private network and pid namespace: only its own sockets and processes.

What it is for: `ss -p` and surfacecheck's socket collector both read every process's
descriptors (/proc/*/fd), so on a shared machine other people's processes and sockets would
be part of what is timed, differently from run to run. `unshare --net --pid --fork
--mount-proc` gives the benchmark a network namespace holding only its loopback interface
and socket farm, and a /proc showing only its own processes. Nothing it binds or scans is
visible outside, and the namespaces vanish with the process (nothing to delete).

Without root or without `unshare` the benchmark runs on the host, and says so.
Must not: touch any interface but the namespace's own loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess

UNSHARE = ("unshare", "--net", "--pid", "--fork", "--mount-proc", "--")


def available() -> str | None:
    """Why isolation is impossible here (None: it works)."""
    if os.geteuid() != 0:
        return "not root: unshare needs CAP_SYS_ADMIN"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip not found"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        return f"unshare failed: {probe.stderr.strip()[:200]}"
    return None


def isolated(argv: list[str]) -> list[str]:
    """`argv` run in fresh network + pid namespaces."""
    return [*UNSHARE, *argv]


def bring_up_loopback() -> None:
    """Inside the namespace: `lo` starts down; 127.0.0.0/8 needs it up."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=30)


def open_descriptors() -> tuple[int, int]:
    """(processes, open file descriptors) visible in /proc: what `ss -p` and psutil walk."""
    processes = descriptors = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            descriptors += len(os.listdir(f"/proc/{entry}/fd"))
        except OSError:
            continue
        processes += 1
    return processes, descriptors
