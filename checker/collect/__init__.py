"""The collect stage: host state in, snapshots out; no policy here.

`interface.py` is the `EvidenceCollector` contract, `registry.py` the one table of inside
collectors (one module each: sockets, systemd, socket_units, xinetd_collector over the
`xinetd` package), `local.py` assembles the inside view from that table, `nmap/` is the
outside view (targets, args, scan, xml, merge, progress) and `gather.py` orchestrates both
for the commands.

A collector never raises for a failure of its source: it records a `CollectorRun` with
status FAILED/UNAVAILABLE and a one-line reason in the snapshot, and the other collectors
still run (fail closed: the evaluator turns missing evidence into `error` results).
"""


def utc_now() -> str:
    """The current UTC time as snapshots record it: `2026-11-21T09:40:54Z`. Only collection
    reads the clock; the evaluator takes "today" from these stamps."""
    import datetime as dt

    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PROC_FILE_BYTES = 64 * 1024
"""Largest /proc file a collector reads (/proc/PID/stat, /proc/PID/cgroup, ip_tables_names),
through checker/storage/inputs.py like every other file: real ones hold a few hundred bytes."""
