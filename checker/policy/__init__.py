"""The policy stage's entry: baseline YAML files in, a resolved `checker.model.Baseline` out.

Public API (what the rest of surfacecheck imports): `load_baseline`, `validate_paths`,
`policy_path_roots`,
`resolved_document`, `DEFAULT_POLICY` and `MAX_BASELINE_BYTES`. The pipeline is described in
`checker/policy/load.py`; the sections of the format in `checker/policy/sections/`. This
package reads baseline files and nothing else: no host state, no evaluation.
"""

from __future__ import annotations

from checker.policy.load import (
    DEFAULT_POLICY,
    STDIN,
    load_baseline,
    load_baseline_from_stream,
    policy_path_roots,
    resolved_document,
    validate_paths,
)
from checker.policy.yaml_positions import MAX_BASELINE_BYTES

__all__ = [
    "DEFAULT_POLICY",
    "MAX_BASELINE_BYTES",
    "STDIN",
    "load_baseline",
    "load_baseline_from_stream",
    "policy_path_roots",
    "resolved_document",
    "validate_paths",
]
