"""Collectors: one module per evidence source, pure parsers separate from I/O.

A collector never raises for a failure of its source: it records a `CollectorRun` with
status FAILED/UNAVAILABLE and a one-line reason in the snapshot, and the other collectors
still run (fail closed: the evaluator turns missing evidence into `error` results).
"""
