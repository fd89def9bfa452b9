#!/usr/bin/env python3
"""Run the benchmarks of DESIGN.md section 9 (and issue 14) and print one table per benchmark.

    python benchmarks/run.py                 # all five, 5 measured runs each (make bench)
    python benchmarks/run.py --only 1,5      # a subset
    python benchmarks/run.py --runs 7 --results benchmarks/RESULTS.md.new

Run it with the interpreter of a *regular* install (`make bench` makes a virtual
environment and `pip install`s the project into it, not editable: an editable install's
import finder slows every `python -c pass` too and flatters the start-up ratio). The
surfacecheck measured is the console script next to that interpreter.

Each benchmark measures surfacecheck and its reference in the same run, interleaved, and
prints medians, the ratio and the target; a missed target is reported, not an error (exit 0;
exit 1 only if a benchmark could not run). Each benchmark runs in its own private network
and pid namespace (benchmarks/isolation.py) when this runs as root, so other processes'
sockets and descriptors are not part of what is timed. Scratch files go to a temporary
directory that is removed afterwards. Network safety: everything binds, scans and connects
on 127.0.0.0/8 only, inside that namespace; nmap scans only ports 24000-29999.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.dirname(HERE))  # the checker package if it is not installed (prefer: it is)

import isolation  # noqa: E402
from _harness import machine_info  # noqa: E402

BENCHMARKS = {
    "1": "bench_local",
    "2": "bench_testinfra",
    "3": "bench_nmap",
    "4": "bench_offline",
    "5": "bench_startup",
}
HOST_FDS_ENV = "SURFACECHECK_BENCH_HOST_FDS"
"""The host's `processes descriptors`, counted outside the namespace, for benchmark 2's note."""


def _run_here(number: str, workdir: str, runs: int) -> str:
    module = importlib.import_module(BENCHMARKS[number])
    result = module.run(workdir, runs)
    return str(result.markdown())


def _run_isolated(number: str, workdir: str, runs: int) -> str:
    argv = isolation.isolated([sys.executable, os.path.abspath(__file__), "--inner", number,
                               "--runs", str(runs), "--workdir", workdir])
    processes, descriptors = isolation.open_descriptors()
    env = dict(os.environ, **{HOST_FDS_ENV: f"{processes} {descriptors}"})
    completed = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600, check=False)
    sys.stderr.write(completed.stderr)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark {number} failed in its namespace (exit {completed.returncode}):\n"
                           f"{completed.stdout[-3000:]}")
    return completed.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated benchmark numbers (1-5)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command (>= 5 for RESULTS.md)")
    parser.add_argument("--results", metavar="FILE", help="also write the tables as Markdown to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--no-isolation", action="store_true", help="run on the host, not in private namespaces")
    parser.add_argument("--inner", metavar="N", help=argparse.SUPPRESS)  # one benchmark, inside its namespace
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        os.chdir(args.workdir)  # never the repository: `python -m checker` would import the source tree
        isolation.bring_up_loopback()
        sys.stdout.write(_run_here(args.inner, args.workdir, args.runs))
        return 0
    chosen = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    why_not = "--no-isolation" if args.no_isolation else isolation.available()
    workdir = tempfile.mkdtemp(prefix="surfacecheck-bench-")
    os.chdir(workdir)  # never the repository: `python -m checker` would import the source tree
    isolated = "each benchmark in its own network + pid namespace (`unshare --net --pid --fork " \
               "--mount-proc`)" if why_not is None else f"on the host, NOT isolated ({why_not})"
    sections = ["## Machine", "", machine_info() + f"\nBenchmarks ran {isolated}.\n"]
    print("\n".join(sections), flush=True)
    failed = False
    started = time.monotonic()
    try:
        for number in chosen:
            t0 = time.monotonic()
            print(f"running benchmark {number} ({BENCHMARKS[number]}) ...", file=sys.stderr, flush=True)
            try:
                run = _run_isolated if why_not is None else _run_here
                text = run(number, workdir, args.runs)
            except Exception:
                failed = True
                text = f"### benchmark {number} ({BENCHMARKS[number]}) could not run\n\n```\n" \
                       f"{traceback.format_exc()}```\n"
            else:
                text += f"\n_(benchmark wall time {time.monotonic() - t0:.0f} s)_\n"
            print(text, flush=True)
            sections.append(text)
    finally:
        if args.keep:
            print(f"scratch files kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    total = f"Total wall time of `benchmarks/run.py`: {time.monotonic() - started:.0f} s; load average at the end " \
            f"{load}."
    print(total)
    sections.append(total + "\n")
    if args.results:
        with open(args.results, "w", encoding="utf-8") as handle:
            handle.write("\n".join(sections))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
