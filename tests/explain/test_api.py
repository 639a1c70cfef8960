"""The explain package and its figure module say what they export, and export exactly that."""

from __future__ import annotations

import pytest

from tests.test_exported_members import test_all_lists_exactly_the_public_members as check_all


@pytest.mark.parametrize(
    "name", ["brinkwatch.explain", "brinkwatch.report.explain_figures", "brinkwatch.errors"]
)
def test_all_lists_exactly_the_public_members(name: str) -> None:
    check_all(name)
