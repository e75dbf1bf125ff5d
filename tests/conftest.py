"""Shared fixtures: the bundled examples, and one LibreOffice batch for all oracle tests."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from xlplan import Plan, load_plan
from xlplan.model import Language

# In CI the examples Hypothesis draws are fixed, so a red run can always be reproduced; a
# developer's runs keep exploring new ones (and keep what they find in .hypothesis/).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The suite's commands keep their cache (compiled templates, parsed template data) in a
# directory of their own, never the user's; set before xlplan reads it, and inherited by
# every command the tests run as a process.
_CACHE = tempfile.mkdtemp(prefix="xlplan-test-cache-")
os.environ["XLPLAN_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def in_language(plan: Plan, language: Language) -> Plan:
    client = plan.client.model_copy(update={"language": language})
    return plan.model_copy(update={"client": client})


@pytest.fixture(scope="session")
def example_plans() -> dict[str, Plan]:
    return {path.stem: load_plan(path) for path in EXAMPLES}


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice must be there: scripts/setup installs it, and CI must never skip the oracle."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/setup first")
    return found
