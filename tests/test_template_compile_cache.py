"""The cache of compiled formula templates and parsed template data, kept across processes.

Every test points ``XLPLAN_CACHE_DIR`` at its own directory (never the user's cache) and
forgets the in-process caches before and after, so that "cold" and "warm" mean what they say.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import jinja2.meta
import pytest

from xlplan import Plan
from xlplan.reader.check import check_workbook
from xlplan.workbook import cache as disk_cache
from xlplan.workbook import formulas, render_bytes, templates

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "examples" / "boutique.yaml"
CACHED = (disk_cache.cache_dir, templates._load, templates.template_version,
          templates.sheet_specs, templates._translations, templates._prompts,
          formulas._environment, formulas._template)


def forget() -> None:
    """Forget what this process keeps of templates: the next use reads the cache anew."""
    for cached in CACHED:
        cached.cache_clear()


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty cache directory of this test's own, in use."""
    directory = tmp_path / "cache"
    monkeypatch.delenv(disk_cache.NO_CACHE_VARIABLE, raising=False)
    monkeypatch.setenv(disk_cache.CACHE_DIR_VARIABLE, str(directory))
    forget()
    yield directory
    forget()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many templates Jinja parses and compiles, and how many YAML texts are parsed."""
    counts = {"parse": 0, "compile": 0, "yaml": 0}

    def counting(name: str, real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            counts[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(jinja2.Environment, "_parse",
                        counting("parse", jinja2.Environment._parse))
    monkeypatch.setattr(jinja2.Environment, "_compile",
                        counting("compile", jinja2.Environment._compile))
    monkeypatch.setattr(templates, "_parse_yaml", counting("yaml", templates._parse_yaml))
    return counts


def every_template() -> list[str]:
    """The formula templates of the current template and of every earlier version."""
    versions = [None, *range(1, templates.template_version())]
    return sorted({source for version in versions for sheet in templates.sheet_specs(version)
                   for block in sheet.blocks for cell in block.cells
                   for source in (cell.formula, cell.fallback_formula) if source})


def workbooks(plans: dict[str, Plan]) -> dict[str, bytes]:
    """The three examples' workbooks (French, Spanish, English)."""
    return {stem: render_bytes(plan) for stem, plan in sorted(plans.items())}


def without_cache(monkeypatch: pytest.MonkeyPatch, plans: dict[str, Plan]) -> dict[str, bytes]:
    """The workbooks as XLPLAN_NO_CACHE=1 makes them, the cache put back in use after."""
    with monkeypatch.context() as m:
        m.setenv(disk_cache.NO_CACHE_VARIABLE, "1")
        forget()
        books = workbooks(plans)
    forget()
    return books


def test_output_is_the_same_cold_warm_and_without_cache(cache, example_plans, monkeypatch,
                                                        tmp_path):
    """The examples' workbooks and ``check``'s findings: the same with no, a cold, a warm cache."""
    off = without_cache(monkeypatch, example_plans)
    assert not cache.exists()
    cold = workbooks(example_plans)
    kinds = {(p.name.split("-")[0], p.suffix) for p in cache.iterdir()}
    assert kinds == {("jinja", ".cache"), ("yaml", ".marshal")}
    forget()
    warm = workbooks(example_plans)
    assert off == cold == warm
    path = tmp_path / "boutique.xlsx"
    path.write_bytes(warm["boutique"])
    forget()
    warm_check = [str(p) for p in check_workbook(path).problems]
    with monkeypatch.context() as m:
        m.setenv(disk_cache.NO_CACHE_VARIABLE, "1")
        forget()
        assert [str(p) for p in check_workbook(path).problems] == warm_check


def test_the_warm_run_compiles_nothing(cache, counted, example_plans):
    """With the cache a first run left, no template is parsed or compiled, no YAML parsed."""
    cold = render_bytes(example_plans["boutique"])
    assert counted["compile"] > 100 and counted["yaml"] >= 2
    assert len(list(cache.glob("jinja-*.cache"))) == counted["compile"]
    forget()
    counted.update(parse=0, compile=0, yaml=0)
    assert render_bytes(example_plans["boutique"]) == cold
    assert counted == {"parse": 0, "compile": 0, "yaml": 0}


def test_another_process_finds_the_cache(cache, tmp_path):
    """``xlplan new`` in a second process compiles no template and writes the same workbook."""
    script = (
        "import json, sys, jinja2\n"
        "counts = {'compile': 0}\n"
        "real = jinja2.Environment._compile\n"
        "def counting(*args):\n"
        "    counts['compile'] += 1\n"
        "    return real(*args)\n"
        "jinja2.Environment._compile = counting\n"
        "from xlplan.cli import main\n"
        "sys.argv = ['xlplan', 'new', sys.argv[1], '-o', sys.argv[2], '--force']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(json.dumps(counts))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), disk_cache.CACHE_DIR_VARIABLE: str(cache)}
    runs = []
    for name in ("cold.xlsx", "warm.xlsx"):
        run = subprocess.run([sys.executable, "-c", script, str(BOUTIQUE), str(tmp_path / name)],
                             capture_output=True, text=True, cwd=ROOT, env=env, check=True)
        runs.append(json.loads(run.stdout.splitlines()[-1])["compile"])
    assert runs[0] > 100 and runs[1] == 0
    assert (tmp_path / "cold.xlsx").read_bytes() == (tmp_path / "warm.xlsx").read_bytes()


def key(path: Path) -> str:
    """The key a cache file is sealed with: its bucket's key (Jinja), its name (YAML data)."""
    return path.stem.removeprefix("jinja-") if path.name.startswith("jinja-") else path.name


def payload(path: Path) -> bytes:
    found = disk_cache.unseal(path.read_bytes(), key(path))
    assert found is not None
    return found


def resealed(path: Path, data: bytes) -> bytes:
    """``data`` sealed as the cache seals this file: it is taken for the cache's own."""
    return disk_cache.seal(data, key(path))


def bucket_of(path: Path, code: object) -> bytes:
    """This file as the cache would write it (its bucket's magic and checksum right), holding
    ``code``; a YAML file's payload cut short (data that marshal does not read)."""
    if not path.name.startswith("jinja-"):
        return resealed(path, payload(path)[:-7])
    magic = jinja2.bccache.bc_magic
    checksum = pickle.loads(payload(path)[len(magic):])
    return resealed(path, magic + pickle.dumps(checksum, 2) + marshal.dumps(code))


def others(path: Path) -> bytes:
    """Another cache file of the same kind, copied over this one."""
    kind = sorted(p for p in path.parent.iterdir() if p.suffix == path.suffix and p != path)
    return kind[0].read_bytes()


CORRUPTIONS: dict[str, Callable[[Path], bytes]] = {
    "garbage": lambda p: os.urandom(len(p.read_bytes())),
    "empty": lambda p: b"",
    "truncated": lambda p: p.read_bytes()[: len(p.read_bytes()) // 2],
    "a byte changed": lambda p: (lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:])(p.read_bytes()),
    "another file's": others,
    "garbage sealed for another key": lambda p: disk_cache.seal(os.urandom(200), "another"),
    "sealed, cut short": lambda p: resealed(p, payload(p)[:-20]),
    "sealed, another magic": lambda p: resealed(p, b"j3" + payload(p)[2:]),
    "code of something else": lambda p: bucket_of(p, compile("x = 1", "<x>", "exec")),
    "not code": lambda p: bucket_of(p, ("root", "blocks")),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_corrupt_cache_file_is_ignored(cache, counted, example_plans, corruption):
    """Every cache file spoiled: the run neither fails nor changes; it compiles and heals."""
    expected = render_bytes(example_plans["boutique"])
    files = sorted(cache.iterdir())
    assert files
    spoiled = {path: CORRUPTIONS[corruption](path) for path in files}
    for path, data in spoiled.items():
        path.write_bytes(data)
    forget()
    counted.update(parse=0, compile=0, yaml=0)
    assert render_bytes(example_plans["boutique"]) == expected
    assert counted["compile"] == len([p for p in files if p.name.startswith("jinja-")])
    forget()
    counted.update(parse=0, compile=0, yaml=0)
    assert render_bytes(example_plans["boutique"]) == expected
    assert counted == {"parse": 0, "compile": 0, "yaml": 0}  # each file was written again


def test_a_foreign_yaml_cache_file_is_not_taken_for_another_text(cache):
    """A YAML file's cache is named by the hash of its text: another text, another file."""
    assert templates._yaml("a: 1\n") == {"a": 1}
    assert templates._yaml("a: 2\n") == {"a": 2}
    assert templates._yaml("a: 1\n") == {"a": 1}
    assert len(list(cache.glob("yaml-*.marshal"))) == 2


def test_a_cache_dir_that_cannot_be_made_is_ignored(monkeypatch, example_plans, tmp_path):
    """A cache directory under a file (it cannot be made): no cache, the same workbook."""
    expected = without_cache(monkeypatch, example_plans)["boutique"]
    (tmp_path / "file").write_text("not a directory")
    monkeypatch.setenv(disk_cache.CACHE_DIR_VARIABLE, str(tmp_path / "file" / "cache"))
    forget()
    try:
        assert disk_cache.cache_dir() is None
        assert render_bytes(example_plans["boutique"]) == expected
    finally:
        forget()


def test_a_cache_dir_that_cannot_be_written_is_ignored(cache, monkeypatch, example_plans):
    """No file can be made in the cache dir (even as root): nothing kept, the same workbook."""
    expected = render_bytes(example_plans["boutique"])
    for path in cache.iterdir():
        path.unlink()
    forget()

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)  # Jinja's bytecode
    monkeypatch.setattr(tempfile, "mkstemp", refused)  # the YAML data
    assert render_bytes(example_plans["boutique"]) == expected
    assert list(cache.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0,
                    reason="root writes in a read-only directory")
def test_a_read_only_cache_dir_is_ignored(monkeypatch, example_plans, tmp_path):
    """A read-only cache directory: nothing written, nothing fails, the same workbook."""
    expected = without_cache(monkeypatch, example_plans)["boutique"]
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o500)
    monkeypatch.setenv(disk_cache.CACHE_DIR_VARIABLE, str(directory))
    forget()
    try:
        assert render_bytes(example_plans["boutique"]) == expected
        assert list(directory.iterdir()) == []
    finally:
        forget()
        directory.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership and modes")
def test_a_cache_dir_others_may_write_to_is_not_used(monkeypatch, tmp_path):
    """What the cache holds is run: a directory others may write to is not used."""
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o777)
    monkeypatch.setenv(disk_cache.CACHE_DIR_VARIABLE, str(directory))
    forget()
    try:
        assert disk_cache.cache_dir() is None
        formulas._compile("={{ 1 + 1 }}")
        assert list(directory.iterdir()) == []
    finally:
        forget()


def test_no_cache_when_it_is_turned_off(cache, monkeypatch, example_plans):
    """XLPLAN_NO_CACHE=1: nothing read, nothing written."""
    monkeypatch.setenv(disk_cache.NO_CACHE_VARIABLE, "1")
    forget()
    render_bytes(example_plans["boutique"])
    assert not cache.exists()


def test_the_default_cache_dir_is_the_users(monkeypatch, tmp_path):
    """By default ``$XDG_CACHE_HOME/xlplan``, else ``~/.cache/xlplan``, private to the user."""
    monkeypatch.delenv(disk_cache.CACHE_DIR_VARIABLE, raising=False)
    monkeypatch.delenv(disk_cache.NO_CACHE_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    try:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        forget()
        assert disk_cache.cache_dir() == str(tmp_path / "xdg" / "xlplan")
        if hasattr(os, "getuid"):
            assert (tmp_path / "xdg" / "xlplan").stat().st_mode & 0o777 == 0o700
        monkeypatch.setenv("XDG_CACHE_HOME", "relative")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        forget()
        assert disk_cache.cache_dir() == str(tmp_path / "home" / ".cache" / "xlplan")
    finally:
        forget()


def test_the_reads_are_jinjas_own_answers():
    """The reads noted at compile time are ``jinja2.meta``'s, for every template ever shipped."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    sources = every_template()
    assert len(sources) > 100
    for source in sources:
        assert formulas._reads(source) == jinja2.meta.find_undeclared_variables(
            env.parse(source)), source


def test_a_cached_template_renders_as_a_fresh_one(cache):
    """Every template, loaded from the cache, has the render code of Jinja's ``from_string``."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    sources = every_template()
    for source in sources:
        formulas._compile(source)
    forget()
    for source in sources:
        cached = formulas._compile(source)
        fresh = env.from_string(source)
        assert cached.root_render_func.__code__ == fresh.root_render_func.__code__
    assert len(list(cache.glob("jinja-*.cache"))) == len(sources)


def test_concurrent_processes_share_one_cache(cache):
    """Processes filling one empty cache at once all succeed, and leave only whole files."""
    script = ("import sys\n"
              "from xlplan.workbook import formulas\n"
              "from tests.test_template_compile_cache import every_template\n"
              "for source in every_template():\n"
              "    formulas._compile(source)\n"
              "    assert formulas._reads(source) is not None\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), disk_cache.CACHE_DIR_VARIABLE: str(cache)}
    runs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env)
            for _ in range(3)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    files = sorted(cache.iterdir())
    assert all(p.suffix in (".cache", ".marshal") for p in files)
    assert all(disk_cache.unseal(p.read_bytes(), key(p)) is not None for p in files)
