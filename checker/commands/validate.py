"""`surfacecheck validate BASELINE...`: schema and semantic checks, no collection.

Prints one `path:line:col: message` per problem, sorted, and exits 2 when there is any;
`extends` may name files outside a baseline's own directory tree only under a `--policy-path DIR`.
`--format json` prints `{"valid": bool, "problems": [...]}` for editors and pre-commit.
"""

from __future__ import annotations

import argparse
import json

from checker.errors import ExitCode
from checker.policy import policy_path_roots, validate_paths


def run(args: argparse.Namespace) -> int:
    problems = validate_paths(args.baselines, policy_path_roots(getattr(args, "policy_path", [])))
    if args.format == "json":
        document = {
            "valid": not problems,
            "problems": [{"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                         for p in problems],
        }
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        for problem in problems:
            print(problem)
        if not problems and not args.quiet:
            print(f"{len(args.baselines)} baseline(s) valid")
    return int(ExitCode.INPUT_ERROR if problems else ExitCode.COMPLIANT)
