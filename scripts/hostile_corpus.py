"""Write the hostile corpus (plan files, workbooks, client lists) to a folder, to try every
command on it by hand or to keep a held-out copy: ``.venv/bin/python scripts/hostile_corpus.py
DIR``. The same corpus is what ``tests/test_hostile_corpus.py`` runs every command on."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus import ROOT, write_corpus
from tests.hostile import hostile_files
from xlplan import load_plan


def main(folder: Path) -> None:
    made = write_corpus(folder)
    made["workbooks"] += hostile_files(load_plan(ROOT / "examples" / "boutique.yaml"),
                                       folder / "workbooks").values()
    for kind, files in made.items():
        print(f"{kind}: {len(files)} files in {folder / kind}")
    print(f"outside: {folder / 'outside'} (a secret no command may read)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hostile_corpus.py DIR")
    main(Path(sys.argv[1]))
