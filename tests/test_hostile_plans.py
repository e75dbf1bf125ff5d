"""Hostile plan files are refused with a PlanError, fast and in small memory, by the same rules
for YAML and JSON; odd data never crashes validation; a fuzzer finds no other exception."""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplan import loading, plan_json, plan_text, plan_yaml
from xlplan.errors import PlanError, Problem
from xlplan.loading import load_plan, validate_plan

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "examples" / "boutique.yaml"
TOO_DEEP = f"nested deeper than {loading.MAX_DEPTH} levels (refused)"


def refusal(path: Path) -> PlanError:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.source == str(path)
    return info.value


def messages(error: PlanError) -> list[str]:
    return [f"{p.where}: {p.message}" for p in error.problems]


def boutique() -> dict[str, Any]:
    return yaml.safe_load(BOUTIQUE.read_text("utf-8"))


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8", newline="")
    return path


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """``levels`` lists of ``width`` aliases to the one before: width ** levels barriers."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "x-laughs:\n" + "".join(f"  - {line}\n" for line in lines) + \
        f"barriers: *a{levels - 1}\n"


# --- YAML aliases ----------------------------------------------------------------------------

def test_billion_laughs_is_refused_fast_and_small(tmp_path):
    """9 levels of 10 aliases (10^9 values) are refused in well under a second and a few MiB."""
    path = write(tmp_path, "lol.yaml", billion_laughs())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        error = refusal(path)
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    (problem,) = error.problems
    assert problem.where == "(file)" and problem.line is not None
    assert "values once aliases are expanded (refused)" in problem.message
    assert elapsed < 1 and peak < 32 * 2**20


def lower_limit(monkeypatch: pytest.MonkeyPatch, name: str, value: int) -> None:
    """A reading limit lowered in every module of the plan's reading that reads it."""
    for module in (plan_text, plan_yaml, plan_json, loading):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, value)


def test_values_past_the_limit_are_refused_in_yaml_and_json(tmp_path, monkeypatch):
    """A plan of more values than MAX_NODES (lowered here) is refused, aliases or not."""
    lower_limit(monkeypatch, "MAX_NODES", 1_000)
    many = ", ".join(["1"] * 1_000)
    yaml_path = write(tmp_path, "many.yaml", f"barriers: [{many}]\n")
    json_path = write(tmp_path, "many.json", f'{{"barriers": [{many}]}}')
    aliased = write(tmp_path, "aliased.yaml", billion_laughs(levels=4))
    for path in (yaml_path, json_path, aliased):
        (problem,) = refusal(path).problems
        assert problem.where == "(file)" and "more than 1,000 values" in problem.message


def test_a_recursive_alias_is_refused(tmp_path):
    """An alias inside its own anchor (a list or a mapping holding itself) is refused."""
    for text in ("a: &x [1, *x]\n", "a: &x {b: {c: *x}}\n"):
        (problem,) = refusal(write(tmp_path, "rec.yaml", text)).problems
        assert problem.where == "(file)" and problem.line == 1
        assert "alias *x is inside its own anchor" in problem.message


def test_nesting_through_aliases_is_refused(tmp_path):
    """A chain of aliases, each one level deeper, cannot nest past MAX_DEPTH either."""
    text = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    (problem,) = refusal(write(tmp_path, "chain.yaml", text)).problems
    assert problem.message == TOO_DEEP.replace(" (refused)", " once aliases are expanded "
                                                             "(refused)")


def test_a_plan_with_anchors_aliases_and_merge_keys_still_loads(tmp_path):
    """A copy of boutique.yaml sharing values through anchors, aliases and a merge key loads
    as expected, and a problem in it still has its path and line."""
    text = BOUTIQUE.read_text("utf-8")
    first = "  - {what: Refonte fiche produit, who: Léa,"
    assert first in text
    text = text.replace(first, "  - &refonte {what: Refonte fiche produit, who: &lea Léa,", 1)
    text += "  - {<<: *refonte, what: Refonte fiche catégorie, who: *lea, status: todo}\n"
    plan = load_plan(write(tmp_path, "aliased.yaml", text))
    original = load_plan(BOUTIQUE)
    assert plan.actions[:-1] == original.actions
    assert plan.actions[-1] == original.actions[0].model_copy(
        update={"what": "Refonte fiche catégorie", "status": "todo"})
    bad = text + "  - <<: *refonte\n    what: Encore\n    cost: -1\n    status: todo\n"
    (problem,) = refusal(write(tmp_path, "bad.yaml", bad)).problems
    assert problem.where == f"actions[{len(plan.actions)}].cost"
    assert problem.line == len(bad.splitlines()) - 1


# --- nesting, numbers ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("flow.yaml", "[" * 500 + "]" * 500),
    ("block.yaml", "- " * 500 + "1\n"),
    ("array.json", "[" * 500 + "]" * 500),
    ("flow.yaml", "[" * 100_000 + "]" * 100_000),
    ("block.yaml", "- " * 100_000 + "1\n"),
    ("mappings.yaml", "{a: " * 100_000 + "1" + "}" * 100_000),
    ("array.json", "[" * 100_000 + "]" * 100_000),
    ("object.json", '{"a": ' * 100_000 + "1" + "}" * 100_000),
    ("unclosed.json", "[" * 100_000),
])
def test_deep_nesting_is_refused_in_yaml_and_json(tmp_path, name, text):
    """500 or 100,000 levels of nesting: one clear message for both formats, in well under a
    second (libyaml's own limit, 1,000 levels, gives the same message)."""
    start = time.perf_counter()
    (problem,) = refusal(write(tmp_path, name, text)).problems
    assert problem.where == "(file)" and problem.message == TOO_DEEP and problem.line == 1
    assert time.perf_counter() - start < 1


def test_nesting_up_to_the_limit_is_read(tmp_path):
    """MAX_DEPTH levels are read (and then refused as a plan, not as a file)."""
    depth = loading.MAX_DEPTH
    for name, text in (("ok.yaml", "[" * depth + "]" * depth),
                       ("ok.json", "[" * depth + "]" * depth)):
        error = refusal(write(tmp_path, name, text))
        assert messages(error) == ["(top level): must be a mapping of fields"]


def test_an_integer_too_long_for_python_is_refused_at_the_file(tmp_path):
    """A 5,000-digit integer (Python refuses to read past 4,300) is a PlanError, not a
    traceback, in JSON and in YAML."""
    digits = "9" * 5_000
    for path in (write(tmp_path, "long.json", f'{{"plan": {{"year": {digits}}}}}'),
                 write(tmp_path, "long.yaml", f"plan:\n  year: {digits}\n"),
                 write(tmp_path, "tagged.yaml", f'plan:\n  year: !!int "{digits}"\n')):
        (problem,) = refusal(path).problems
        assert problem.where == "(file)"
        assert problem.message == "a number of 5,000 characters (at most 1,000; refused)"
        assert problem.line == (1 if path.suffix == ".json" else 2)


def test_huge_numbers_and_long_text_in_data_do_not_crash_validation():
    """Integers too long to print, very long strings, odd shapes: problems, never a crash."""
    huge = 10**5_000
    data = boutique()
    data["plan"]["year"] = huge
    data["priorities"][0]["title"] = huge
    data["client"]["name"] = "x" * 1_000_000
    data["client"]["sector"] = ["y" * 1_000_000]
    data["actions"][0]["priority"] = "z" * 1_000_000
    with pytest.raises(PlanError) as info:
        validate_plan(data, "odd")
    found = messages(info.value)
    assert "client.name: must be at most 255 characters" in found
    assert any(f.startswith("plan.year: must be <= 2200 (got <a whole number of about 5,")
               for f in found)
    assert all(len(f) < 1_000 for f in found)
    for odd in ([], [1, 2], "text", None, 3, {"client": huge}, {huge: 1}):
        with pytest.raises(PlanError):
            validate_plan(odd, "odd")


def test_data_nested_past_pythons_stack_is_a_plan_error():
    """Data built by a caller, nested 100,000 deep, gives problems, not a RecursionError."""
    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    data = boutique()
    data["barriers"] = deep
    data["client"]["sector"] = deep
    with pytest.raises(PlanError):
        validate_plan(data, "deep")


def test_a_million_wrong_items_are_reported_fast_and_cut_short(tmp_path, monkeypatch):
    """Past MAX_PROBLEMS problems only the first are made and listed: a million wrong items
    (100,000 in YAML, slower to read) take seconds to report, not minutes and gigabytes."""
    made = []
    make = loading._problem
    monkeypatch.setattr(loading, "_problem", lambda *args: made.append(1) or make(*args))
    ones = ", ".join(["1"] * 1_000_000)
    for path in (write(tmp_path, "wrong.yaml", f"barriers: [{ones[:300_000]}]\n"),
                 write(tmp_path, "wrong.json", f'{{"barriers": [{ones}]}}')):
        made.clear()
        start = time.perf_counter()
        problems = refusal(path).problems
        assert time.perf_counter() - start < 20
        assert len(made) <= loading.MAX_PROBLEMS
        assert len(problems) == loading.MAX_PROBLEMS + 1
        assert problems[0].message.startswith("more than 1,000 problems")
        assert "barriers[0]: must be text (got 1)" in [f"{p.where}: {p.message}"
                                                       for p in problems]


# --- numbers must be finite ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("nan.json", '{"client": {"name": "A"},\n "plan": {"year": 2027,\n'
                 ' "amber_threshold": NaN,\n "opening_cash": Infinity},\n'
                 ' "kpis": [{"name": "k", "target": -Infinity}]}'),
    ("nan.yaml", "client: {name: A}\nplan:\n  year: 2027\n  amber_threshold: .nan\n"
                 "  opening_cash: .inf\nkpis: [{name: k, target: -.inf}]\n"),
])
def test_nan_and_infinity_are_refused_at_their_field(tmp_path, name, text):
    """NaN and infinities in JSON and YAML: 'must be a finite number' at the field, on its line
    (even in a field bounded on both sides, where NaN is neither above nor below)."""
    error = refusal(write(tmp_path, name, text))
    assert [(p.where, p.line) for p in error.problems] == [
        ("plan.amber_threshold", 3 if name.endswith(".json") else 4),
        ("plan.opening_cash", 4 if name.endswith(".json") else 5),
        ("kpis[0].target", 5 if name.endswith(".json") else 6)]
    assert all(p.message.startswith("must be a finite number (got ") for p in error.problems)


def _numbers(node: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(node, dict):
        return [found for key, value in node.items() for found in _numbers(value, (*loc, key))]
    if isinstance(node, list):
        return [found for i, value in enumerate(node) for found in _numbers(value, (*loc, i))]
    return [loc] if isinstance(node, int | float) and not isinstance(node, bool) else []


def test_no_number_field_takes_nan_or_infinity():
    """Every number in boutique.yaml (which uses every field) replaced by NaN or an infinity is
    refused at its path: 'must be a finite number', or 'a whole number' for counts."""
    data = boutique()
    for loc in _numbers(data):
        for value in (math.nan, math.inf, -math.inf):
            changed = boutique()
            parent = changed
            for part in loc[:-1]:
                parent = parent[part]
            parent[loc[-1]] = value
            with pytest.raises(PlanError) as info:
                validate_plan(changed, "nan")
            (problem,) = info.value.problems
            assert problem.where == loading.format_path(loc)
            assert problem.message.startswith(("must be a finite number", "must be a whole "
                                               "number", "must be 0, 1, 2 or 3", "must be 1"))


# --- the file itself -------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("name", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(name):
    """/dev/zero never ends: it is refused as not a regular file, at once."""
    start = time.perf_counter()
    (problem,) = refusal(Path(name)).problems
    assert problem.message.startswith("cannot be read: not a regular file")
    assert time.perf_counter() - start < 0.5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    """A named pipe with no writer would block an open() forever: it is refused at once."""
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            load_plan(fifo)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=2)
    if reader.is_alive():  # blocked: let it go with a writer, then fail
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        reader.join(timeout=2)
        pytest.fail("load_plan blocked on a FIFO")
    (error,) = outcome
    assert isinstance(error, PlanError)
    assert error.problems[0].message.startswith("cannot be read: not a regular file")


def test_a_folder_or_a_missing_file_cannot_be_read(tmp_path):
    """A folder and a file that is not there: 'cannot be read', at the file."""
    (folder,) = refusal(tmp_path).problems
    assert folder.where == "(file)" and folder.message == "cannot be read: a folder, not a file"
    (missing,) = refusal(tmp_path / "nothere.yaml").problems
    assert missing.where == "(file)" and missing.message.startswith("cannot be read: ")


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    """A file larger than MAX_PLAN_BYTES (lowered here) is refused, YAML or JSON."""
    lower_limit(monkeypatch, "MAX_PLAN_BYTES", 1_000)
    fits = write(tmp_path, "fits.yaml", "client: {name: A}\nplan: {year: 2027}\n" + "#" * 950)
    assert load_plan(fits).plan.year == 2027
    for name in ("big.yaml", "big.json"):
        (problem,) = refusal(write(tmp_path, name, " " * 1_001)).problems
        assert problem.where == "(file)"
        assert problem.message == "larger than 1,000 bytes (refused)"


def test_bytes_that_are_not_utf8_are_refused_with_their_place(tmp_path):
    """A byte that is not UTF-8 is refused with its line and offset, not a decoding error."""
    data = b"client: {name: Boutique}\nplan: {year: 2027}\nvision: caf\xe9\n"
    for name in ("latin1.yaml", "latin1.json"):
        (problem,) = refusal(write(tmp_path, name, data)).problems
        assert problem.line == 3 and problem.message.startswith(
            "cannot be read: not UTF-8 text (byte 0xe9 at offset 55")


def test_a_bom_is_accepted_in_json_as_in_yaml(tmp_path):
    """A UTF-8 byte-order mark (as Notepad writes) is read past in both formats."""
    expected = load_plan(BOUTIQUE)
    as_json = json.dumps(boutique(), default=str, ensure_ascii=False, indent=1)
    for name, text in (("bom.json", as_json), ("bom.yaml", BOUTIQUE.read_text("utf-8"))):
        path = write(tmp_path, name, "\ufeff".encode() + text.encode())
        assert load_plan(path) == expected


def test_windows_line_ends_keep_lines(tmp_path):
    """CRLF and CR line ends are lines, in both formats, as they were."""
    for name, text in (("crlf.yaml", "client: {name: A}\r\nplan:\r\n  year: 3000\r\n"),
                       ("cr.json", '{"client": {"name": "A"},\r"plan":\r{"year": 3000}}')):
        (problem,) = refusal(write(tmp_path, name, text)).problems
        assert problem.where == "plan.year" and problem.line == 3


# --- JSON as YAML ----------------------------------------------------------------------------

def test_json_duplicate_keys_are_problems_as_in_yaml(tmp_path):
    """A key given twice is a problem at its path and line, with the line of the first."""
    text = '{"client": {"name": "A"},\n "plan": {"year": 2027,\n  "year": 2028}}'
    yaml_text = "client: {name: A}\nplan: {year: 2027,\n  year: 2028}\n"
    for name, content in (("dup.json", text), ("dup.yaml", yaml_text)):
        (problem,) = refusal(write(tmp_path, name, content)).problems
        assert (problem.where, problem.line) == ("plan.year", 3)
        assert problem.message == "duplicate key (first given on line 2)"


def test_json_problems_carry_their_lines(tmp_path):
    """A problem in a JSON plan has its line (found when there is a problem), and brackets and
    quotes inside strings are only text."""
    data = boutique()
    data["client"]["name"] = '[{"\\\\]' * 30
    data["priorities"][3]["score"] = 5
    text = json.dumps(data, default=str, indent=1)
    path = write(tmp_path, "lines.json", text)
    (problem,) = refusal(path).problems
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"score": 5' in row)
    assert (problem.where, problem.line) == ("priorities[3].score", line)
    data["priorities"][3]["score"] = 3
    path.write_text(json.dumps(data, default=str), "utf-8")
    assert load_plan(path).client.name == data["client"]["name"]


def test_a_date_that_does_not_exist_is_a_problem_at_its_field(tmp_path):
    """2027-02-30 looks like a YAML date but is none: the field says so, as in JSON."""
    for name, text in (("date.yaml", "client: {name: A}\nplan: {year: 2027, as_of: 2027-02-30}\n"),
                       ("date.json", '{"client": {"name": "A"},\n"plan": {"year": 2027, '
                                     '"as_of": "2027-02-30"}}')):
        (problem,) = refusal(write(tmp_path, name, text)).problems
        assert (problem.where, problem.line) == ("plan.as_of", 2)
        assert problem.message.startswith("must be a date (YYYY-MM-DD)")


def test_a_value_a_yaml_tag_cannot_build_is_refused_at_its_line(tmp_path):
    """`!!int abc` or `!!float x` cannot be built: a YAML problem on its line."""
    for tag in ("!!int abc", "!!float x", "!!binary é"):
        text = f"client: {{name: A}}\nplan:\n  year: {tag}\n"
        (problem,) = refusal(write(tmp_path, "tag.yaml", text)).problems
        assert problem.where == "(file)" and problem.line == 3
        assert problem.message.startswith("not valid YAML")


# --- a fuzzer --------------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "{", "}", "[", "]", ",", ":", ": ", "- ", "\n", "  ", '"', "'", "\\", "#", "&a ", "*a",
    "&b ", "*b", "<<: ", "!!int ", "!!float ", "!!timestamp ", "!!binary ", "!!set ", "!!python/",
    "? ", "---\n", "...\n", "|\n", ">\n", ".nan", ".inf", "-.inf", "NaN", "Infinity",
    "-Infinity", "1e999", "0x1F", "0o17", "1:20:30", "2027-02-30", "2027-01-01", "2027-13-01 25:61",
    "9" * 1_200, "client", "plan", "year", "name", "title", "score", "priorities", "actions",
    "kpis", "true", "null", "~", "\ufeff", "\t", "\x00", "é", "\u2028", "%YAML 1.1\n", "%TAG ",
])


_TAGS = st.sampled_from(["", "", "!!int ", "!!float ", "!!bool ", "!!null ", "!!str ",
                         "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!pairs ",
                         "!!merge ", "!!map ", "!!seq ", "!!python/name:os.system ", "! ",
                         "!local "])
_VALUES = st.sampled_from(["", "abc", "-", "+", "0x", "0b2", "0o9", "1_0", "1:2:3", "1:2.5",
                           ".nan", ".inf", "1e999", "2027-02-30", "2027-01-01T25:00:00",
                           "9" * 20, "é", "[]", "{}", "[a, 1]", "{a: 1}", "&x 1", "*x",
                           "'q'", '"\\u00e9"', "YWJj", "~", "yes", "null"])


@st.composite
def _yamlish(draw: st.DrawFn) -> bytes:
    """A small YAML document of plan keys holding tagged, odd values."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        key = draw(st.sampled_from(["client", "plan", "year", "name", "barriers", "<<", "x"]))
        indent = draw(st.sampled_from(["", "  ", "- "]))
        lines.append(f"{indent}{key}: {draw(_TAGS)}{draw(_VALUES)}")
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(st.binary(max_size=400),
                         st.text(max_size=300).map(str.encode),
                         st.lists(_PIECES, max_size=60).map(lambda p: "".join(p).encode()),
                         _yamlish()),
       suffix=st.sampled_from([".yaml", ".yaml", ".json"]))
def test_load_plan_raises_only_plan_errors(content, suffix):
    """Random bytes, random text, YAML/JSON-like token soup and small YAML documents of odd
    tagged values: a plan or a PlanError naming a place, never any other exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            load_plan(path)
        except PlanError as exc:
            assert exc.problems and all(isinstance(p, Problem) and p.where
                                        for p in exc.problems)
