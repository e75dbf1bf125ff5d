"""A batch against what goes wrong: a row that fails in any way, a worker that dies, a batch
that is killed, a client named with terminal escapes, a client list built to hurt."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan import safe_io
from xlplan.batch import clients, run, workers
from xlplan.batch.clients import ClientListError, read_client_list
from xlplan.batch.run import CRASHED, Outcome, run_batch, summary
from xlplan.cli import main
from xlplan.model import Plan
from xlplan.safe_io import atomic_target

ROOT = Path(__file__).resolve().parent.parent
LINUX = sys.platform.startswith("linux")


def write_list(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def manifest(out: Path) -> list[dict[str, str]]:
    with (out / "manifest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def failing_on(name: str, fail: Callable[[], object]) -> Callable[[Plan], bytes]:
    """run.fill_bytes, except for the client called ``name``."""
    real = run.fill_bytes

    def fill(plan: Plan) -> bytes:
        if plan.client.name == name:
            fail()
        return real(plan)

    return fill


# 1. Any failure is that row's failure ------------------------------------------------------

class Panic(BaseException):
    """As pyo3's PanicException: a BaseException, not an Exception."""


def _raise(exc: BaseException) -> Callable[[], object]:
    def fail() -> object:
        raise exc

    return fail


def _deep() -> object:
    return _deep()


@pytest.mark.parametrize(("fail", "reason"), [
    (_deep, "internal error: RecursionError: maximum recursion depth exceeded"),
    (_raise(ValueError("x" * 100_000)), "internal error: ValueError: xxx"),
    (_raise(Panic("called `Option::unwrap()` on a `None` value")),
     "internal error: Panic: called `Option::unwrap()` on a `None` value"),
    (_raise(MemoryError()), "not enough memory for this row's plan"),
    (_raise(KeyError("part")), "internal error: KeyError: 'part'"),
])
def test_an_unexpected_error_fails_its_row_only(tmp_path, monkeypatch, fail, reason):
    """Whatever goes wrong with a row (a defect, a library's panic, memory) is that row's
    failure with a short reason: the later rows are written and the manifest too."""
    monkeypatch.setattr(run, "fill_bytes", failing_on("Bad", fail))
    rows = write_list(tmp_path / "clients.csv", [{"name": n} for n in ("A", "Bad", "C")])
    outcomes, path = run_batch(rows, tmp_path / "out", 2027, progress=False)
    assert [o.status for o in outcomes] == ["written", "failed", "written"]
    assert outcomes[1].reason.startswith(reason)
    assert len(outcomes[1].reason) < 500
    assert [m["status"] for m in manifest(tmp_path / "out")] == ["written", "failed", "written"]
    assert path.exists() and (tmp_path / "out" / "C.xlsx").exists()


def test_an_interrupt_still_stops_the_batch(tmp_path, monkeypatch):
    """Ctrl-C is not a row's failure: it stops the batch."""
    monkeypatch.setattr(run, "fill_bytes", failing_on("Bad", _raise(KeyboardInterrupt())))
    rows = write_list(tmp_path / "clients.csv", [{"name": n} for n in ("A", "Bad", "C")])
    with pytest.raises(KeyboardInterrupt):
        run_batch(rows, tmp_path / "out", 2027, progress=False)


def damaged_workbook() -> bytes:
    """A zip whose first part's deflate stream is broken: reading it raises zlib.error."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docProps/custom.xml", b"<Properties>" + b"x" * 5000 + b"</Properties>")
        archive.writestr("[Content_Types].xml", b"<Types/>")
    data = bytearray(buffer.getvalue())
    start = 30 + len("docProps/custom.xml")  # the local header, then the data
    data[start:start + 8] = b"\xff" * 8
    return bytes(data)


def test_bad_plans_and_targets_fail_or_keep_their_row_only(tmp_path):
    """A recursive plan file fails its row; a damaged workbook where a row's file goes is
    kept (never replaced); a link or a folder there fails the row: the others are written."""
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "r1.yaml").write_text("client: &a {name: X, sector: *a}\nplan: {year: 2027}\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "Damaged.xlsx").write_bytes(damaged_workbook())
    elsewhere = tmp_path / "elsewhere.xlsx"
    elsewhere.write_bytes(b"not yours")
    (out / "Linked.xlsx").symlink_to(elsewhere)
    (out / "Folder.xlsx").mkdir()
    rows = write_list(tmp_path / "clients.csv", [
        {"id": "r1", "name": "Recursive"}, {"id": "", "name": "Damaged"},
        {"id": "", "name": "Linked"}, {"id": "", "name": "Folder"}, {"id": "", "name": "Fine"}])
    code, output = cli("batch", str(rows), "-o", str(out), "--plans", str(plans),
                       "--year", "2027", "--no-progress")
    assert code == 1, output
    assert [m["status"] for m in manifest(out)] == ["failed", "kept", "failed", "failed",
                                                   "written"]
    assert "kept Damaged.xlsx: not generated by xlplan" in output
    assert "row 4 (Linked): failed: is a link" in output
    assert (out / "Damaged.xlsx").read_bytes() == damaged_workbook()
    assert elsewhere.read_bytes() == b"not yours" and (out / "Linked.xlsx").is_symlink()


@pytest.fixture
def fork_start() -> Iterator[None]:
    """Worker processes forked from this one, so that they run a function patched here."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("fork", force=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def crash_in_worker(parent: int) -> Callable[[], object]:
    def crash() -> object:
        if os.getpid() == parent:  # never this process: the test would end with it
            raise AssertionError("not in a worker")
        os._exit(70)

    return crash


def test_a_worker_that_dies_loses_only_its_culprit_row(tmp_path, monkeypatch, fork_start):
    """A row that makes its worker process die (as a crash in native code would) fails
    alone: the rows whose results died with that worker are run again, one at a time, the
    rest of the batch goes on, and the manifest is written."""
    monkeypatch.setattr(run, "fill_bytes", failing_on("Crash", crash_in_worker(os.getpid())))
    names = [f"Client {i}" for i in range(60)]
    names[23] = "Crash"
    rows = write_list(tmp_path / "clients.csv", [{"name": n} for n in names])
    out = tmp_path / "out"
    outcomes, _ = run_batch(rows, out, 2027, workers=3, progress=False)
    assert [o.client for o in outcomes] == names  # in row order
    assert outcomes[23].status == "failed" and outcomes[23].reason == CRASHED
    assert all(o.status in ("written", "unchanged") for i, o in enumerate(outcomes) if i != 23)
    assert len(manifest(out)) == 60
    assert len(list(out.glob("Client *.xlsx"))) == 59
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


# 2. Workers end with the batch ---------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state, ppid, ...; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _gone(pid: int) -> bool:
    fields = _stat(pid)
    return fields is None or fields[0] in ("Z", "X")  # a zombie no longer runs


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not LINUX, reason="finds processes in /proc")
def test_killing_the_batch_ends_its_workers(tmp_path):
    """A batch killed outright (SIGKILL: no chance to clean up) takes its workers with it."""
    rows = write_list(tmp_path / "clients.csv", [{"name": f"Client {i}"} for i in range(20_000)])
    out = tmp_path / "out"
    batch = subprocess.Popen(
        [sys.executable, "-m", "xlplan.cli", "batch", str(rows), "-o", str(out), "--year",
         "2027", "--workers", "2", "--no-progress"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and batch.poll() is None:
            workers = [p for p in _children(batch.pid) if _cmdline(p) == _cmdline(batch.pid)]
            if len(workers) == 2 and len(list(out.glob("*.xlsx"))) > 10:
                break
            time.sleep(0.05)
        assert len(workers) == 2 and batch.poll() is None, "no two workers at work"
        batch.send_signal(signal.SIGKILL)
        batch.wait()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not all(_gone(p) for p in workers):
            time.sleep(0.05)
        assert [p for p in workers if not _gone(p)] == []
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
        for pid in workers:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="POSIX fork")
def test_an_orphaned_worker_ends_on_its_own():
    """Without the kernel's help (no PR_SET_PDEATHSIG: macOS, BSD), a worker sees that its
    parent is gone within a second and exits."""
    read, write = os.pipe()
    middle = os.fork()
    if middle == 0:  # the batch's stand-in: starts a worker, then ends
        try:
            me = os.getpid()
            worker = os.fork()
            if worker == 0:
                try:
                    workers._watch_parent(me)
                    time.sleep(30)
                finally:
                    os._exit(0)
            os.write(write, str(worker).encode())
        finally:
            os._exit(0)
    os.close(write)
    worker = int(os.read(read, 32))
    os.close(read)
    os.waitpid(middle, 0)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not _exited(worker):
        time.sleep(0.05)
    try:
        assert _exited(worker)
    finally:
        if not _exited(worker):
            os.kill(worker, signal.SIGKILL)


def _exited(pid: int) -> bool:
    if LINUX:
        return _gone(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# 3. Temporary files: recognisable, and removed once their writer is gone -------------------

def test_temporary_names_say_whose_they_are(tmp_path):
    """Hidden, beside the target, with this process's id, and gone after the rename."""
    with atomic_target(tmp_path / "Acme.xlsx") as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".Acme.xlsx.") and tmp.name.endswith(".xlplan-tmp")
        assert f".{os.getpid()}." in tmp.name
        assert safe_io._TMP_NAME.fullmatch(tmp.name)
        tmp.write_bytes(b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["Acme.xlsx"]
    with atomic_target(tmp_path / ("é" * 125)) as tmp:  # 250 bytes: the temporary too
        assert len(tmp.name.encode()) <= 255 and safe_io._TMP_NAME.fullmatch(tmp.name)
        tmp.write_bytes(b"x")


def test_a_rerun_removes_what_a_killed_batch_left(tmp_path):
    """A writer killed before its rename leaves its temporary file; the next batch in that
    folder removes it, and nothing else: not one of a running process, of another host, of
    another program, nor a link or a folder named like one."""
    out = tmp_path / "out"
    out.mkdir()
    killed = subprocess.Popen([sys.executable, "-c", (
        "import os, sys\nfrom pathlib import Path\nfrom xlplan.safe_io import atomic_target\n"
        "with atomic_target(Path(sys.argv[1])) as tmp:\n"
        "    tmp.write_bytes(b'half a workbook')\n    os._exit(9)\n"), str(out / "Acme.xlsx")],
        cwd=ROOT)
    assert killed.wait() == 9
    [left] = list(out.iterdir())
    assert left.name.endswith(".xlplan-tmp") and f".{killed.pid}." in left.name
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = safe_io._host_tag()
    other_host = "0" * 8 if host != "0" * 8 else "1" * 8
    stay = [f".Acme.xlsx.{os.getpid()}.{host}.abcd1234.xlplan-tmp",  # this process
            f".Acme.xlsx.{running.pid}.{host}.abcd1234.xlplan-tmp",  # another running one
            f".Acme.xlsx.1.{host}.abcd1234.xlplan-tmp",  # init: maybe another user's
            f".Acme.xlsx.{killed.pid}.{other_host}.abcd1234.xlplan-tmp",  # another host
            ".Acme.xlsx.abcd1234.tmp",  # another program's, or an older xlplan's
            "notes.xlplan-tmp", f".Acme.xlsx.{killed.pid}.{host}.abcd1234.xlplan-tmp.txt"]
    for name in stay:
        (out / name).write_bytes(b"keep")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep")
    link = out / f".Link.xlsx.{killed.pid}.{host}.abcd1234.xlplan-tmp"
    link.symlink_to(outside)
    folder = out / f".Folder.xlsx.{killed.pid}.{host}.abcd1234.xlplan-tmp"
    folder.mkdir()
    rows = write_list(tmp_path / "clients.csv", [{"name": "Acme"}])
    try:
        outcomes, _ = run_batch(rows, out, 2027, progress=False)
    finally:
        running.kill()
        running.wait()
    assert [o.status for o in outcomes] == ["written"]
    assert not left.exists()
    assert all((out / name).read_bytes() == b"keep" for name in stay)
    assert link.is_symlink() and outside.read_bytes() == b"keep" and folder.is_dir()


# 5. The summary never brings a control character to the terminal ---------------------------

HOSTILE_NAMES = ["\x1b[2J\x1b[HCleared", "\x1b]0;pwned\x07Title", "Acme\u202eslx.exe",
                 "C1\x9b31mRed\x85Next", "Bell\x07\x08\x7fDel", "Two\nLines\rBack\tTab",
                 "\u2066Isolate\u2069\u200fMark"]


def _unsafe(text: str) -> list[str]:
    bidi = {"\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)),
            *map(chr, range(0x2066, 0x206A))}
    return [c for c in text if c != "\n" and (unicodedata.category(c) == "Cc" or c in bidi)]


def test_the_summary_escapes_what_data_says(tmp_path):
    """Client names, file names and reasons are data: their escape sequences, C1 controls and
    bidirectional overrides are shown escaped, and a newline in one never starts a line."""
    outcomes = [Outcome(i + 2, name, f"{name}.xlsx", status, reason=f"because {name}")
                for i, name in enumerate(HOSTILE_NAMES) for status in ("kept", "failed")]
    text = summary(outcomes)
    assert _unsafe(text) == []
    assert len(text.splitlines()) == 1 + len(outcomes)
    assert "\\e[2J" in text and "\\u202e" in text

    rows = write_list(tmp_path / "clients.csv", [{"name": n} for n in HOSTILE_NAMES])
    code, output = cli("batch", str(rows), "-o", str(tmp_path / "out"), "--year", "2027",
                       "--no-progress")
    assert code == 1 and "failed" in output
    assert _unsafe(output) == []


# 6. Client lists built to hurt: a clean refusal (exit 2), never a traceback --------------

def _refused(path: Path, tmp_path: Path, expected: str) -> None:
    out = tmp_path / "refused"
    code, output = cli("batch", str(path), "-o", str(out), "--no-progress")
    assert code == 2, output
    assert expected in output and "Traceback" not in output
    assert not (out / "manifest.csv").exists()


def test_a_huge_list_or_field_is_refused(tmp_path):
    """A list file over the size limit (here a CSV with one 100 MB field) is refused before it
    is read; a field longer than a cell can hold is refused with its row and column."""
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.write(b'name\n"')
        for _ in range(100):
            handle.write(b"a" * 2**20)
        handle.write(b'"\n')
    start = time.monotonic()
    _refused(huge, tmp_path, "MiB for a client list")
    assert time.monotonic() - start < 5

    long = write_list(tmp_path / "long.csv", [{"name": "Acme"}, {"name": "b" * 40_000}])
    _refused(long, tmp_path, "row 3, name: 40000 characters")


def test_too_many_rows_are_refused(tmp_path):
    """Hundreds of thousands of rows: refused at once, without reading them all."""
    rows = tmp_path / "rows.csv"
    rows.write_text("name\n" + "".join(f"C{i}\n" for i in range(300_000)), "utf-8")
    start = time.monotonic()
    with pytest.raises(ClientListError, match=f"more than {clients.MAX_ROWS} rows"):
        read_client_list(rows)
    assert time.monotonic() - start < 10
    _refused(rows, tmp_path, f"more than {clients.MAX_ROWS} rows")


@pytest.mark.parametrize("content", [
    os.urandom(4096), b"\0" * 4096, b"\xff\xfe" + "name\nAcme\n".encode("utf-16-le"), b"",
    b"name,Name\nA,B\n", b"name\n\"unterminated\n" + b"x," * 10_000])
def test_garbage_lists_are_refused(tmp_path, content):
    """Binary garbage, NULs, UTF-16, an empty file, a column given twice: exit 2."""
    path = tmp_path / "clients.csv"
    path.write_bytes(content)
    code, output = cli("batch", str(path), "-o", str(tmp_path / "out"), "--no-progress")
    assert code in (1, 2), output  # 1 only if the garbage parsed as rows that then failed
    assert "Traceback" not in output and _unsafe(output) == []


def test_a_pipe_is_not_a_list(tmp_path):
    """A named pipe (or a device) has no end: refused, not waited on forever."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "clients.csv"
    os.mkfifo(fifo)
    errors: list[BaseException] = []
    reader = threading.Thread(target=lambda: _catch(errors, fifo), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # let the blocked reader go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading the pipe blocked")
    assert len(errors) == 1 and isinstance(errors[0], ClientListError)


def _catch(errors: list[BaseException], path: Path) -> None:
    try:
        read_client_list(path)
    except BaseException as exc:
        errors.append(exc)


def test_xlsx_list_with_formulas_and_an_expanded_size_limit(tmp_path, monkeypatch):
    """Formula cells give their stored value, never their formula (none stored: an empty
    cell, so a row without a name fails); an XLSX whose parts expand past the limit is
    refused before it is read."""
    wb = openpyxl.Workbook()
    wb.active.append(["name", "sector"])
    wb.active.append(['=HYPERLINK("http://x","y")', "Retail"])
    wb.active.append(["Acme", "=cmd|' /C calc'!A0"])
    wb.save(tmp_path / "formulas.xlsx")
    code, output = cli("batch", str(tmp_path / "formulas.xlsx"), "-o", str(tmp_path / "out"),
                       "--year", "2027", "--no-progress")
    assert code == 1 and "Traceback" not in output
    assert [m["status"] for m in manifest(tmp_path / "out")] == ["failed", "written"]

    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    for i in range(20_000):
        wb.active.append([f"Client {i} {os.urandom(8).hex()}"])
    wb.save(tmp_path / "big.xlsx")
    monkeypatch.setattr(clients, "MAX_LIST_BYTES", 2**20)
    _refused(tmp_path / "big.xlsx", tmp_path, "MiB for a client list")


def test_row_numbers_count_blank_lines(tmp_path):
    """A row's number is its line in the file, blank lines included."""
    path = tmp_path / "clients.csv"
    path.write_text("name,review_cadence\nA,\n\n\nB,weekly\n", "utf-8")
    assert [(r.row, r.name) for r in read_client_list(path)] == [(2, "A"), (5, "B")]
