"""`surfacecheck audit`: load the baseline, gather snapshots, evaluate, write reports, exit code.

Just the wiring of the three stages (../shared/STYLE.md practice 1): `checker.policy.load` loads,
`checker.collect.gather` collects or reads snapshots, `checker.evaluate` decides, the formatters
render, `checker.storage.atomic` writes them as one set. The output paths and the evidence
directory are checked before anything is collected; every requested format is rendered (a
file's report piece by piece into its temporary file: a fleet's JSON is never one string)
before any file is put in place, and the reports and the bundle are replaced together or not at
all. The console summary goes to stderr when a report goes to stdout (`-`), to stdout otherwise;
under `--quiet` it is the one summary line. The exit code comes from `checker.evaluate.exit_code`
only: stdout is written last and a closed stdout (EPIPE) is caught here, so it neither loses
the file reports nor turns a failing audit into 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from checker.errors import InputError
from checker.model import Severity, Snapshot


def run(args: argparse.Namespace) -> int:
    from checker.collect.gather import gather_labelled_snapshots
    from checker.commands.report import check_outputs, format_options, requested_outputs, warn_about_sarif_size
    from checker.evaluate import evaluate, exit_code_for
    from checker.formatters import bundle_files, get_formatter
    from checker.formatters.console.style import wants_color
    from checker.policy import STDIN, load_baseline, load_baseline_from_stream, policy_path_roots
    from checker.storage.atomic import ReportText, write_report_set

    outputs = requested_outputs(args)
    evidence_dir = getattr(args, "evidence_dir", None)
    check_outputs(outputs)  # before collecting: a FIFO or a full bundle dir must not waste a scan
    if evidence_dir:
        from checker.formatters import get_format
        from checker.storage.evidence import check_evidence_dir, check_outside_evidence_dir

        check_evidence_dir(evidence_dir)
        check_outside_evidence_dir(evidence_dir, {get_format(name).flag: path for name, path in outputs.items()})
    fail_on = Severity(getattr(args, "fail_on", None) or Severity.LOW.value)
    policy_paths = policy_path_roots(getattr(args, "policy_path", []))
    if getattr(args, "baseline", None) == STDIN:
        baseline = load_baseline_from_stream(policy_paths=policy_paths)
    else:
        baseline = load_baseline(getattr(args, "baseline", None), policy_paths)
    labelled = gather_labelled_snapshots(args, baseline)
    reject_shared_host_names(labelled)
    snapshots = [snapshot for _, snapshot in labelled]
    report = evaluate(baseline, snapshots, fail_on=fail_on)

    options = format_options(args)
    # Whole strings only where they are needed as such: stdout (written last, apart) and the
    # bundle (hashed); every other report is streamed into its temporary file.
    whole = [name for name, path in outputs.items() if path == "-"]
    if evidence_dir:
        whole += [name for name in bundle_files() if name not in whole]
    rendered = {name: get_formatter(name).format(report, options) for name in whole}
    exit_code = int(exit_code_for(report, fail_on=fail_on, exit_zero=bool(getattr(args, "exit_zero", False))))
    # Files first (as one set), stdout last: a reader that leaves early (`| head`, `| true`) must
    # not cost the other reports nor the exit code, which stays what the evaluation says.
    files: dict[str, ReportText] = {
        path: rendered[name] if name in rendered else get_formatter(name).chunks(report, options)
        for name, path in outputs.items() if path != "-"
    }
    if evidence_dir:
        from checker.storage.evidence import evidence_files

        files.update(evidence_files(evidence_dir, report, baseline, rendered))
    write_report_set(files)
    stdout_open = all(write_stdout(rendered[name]) for name, path in outputs.items() if path == "-")
    warn_about_sarif_size(report, outputs)

    to_stderr = "-" in outputs.values()
    stream = sys.stderr if to_stderr else sys.stdout
    console = replace(
        options,
        color=wants_color(stream, no_color_flag=bool(getattr(args, "no_color", False))),
        verbose=bool(getattr(args, "verbose", False)), quiet=bool(getattr(args, "quiet", False)),
        reports_requested=bool(outputs or evidence_dir), ports_default=baseline.ports.default.value,
    )
    summary = get_formatter("console").format(report, console)
    if to_stderr:
        sys.stderr.write(summary)
        sys.stderr.flush()
    elif stdout_open:
        write_stdout(summary)
    return exit_code


def write_stdout(text: str) -> bool:
    """Write `text` to stdout; False when the reader has gone (EPIPE).

    Then stdout is pointed at /dev/null, so nothing more reaches the closed pipe (nor the
    interpreter's final flush, which would print a BrokenPipeError), and the caller goes on:
    a closed stdout is not a verdict.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    return True


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null (after EPIPE: the reader of stdout has left)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def reject_shared_host_names(labelled: Sequence[tuple[str, Snapshot]]) -> None:
    """Two hosts with one name (cloned images, containers) would merge into one testsuite and
    share SARIF fingerprints: an input error naming both sources (fix: `--host-name`)."""
    from checker.evaluate import host_name

    seen: dict[str, str] = {}
    for source, snapshot in labelled:
        name = host_name(snapshot)
        if name in seen:
            raise InputError(f"two hosts are named {name!r}: {seen[name]} and {source}; give each its own "
                             "name (`surfacecheck collect --host-name NAME`)")
        seen[name] = source
