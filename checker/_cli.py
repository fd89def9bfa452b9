"""The command line: argparse, wiring, and the one place errors become exit codes.

Thin on purpose. Each subcommand lives in `checker.commands.<name>` with a
`run(args) -> int` function and is imported only when chosen. `surfacecheck --version` alone
is answered before argparse is even imported (`_version_only`): building the whole parser
costs more than the interpreter itself takes to start (benchmarks/RESULTS.md, benchmark 5).
The report options of `audit` and `report` (`--json PATH`...) come from the format registry
(`checker.formatters.registry`), not from a list here. Expected errors (`CheckerError`) print
one line and exit with their code; anything else prints one line too, and its traceback only
under `-v`.
"""

from __future__ import annotations

import sys

from checker import __version__

TYPE_CHECKING = False
"""mypy treats any `TYPE_CHECKING` as true; importing `typing` (and `collections.abc`) just for
it would be a fifth of what `--version` costs over a bare interpreter."""
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

SEVERITIES = ("low", "medium", "high", "critical")


def _add_collection_options(parser: argparse.ArgumentParser, *, snapshots: bool) -> None:
    """Options shared by audit, collect and learn (../shared/DESIGN.md section 3)."""
    group = parser.add_argument_group("collection")
    group.add_argument("--local", action="store_true", help="collect the inside view of this host (implied "
                       "when no --target/--snapshot/--nmap-xml/--netns/--netns-pid is given)")
    group.add_argument("--target", action="append", default=[], metavar="HOST|CIDR|RANGE",
                       help="scan this address, hostname, CIDR or range (127.0.0.2-5) with nmap; repeatable")
    if snapshots:
        group.add_argument("--snapshot", action="append", default=[], metavar="FILE",
                           help="evaluate a saved snapshot instead of collecting; repeatable")
    group.add_argument("--nmap-xml", action="append", default=[], metavar="FILE",
                       help="use an nmap XML file someone already ran as the outside view; repeatable")
    group.add_argument("--nft-json", action="append", default=[], metavar="FILE",
                       help="use a saved `nft -j list ruleset` output as this host's firewall instead of the "
                       "live ruleset; repeatable")
    group.add_argument("--root", metavar="DIR", help="read unit files and xinetd config under DIR "
                       "(a mounted image) instead of the live host")
    group.add_argument("--xinetd-conf", metavar="PATH", help="xinetd.conf to read (default /etc/xinetd.conf)")
    group.add_argument("--netns", action="append", default=[], metavar="NAME",
                       help="audit the network namespace NAME (`ip netns list`) as its own host; repeatable")
    group.add_argument("--netns-pid", action="append", default=[], type=int, metavar="PID",
                       help="audit the network namespace of process PID (a container's init) as its own "
                       "host, with its files from /proc/PID/root unless --root is given; repeatable")
    group.add_argument("--host-name", metavar="NAME",
                       help="name the one host collected from the inside NAME in the snapshot and reports: the "
                       "local host (default: its hostname), or the single --netns/--netns-pid host (default: "
                       "NAME or pid:PID); for cloned images and containers that share a hostname, e.g. the "
                       "Ansible inventory name")
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
    group.add_argument("--sarif-category", metavar="NAME",
                       help="SARIF automationDetails.id, the code-scanning category (default: "
                       "surfacecheck/BASELINE/HOSTS/, so per-host uploads do not replace each other)")


def _add_policy_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy-path", action="append", default=[], metavar="DIR",
                        help="a directory `extends` may also name files in (besides builtin: policies and the "
                             "baseline's own directory tree); repeatable")


def _add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", default=default,
                           help="list every result (audit) and show tracebacks of unexpected errors")
    verbosity.add_argument("-q", "--quiet", action="store_true", default=default,
                           help="only the one-line summary (audit)")


EXIT_CODES = """exit codes:
  0  compliant (no fail at or above --fail-on, no error)
  1  at least one fail at or above --fail-on
  2  usage or input error (bad baseline, target or file)
  3  no such fail, but evidence is incomplete (an error result)"""

_EPILOGS = {
    "": """examples:
  surfacecheck audit                          this host against the bundled default policy
  surfacecheck learn -o baseline.yaml         draft a baseline from this host
  surfacecheck audit baseline.yaml --target 127.0.0.1 --markdown report.md

""" + EXIT_CODES,
    "audit": """examples:
  surfacecheck audit                                  this host, bundled default policy
  surfacecheck audit baseline.yaml --markdown report.md --sarif results.sarif
  surfacecheck audit baseline.yaml --local --target 10.0.0.5   inside and outside view of this host
  surfacecheck audit baseline.yaml --target 10.0.0.0/28        outside view only (no --local: no inside view)
  surfacecheck audit baseline.yaml --snapshot web-1.json --snapshot web-2.json   offline, a fleet

""" + EXIT_CODES,
    "collect": """examples:
  surfacecheck collect -o snapshot.json
  surfacecheck collect --host-name web-7 -o web-7.json       name it (cloned images, containers)
  surfacecheck collect --target 127.0.0.2-5 -o scans.json

exit codes: 0 snapshot written (collector failures are data in it); 2 usage or input error""",
    "learn": """examples:
  surfacecheck learn -o baseline.yaml                        review it, then: surfacecheck audit baseline.yaml
  surfacecheck learn --snapshot web-1.json -o web.yaml

exit codes: 0 baseline written; 2 usage or input error""",
    "validate": """examples:
  surfacecheck validate baselines/*.yaml
  surfacecheck validate --format json baseline.yaml          for editors and pre-commit

exit codes: 0 every baseline valid; 2 a problem (one `file:line:col: message` each)""",
    "diff": """examples:
  surfacecheck diff monday.json tuesday.json --markdown drift.md

exit codes: 0 no difference; 1 differences; 2 usage or input error""",
    "report": """examples:
  surfacecheck report results.json --sarif results.sarif --sarif-category prod/web-1

exit codes: 0 reports written; 2 usage or input error""",
    "checks": "examples:\n  surfacecheck checks | less\n\nexit codes: 0",
    "completion": """examples:
  surfacecheck completion bash > ~/.local/share/bash-completion/completions/surfacecheck

exit codes: 0""",
    "schema": """examples:
  surfacecheck schema > baseline.schema.json   then, in the baseline:
    # yaml-language-server: $schema=./baseline.schema.json

exit codes: 0""",
}


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
             description: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A subcommand with its one-line help, a description, examples and exit codes; no abbreviations."""
    import argparse

    return sub.add_parser(name, parents=[common], help=summary, description=description, epilog=_EPILOGS[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    # allow_abbrev=False everywhere: `--jso` must not mean `--json`, or a new option starting
    # the same way would silently change what existing scripts ask for.
    parser = argparse.ArgumentParser(
        prog="surfacecheck",
        description="Check a Linux host's network attack surface against a YAML baseline.",
        epilog=_EPILOGS[""], formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=VERSION_TEXT)
    _add_verbosity(parser, default=False)
    # -v/-q are accepted after the subcommand too (`surfacecheck audit -q`); SUPPRESS keeps
    # the subparser from resetting a value given before it.
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _add_verbosity(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    audit = _command(sub, "audit", "collect, evaluate every rule and write reports",
                     "Collect the host's state (inside view: this host; outside view: nmap), evaluate every "
                     "rule of the baseline and write the reports. With no --target/--snapshot/--nmap-xml/"
                     "--netns/--netns-pid the inside view of this host is collected (--local is implied); "
                     "with them, add --local to keep this host's inside view.", common)
    audit.add_argument("baseline", nargs="?", metavar="BASELINE",
                       help="baseline YAML, `-` to read it from standard input (default: the bundled "
                            "policies/default.yaml)")
    _add_policy_path(audit)
    _add_collection_options(audit, snapshots=True)
    _add_report_options(audit)
    audit.add_argument("--evidence-dir", metavar="DIR",
                       help="write every format, the snapshots, the resolved baseline and SHA256SUMS into DIR")
    audit.add_argument("--fail-on", choices=SEVERITIES, default="low",
                       help="lowest severity of a fail that makes the exit code 1 (default: low)")
    audit.add_argument("--exit-zero", action="store_true", help="exit 0 even on fails and errors")
    audit.add_argument("--no-color", action="store_true",
                       help="no colour in the console summary (also: the NO_COLOR environment variable)")

    collect = _command(sub, "collect", "write snapshot(s); evaluate nothing",
                       "Collect the same evidence as audit and write it as snapshot JSON, to audit later or "
                       "elsewhere (audit --snapshot).", common)
    _add_collection_options(collect, snapshots=False)
    collect.add_argument("-o", "--output", metavar="FILE", default="-",
                         help="snapshot file (default stdout); with several hosts, a JSON list")

    learn = _command(sub, "learn", "draft a baseline from the live state",
                     "Draft a baseline (ports.default: deny) that the observed state passes; review it "
                     "before you approve it.", common)
    _add_collection_options(learn, snapshots=True)
    learn.add_argument("-o", "--output", metavar="FILE", default="-", help="baseline YAML (default stdout)")

    validate = _command(sub, "validate", "check baselines (schema + semantics); collect nothing",
                        "Check each baseline against the schema and the semantic rules (extends, "
                        "conflicting entries, unknown keys with a 'did you mean'); nothing is collected.",
                        common)
    validate.add_argument("baselines", nargs="+", metavar="BASELINE")
    validate.add_argument("--format", choices=("text", "json"), default="text",
                          help="json lists the problems for editors and pre-commit")
    _add_policy_path(validate)

    diff = _command(sub, "diff", "drift between two snapshots or two results files",
                    "Show what changed between two snapshots (listeners, units, xinetd services) or two "
                    "results files (status changes).", common)
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--json", metavar="PATH", help="the differences as JSON")
    diff.add_argument("--markdown", metavar="PATH", help="the differences as Markdown")

    report = _command(sub, "report", "re-render saved JSON results",
                      "Render the JSON results of an earlier audit in other formats; nothing is collected "
                      "or evaluated again.", common)
    report.add_argument("results", metavar="RESULTS.json")
    _add_report_options(report)

    _command(sub, "checks", "list check ids with description, severity and remediation",
             "List every check id (the SARIF ruleId) with its default severity, what it means and the "
             "usual remediation.", common)
    _command(sub, "schema", "print the baseline JSON Schema",
             "Print the JSON Schema of baselines (schemas/baseline.schema.json), for editors: save it next "
             "to your baselines and point their yaml-language-server modeline at it.", common)
    completion = _command(sub, "completion", "print a shell completion script",
                          "Print a static bash completion script generated from this command line (zsh: "
                          "load it with bashcompinit).", common)
    completion.add_argument("shell", choices=("bash",), help="the shell (bash)")
    return parser


_REPEATABLE = frozenset({"target", "snapshot", "nmap_xml", "policy_path", "nft_json", "netns", "netns_pid"})
_LISTINGS = frozenset({"checks"})
"""Commands whose stdout is a listing only: a reader leaving early (`| head`) is no failure."""


def _reject_swallowed_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Python 3.11's argparse turns `--root=--` into `[]` (and `--target=--` into `[[]]`)
    instead of the string `--`: refuse such values rather than run with them."""
    for name, value in vars(args).items():
        swallowed = value == [] and name not in _REPEATABLE
        swallowed = swallowed or (isinstance(value, list) and any(isinstance(item, list) for item in value))
        if swallowed:
            parser.error(f"--{name.replace('_', '-')}: `--` is not a usable value")


VERSION_TEXT = f"surfacecheck {__version__}"
"""What `--version` prints (argparse's `version` action prints the same)."""


def _version_only(argv: Sequence[str]) -> bool:
    """`surfacecheck --version` and nothing else: answered without building the parser."""
    return list(argv) == ["--version"]


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The subparser of `command` (the top-level parser when there is none)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen: argparse.ArgumentParser = action.choices.get(command, parser)
            return chosen
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if _version_only(arguments):
        print(VERSION_TEXT)
        return 0
    import importlib

    parser = build_parser()
    args, unknown = parser.parse_known_args(arguments)
    if unknown:
        # argparse reports a subcommand's unknown option with the top-level usage, which does not
        # list the option the user meant: report it with the subcommand's own usage.
        before = arguments[:arguments.index(args.command)] if args.command in arguments else arguments
        owner = parser if any(arg in before for arg in unknown) else _command_parser(parser, args.command)
        owner.error(f"unrecognized arguments: {' '.join(unknown)}")
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
    except BrokenPipeError:
        # The reader of stdout left (`surfacecheck checks | head`). `audit` catches EPIPE itself
        # and keeps its verdict (commands/audit.py); a command that reaches here has no verdict
        # left to give, so a listing ends with 0 and anything else did not deliver its output (2).
        from checker.commands.audit import silence_stdout

        silence_stdout()
        return 0 if args.command in _LISTINGS else int(ExitCode.INPUT_ERROR)
    except Exception as exc:  # the last resort: one line, traceback only with -v
        if args.verbose:
            raise
        print(f"surfacecheck: internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
              file=sys.stderr)
        return int(ExitCode.INPUT_ERROR)
