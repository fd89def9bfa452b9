#!/usr/bin/env python3
"""Run the five benchmarks of DESIGN.md section 9 and print one table per benchmark.

    python benchmarks/run.py                 # all five, 5 measured runs each (make bench)
    python benchmarks/run.py --only 1,5      # a subset
    python benchmarks/run.py --runs 7 --results benchmarks/RESULTS.md.new

Each benchmark measures surfacecheck and its reference in the same run, interleaved, and
prints medians, the ratio and the target; a missed target is reported, not an error (exit 0;
exit 1 only if a benchmark could not run). Scratch files go to a temporary directory that
is removed afterwards. Network safety: everything binds, scans and connects on 127.0.0.0/8
only, in ports 24000-29999.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # the checker package, even when not installed

from _harness import machine_info  # noqa: E402

BENCHMARKS = {
    "1": "bench_local",
    "2": "bench_testinfra",
    "3": "bench_nmap",
    "4": "bench_offline",
    "5": "bench_startup",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated benchmark numbers (1-5)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command (>= 5 for RESULTS.md)")
    parser.add_argument("--results", metavar="FILE", help="also write the tables as Markdown to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    chosen = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    workdir = tempfile.mkdtemp(prefix="surfacecheck-bench-")
    sections = ["## Machine", "", machine_info()]
    print("\n".join(sections), flush=True)
    failed = False
    started = time.monotonic()
    try:
        for number in chosen:
            module = importlib.import_module(BENCHMARKS[number])
            t0 = time.monotonic()
            print(f"running benchmark {number} ({BENCHMARKS[number]}) ...", file=sys.stderr, flush=True)
            try:
                result = module.run(workdir, args.runs)
            except Exception:
                failed = True
                text = f"### benchmark {number} ({BENCHMARKS[number]}) could not run\n\n```\n" \
                       f"{traceback.format_exc()}```\n"
            else:
                text = result.markdown() + f"\n_(benchmark wall time {time.monotonic() - t0:.0f} s)_\n"
            print(text, flush=True)
            sections.append(text)
    finally:
        if args.keep:
            print(f"scratch files kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    total = f"Total wall time of `benchmarks/run.py`: {time.monotonic() - started:.0f} s."
    print(total)
    sections.append(total + "\n")
    if args.results:
        with open(args.results, "w", encoding="utf-8") as handle:
            handle.write("\n".join(sections))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
