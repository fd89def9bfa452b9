"""Naming namespaces on the command line (`--netns`, `--netns-pid`): what is accepted, what is a usage error.

The namespace mechanics themselves (entering, owners, changes during collection) need root and
real namespaces: tests/integration/test_netns.py.
"""

from __future__ import annotations

import pytest

from checker.collect.netns import NamespaceSpec, parse_namespace_specs, process_start_time
from checker.errors import UsageError


def test_names_and_pids_become_specs_names_first_duplicates_once() -> None:
    specs = parse_namespace_specs(["web", "db", "web"], [42, 42])
    assert specs == (NamespaceSpec(name="web"), NamespaceSpec(name="db"), NamespaceSpec(pid=42))
    assert [(s.label, s.path, s.process_root) for s in specs] == [
        ("web", "/run/netns/web", None), ("db", "/run/netns/db", None),
        ("pid:42", "/proc/42/ns/net", "/proc/42/root")]
    assert [s.option for s in specs] == ["--netns web", "--netns db", "--netns-pid 42"]


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../etc", "-x", "a\0b", "x" * 256])
def test_a_name_that_is_not_one_path_component_is_refused(name: str) -> None:
    with pytest.raises(UsageError, match="--netns"):
        parse_namespace_specs([name], [])


@pytest.mark.parametrize("pid", [0, -1, 4_194_305])
def test_a_pid_out_of_range_is_refused(pid: int) -> None:
    with pytest.raises(UsageError, match="--netns-pid"):
        parse_namespace_specs([], [pid])


def test_process_start_time_identifies_this_process() -> None:
    import os

    assert process_start_time(os.getpid()) == process_start_time(os.getpid()) > 0
    with pytest.raises(OSError):
        process_start_time(4_194_305)
