"""Benchmark 5: `surfacecheck --version` vs `python -c pass` (DESIGN.md section 9: <= 1.5x).

Both run with the same interpreter, that of a regular install (run.py, `make bench`): an
editable install's import finder runs in every interpreter, `python -c pass` too, which
made the ratio look better than what users get. `surfacecheck` is the console script
installed next to it (what users type); `python -m checker --version` is shown for
information.
"""

from __future__ import annotations

import sys

from _harness import BenchResult, Series, Verdict, interleave, measure, shorten, surfacecheck_argv

TARGET_RATIO = 1.5


def run(workdir: str, runs: int) -> BenchResult:
    ours_argv = [*surfacecheck_argv(), "--version"]
    module_argv = [sys.executable, "-m", "checker", "--version"]
    python_argv = [sys.executable, "-c", "pass"]
    ours = Series("surfacecheck --version", shorten(ours_argv))
    module = Series("python -m checker --version", shorten(module_argv))
    reference = Series("python -c pass", shorten(python_argv))
    # Startup is short: more rounds give a stable median at no real cost.
    interleave(max(runs, 20), [
        (ours, lambda: measure(ours_argv)),
        (module, lambda: measure(module_argv)),
        (reference, lambda: measure(python_argv)),
    ], warmup=3)
    ratio = ours.median / reference.median
    return BenchResult(
        title="5. Startup",
        setup="Interpreter start plus what `--version` needs: the console script, checker/__init__.py and "
              "checker/_cli.py (argparse is not imported for `--version` alone).",
        series=[ours, module, reference],
        verdicts=[
            Verdict("surfacecheck --version / python -c pass", ratio, f"<= {TARGET_RATIO:g}x", ratio <= TARGET_RATIO),
            Verdict("python -m checker --version / python -c pass (information)", module.median / reference.median,
                    "-", True),
        ],
    )
