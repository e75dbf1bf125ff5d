"""Bytecode for the trees a benchmark runs as processes, as an installed package has it.

pip compiles a package's modules when it installs it, and Python caches what it compiles on
a first run (``__pycache__``): a consultant's ``xlplan`` does not compile its modules on each
run. A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (as these machines set it) would, and
every command would pay for it (about 70 ms of ``xlplan new``), where the yardstick's openpyxl,
installed by pip, does not: so each tree is compiled once before anything is timed.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGES = ("xlplan", "udfs", "bench")


def compile_trees(*trees: Path) -> str:
    """Compile each tree's packages into their ``__pycache__``; a line saying so."""
    for tree in trees:
        for package in PACKAGES:
            if (tree / package).is_dir():
                compileall.compile_dir(tree / package, quiet=1)
    return (f"bytecode: compiled for {len(trees)} tree(s) before timing, as an install has it "
            "(see bench/bytecode.py)")
