"""Every command on every hostile input: ends within 20 s under a 3 GB memory cap with exit 0,
1 or 2, prints no traceback and no control character, writes nothing outside its output,
leaves every input byte-identical, and leaks nothing from outside its inputs.

Each command runs in a forked child of this process (xlplan already imported, so a run costs
its work, not a start-up), with its address space capped and a wall-clock limit."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.corpus import ESCAPES, SECRET, write_corpus
from tests.hostile import hostile_files
from xlplan import load_plan
from xlplan.cli import main
from xlplan.workbook import render_bytes

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks (POSIX)")

MEMORY_CAP = 3 * 2**30
TIME_LIMIT = 20.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    args: list[str]
    code: int
    seconds: float
    out: str
    err: str


def _child(args: list[str], cwd: Path, out: Path, err: Path) -> None:  # pragma: no cover
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        os.chdir(cwd)
        for fd, path in ((1, out), (2, err)):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(handle, fd)
            os.close(handle)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        main.main(args, prog_name="xlplan", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # a traceback the user would see
        import traceback

        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(args: list[str], cwd: Path) -> Run:
    """One command in a forked child, capped; a child over time is killed (code -9)."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        _child(args, cwd, out, err)
    code = None
    while code is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
        elif time.monotonic() - start > TIME_LIMIT:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = -9
        else:
            time.sleep(0.005)
    seconds = time.monotonic() - start
    texts = [p.read_text("utf-8", "replace") for p in (out, err)]
    out.unlink()
    err.unlink()
    return Run(args, code, seconds, *texts)


def _snapshot(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_fifo() or path.is_dir():
            found[str(path)] = "special"
        elif path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, list[Path]]]:
    folder = tmp_path_factory.mktemp("corpus")
    made = write_corpus(folder)
    damaged = hostile_files(load_plan(ROOT / "examples" / "boutique.yaml"),
                            folder / "workbooks")
    made["workbooks"] += list(damaged.values())
    good = folder / "good.xlsx"  # a clean workbook, to collect hostile "forms" into
    good.write_bytes(render_bytes(load_plan(ROOT / "examples" / "boutique.yaml")))
    made["good"] = [good]
    return folder, made


Command = tuple[list[str], tuple[str, ...]]


def _commands(made: dict[str, list[Path]], folder: Path) -> Iterator[Command]:
    """(arguments, outputs it may write), each output relative to the run's folder."""
    for plan in [*made["plans"], Path("/dev/zero")]:
        yield ["validate", str(plan)], ()
        yield ["new", str(plan), "-o", "out.xlsx"], ("out.xlsx",)
    for book in made["workbooks"]:
        yield ["check", str(book)], ()
        yield ["check", str(book), "--format", "json"], ()
        yield ["export", str(book), "-o", "out.yaml"], ("out.yaml",)
        yield ["export", str(book), "-o", "-"], ()
        yield ["actions", str(book), "--format", "ics", "-o", "out.ics"], ("out.ics",)
        yield ["finalize", str(book), "-o", "client.xlsx"], ("client.xlsx",)
        yield ["new", "--from", str(book), "-o", "next.xlsx"], ("next.xlsx",)
        yield ["review", str(book), "--format", "json"], ()
        yield ["survey", str(book), "-o", "survey.xlsx"], ("survey.xlsx",)
        yield ["genius", str(book), "-o", "forms"], ("forms",)
    good = made["good"][0]
    for command in ("survey", "genius"):  # every hostile workbook taken for a filled-in form
        yield ([command, str(good), "--collect", str(folder / "workbooks"), "-o",
                "collected.xlsx"], ("collected.xlsx",))
    for workers in ("1", "2"):
        yield (["consolidate", str(folder / "workbooks"), "-o", "portfolio.xlsx", "--workers",
                workers, "--no-progress"], ("portfolio.xlsx",))
    for listing in made["lists"]:
        yield (["batch", str(listing), "-o", "books", "--plans", str(folder / "plans"),
                "--no-progress", "--workers", "2"], ("books",))


_UNSAFE = [chr(c) for c in [*range(0, 9), *range(11, 32), *range(127, 160)]] + ["\u202e"]


def test_every_command_on_every_hostile_input(corpus, tmp_path):
    """The issue's bar, on the whole corpus: exit 0/1/2, within 20 s under 3 GB, no traceback,
    no control character on the terminal, inputs unchanged, nothing written but the output,
    nothing from outside the inputs in any output."""
    folder, made = corpus
    before = _snapshot(folder)
    failures = []
    slowest = 0.0
    for index, (args, outputs) in enumerate(_commands(made, folder)):
        cwd = tmp_path / f"run{index}"
        cwd.mkdir()
        result = run(args, cwd)
        slowest = max(slowest, result.seconds)
        said = result.out + result.err
        problems = []
        if result.code not in (0, 1, 2):
            problems.append(f"exit {result.code}")
        if any(mark in said for mark in ("Traceback", "panicked at", "stack backtrace")):
            problems.append("traceback (Python's or a native reader's)")
        if any(char in said for char in _UNSAFE):
            problems.append("control character printed")
        written = {p.relative_to(cwd).parts[0] for p in cwd.rglob("*")}
        if written - set(outputs):
            problems.append(f"wrote {sorted(written - set(outputs))}")
        leaked = [p for p in cwd.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
        if leaked or SECRET in said:
            problems.append("leaked the secret")
        if problems:
            failures.append(f"xlplan {' '.join(args)}: {', '.join(problems)}\n{said[-600:]}")
    assert _snapshot(folder) == before, "an input changed"
    assert not failures, "\n\n".join(failures)
    assert ESCAPES  # the corpus carries escape sequences (names, cells)
    print(f"slowest run: {slowest:.1f} s")
