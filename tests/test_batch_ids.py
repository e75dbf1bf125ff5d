"""A batch's client ids and names are names, never paths or reserved file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlplan.batch.clients import ClientRow, plan_for
from xlplan.batch.names import safe_stem, unique_names
from xlplan.errors import PlanError


@pytest.mark.parametrize("client_id", ["../secret/evil", "/etc/passwd", "a\\b", "..", "C:x",
                                       "~$Acme", "CON", "conin$", "NUL.txt", "x\x1b[2J"])
def test_an_id_that_is_a_path_or_reserved_fails_its_row(tmp_path: Path, client_id):
    """A path, `..`, a drive, Excel's lock prefix, a reserved name or a control character as
    an id fails that row with the reason, and no file outside --plans is read."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "evil.yaml").write_text("client: {name: Leaked}\nplan: {year: 2027}\n")
    plans = tmp_path / "plans"
    plans.mkdir()
    row = ClientRow(2, {"id": client_id, "name": "Acme"})
    with pytest.raises(PlanError) as raised:
        plan_for(row, 2027, None, plans)
    assert "row 2" in str(raised.value) and "id" in str(raised.value)
    assert "Leaked" not in str(raised.value)


def test_a_plain_id_still_finds_its_plan(tmp_path: Path):
    """An ordinary id reads <id>.yaml from --plans."""
    (tmp_path / "acme-01.yaml").write_text("client: {name: Acme SA}\nplan: {year: 2027}\n")
    plan = plan_for(ClientRow(2, {"id": "acme-01", "name": "Acme"}), 2027, None, tmp_path)
    assert plan.client.name == "Acme SA"


@pytest.mark.parametrize("name", ["~$Acme", "CONIN$", "conout$.xlsx", "CON", "../x"])
def test_file_names_are_never_lock_files_or_reserved(name):
    """No client name gives Excel's lock-file name or a reserved device name."""
    stem = safe_stem(name)
    assert not stem.startswith("~")
    assert stem.split(".")[0].upper() not in {"CON", "CONIN$", "CONOUT$", "NUL"}
    assert "/" not in stem and ".." not in stem
    assert unique_names([("~$Acme", "1"), ("Acme", "2")]) == ["_$Acme.xlsx", "Acme.xlsx"]
