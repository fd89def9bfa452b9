"""The rule-family registry: every check id has a family, and every evaluator module is pure."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import checker.evaluate
from checker.evaluate.interface import RuleFamily
from checker.evaluate.registry import FAMILIES
from checker.evaluate.waivers import WAIVER_CHECKS
from checker.model import CheckId


def test_every_check_id_is_produced_by_a_family_or_the_waiver_stage() -> None:
    produced = set(WAIVER_CHECKS).union(*(family.checks for family in FAMILIES))
    assert produced == set(CheckId)


def test_no_two_families_claim_the_same_check() -> None:
    claimed = [check for family in FAMILIES for check in family.checks]
    assert len(claimed) == len(set(claimed))


def test_every_family_is_a_rule_family_in_a_documented_module() -> None:
    for family in FAMILIES:
        assert isinstance(family, RuleFamily)
        module = inspect.getmodule(type(family))
        assert module is not None and module.__doc__


def test_every_evaluator_module_is_documented_and_pure() -> None:
    """Every module of `checker.evaluate`, a family's helper modules (`ports/`) included."""
    names = [info.name for info in pkgutil.walk_packages(checker.evaluate.__path__, "checker.evaluate.")]
    assert "checker.evaluate.ports.coverage" in names
    for name in ["checker.evaluate", *names]:
        module = importlib.import_module(name)
        assert module.__doc__, name
        source = inspect.getsource(module)
        for forbidden in ("open(", "datetime.now", "date.today", "time.time", "subprocess", "os.environ"):
            assert forbidden not in source, (name, forbidden)
