"""The command line: argparse, wiring, and the one place errors become exit codes.

Thin on purpose. Each subcommand lives in `checker.commands.<name>` with a
`run(args) -> int` function and is imported only when chosen, so `surfacecheck --version`
imports nothing heavy. The report options of `audit` and `report` (`--json PATH`...) come
from the format registry (`checker.formatters.registry`), not from a list here. Expected
errors (`CheckerError`) print one line and exit with their code; anything else prints one
line too, and its traceback only under `-v`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from checker import __version__

SEVERITIES = ("low", "medium", "high", "critical")


def _add_collection_options(parser: argparse.ArgumentParser, *, snapshots: bool) -> None:
    """Options shared by audit, collect and learn (DESIGN.md section 3)."""
    group = parser.add_argument_group("collection")
    group.add_argument("--local", action="store_true", help="collect the inside view of this host (implied "
                       "when no --target/--snapshot is given)")
    group.add_argument("--target", action="append", default=[], metavar="HOST|CIDR|RANGE",
                       help="scan this address, hostname, CIDR or range (127.0.0.2-5) with nmap; repeatable")
    if snapshots:
        group.add_argument("--snapshot", action="append", default=[], metavar="FILE",
                           help="evaluate a saved snapshot instead of collecting; repeatable")
    group.add_argument("--nmap-xml", action="append", default=[], metavar="FILE",
                       help="use an nmap XML file someone already ran as the outside view; repeatable")
    group.add_argument("--root", metavar="DIR", help="read unit files and xinetd config under DIR "
                       "(a mounted image) instead of the live host")
    group.add_argument("--xinetd-conf", metavar="PATH", help="xinetd.conf to read (default /etc/xinetd.conf)")
    group.add_argument("--netns", action="append", default=[], metavar="NAME",
                       help="audit the network namespace NAME (`ip netns list`) as its own host; repeatable")
    group.add_argument("--netns-pid", action="append", default=[], type=int, metavar="PID",
                       help="audit the network namespace of process PID (a container's init) as its own "
                       "host, with its files from /proc/PID/root unless --root is given; repeatable")
    group.add_argument("--host-name", metavar="NAME",
                       help="name of the host of the one --netns/--netns-pid (default: NAME or pid:PID)")
    scan = parser.add_argument_group("outside view (nmap)")
    scan.add_argument("--tcp-ports", metavar="SPEC", help="all | top:N | 1-1024,8080 (overrides scan.tcp_ports)")
    scan.add_argument("--udp-ports", metavar="SPEC", help="none | top:N | list (overrides scan.udp_ports)")
    scan.add_argument("--service-detection", action="store_true", default=None,
                      help="probe versions (nmap -sV)")
    scan.add_argument("--timing", type=int, choices=range(0, 6), metavar="0-5", help="nmap timing template")
    scan.add_argument("--host-timeout", type=int, metavar="SECONDS", help="give up on one host after this long")
    scan.add_argument("--allow-large-scan", action="store_true",
                      help="allow CIDRs larger than /16 (IPv4) or /112 (IPv6)")
    scan.add_argument("--jobs", type=int, default=4, metavar="N",
                      help="nmap processes run at once (default 4; each one scans many targets itself)")
    scan.add_argument("--progress", action="store_true", help="show progress on stderr even when it is not a TTY")


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    """One `--NAME PATH` per format of the registry, then the per-format options."""
    from checker.formatters.registry import option_formats

    group = parser.add_argument_group("reports (PATH or - for stdout)")
    for spec in option_formats():
        group.add_argument(spec.flag, dest=spec.name, metavar="PATH", help=spec.help)
    group.add_argument("--junit-file-attrs", action="store_true",
                       help="add file/line attributes to JUnit testcases (GitLab, GitHub reporters)")
    group.add_argument("--sarif-root", metavar="DIR", default=".",
                       help="make SARIF artifact URIs relative to DIR (default: the current directory)")


def _add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", default=default,
                           help="show tracebacks of unexpected errors")
    verbosity.add_argument("-q", "--quiet", action="store_true", default=default, help="no console summary")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="surfacecheck",
        description="Check a Linux host's network attack surface against a YAML baseline.",
    )
    parser.add_argument("--version", action="version", version=f"surfacecheck {__version__}")
    _add_verbosity(parser, default=False)
    # -v/-q are accepted after the subcommand too (`surfacecheck audit -q`); SUPPRESS keeps
    # the subparser from resetting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    _add_verbosity(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    audit = sub.add_parser("audit", parents=[common], help="collect, evaluate every rule and write reports")
    audit.add_argument("baseline", nargs="?", metavar="BASELINE",
                       help="baseline YAML (default: the bundled policies/default.yaml)")
    _add_collection_options(audit, snapshots=True)
    _add_report_options(audit)
    audit.add_argument("--evidence-dir", metavar="DIR",
                       help="write every format, the snapshots, the resolved baseline and SHA256SUMS into DIR")
    audit.add_argument("--fail-on", choices=SEVERITIES, default="low",
                       help="lowest severity of a fail that makes the exit code 1 (default: low)")
    audit.add_argument("--exit-zero", action="store_true", help="exit 0 even on fails and errors")

    collect = sub.add_parser("collect", parents=[common], help="write snapshot(s); evaluate nothing")
    _add_collection_options(collect, snapshots=False)
    collect.add_argument("-o", "--output", metavar="FILE", default="-",
                         help="snapshot file (default stdout); with several hosts, a JSON list")

    learn = sub.add_parser("learn", parents=[common], help="draft a baseline from the live state")
    _add_collection_options(learn, snapshots=True)
    learn.add_argument("-o", "--output", metavar="FILE", default="-", help="baseline YAML (default stdout)")

    validate = sub.add_parser("validate", parents=[common],
                              help="check baselines (schema + semantics); collect nothing")
    validate.add_argument("baselines", nargs="+", metavar="BASELINE")
    validate.add_argument("--format", choices=("text", "json"), default="text",
                          help="json lists the problems for editors and pre-commit")

    diff = sub.add_parser("diff", parents=[common], help="drift between two snapshots or two results files")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--json", metavar="PATH", help="the differences as JSON")
    diff.add_argument("--markdown", metavar="PATH", help="the differences as Markdown")

    report = sub.add_parser("report", parents=[common], help="re-render saved JSON results")
    report.add_argument("results", metavar="RESULTS.json")
    _add_report_options(report)

    sub.add_parser("checks", parents=[common], help="list check ids with description, severity and remediation")
    return parser


_REPEATABLE = frozenset({"target", "snapshot", "nmap_xml", "netns", "netns_pid"})


def _reject_swallowed_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Python 3.11's argparse turns `--root=--` into `[]` (and `--target=--` into `[[]]`)
    instead of the string `--`: refuse such values rather than run with them."""
    for name, value in vars(args).items():
        swallowed = value == [] and name not in _REPEATABLE
        swallowed = swallowed or (isinstance(value, list) and any(isinstance(item, list) for item in value))
        if swallowed:
            parser.error(f"--{name.replace('_', '-')}: `--` is not a usable value")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _reject_swallowed_values(parser, args)
    # Imported here, not at module level: keeps --version and --help fast.
    from checker.errors import CheckerError, ExitCode

    try:
        command = importlib.import_module(f"checker.commands.{args.command}")
        return int(command.run(args))
    except CheckerError as exc:
        print(f"surfacecheck: {exc}" if "\n" not in str(exc) else str(exc), file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("surfacecheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `surfacecheck checks | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last resort: one line, traceback only with -v
        if args.verbose:
            raise
        print(f"surfacecheck: internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
              file=sys.stderr)
        return int(ExitCode.INPUT_ERROR)
