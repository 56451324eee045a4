"""A catalogue of malformed and awkward inputs, fed to every command (issue "Trust the outputs").

Every case must end the same way: exit status 2, no traceback and no Python exception name, a few lines at most
(one per distinct problem), the file named (with row and column where the problem has them), and nothing
written: the listing, sizes and modification times of the case's folder (and of the shared published folder) are
the same before and after. Inputs are made here, in tmp_path; the draw, verify and replace cases copy one small
published (and one drawn) selection built once per module.
"""

import builtins
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cocreate.cli import app

runner = CliRunner()

K = 4
M = 20  # panels in the lottery of the shared published selection
POOL_ROWS = [(f"p{i}", "fm"[i % 2], "yo"[(i // 2) % 2], f"{i} Road", "0.1") for i in range(12)]
"""12 people: id, sex, age, street, dropout; person p{i} is on spreadsheet row i + 2."""
QUOTAS = "feature,value,min,max\nsex,f,2,2\nsex,m,2,2\nage,y,1,3\nage,o,1,3\n"
SCENARIO = "name: catalogue\npopulation:\n  size: 200\n"


def pool_text(rows=POOL_ROWS, header="id,sex,age,street,dropout", sep=",") -> str:
    return "\n".join([header.replace(",", sep), *(sep.join(r) for r in rows)]) + "\n"


def _exception_names() -> set[str]:
    """Class names of every exception type loaded (after importing the app and its libraries) that read as code,
    not as words: CamelCase with two humps or more (ValueError, BadZipFile, JSONDecodeError)."""
    names, todo = set(), [BaseException]
    while todo:
        cls = todo.pop()
        try:
            subs = cls.__subclasses__()
        except TypeError:
            subs = type.__subclasses__(cls)
        todo += subs
        names.add(cls.__name__)
    return {n for n in names if re.fullmatch(r"_?[A-Z]+[a-z0-9]+[A-Z]\w*", n)} | \
        {n for n in dir(builtins) if n.endswith(("Error", "Exception"))}


PYTHONISH = re.compile(r"Traceback|\b\w*(Error|Exception)\b|Warning:|Aborted!|File \"")


# ------------------------------------------------------------------------------------------------ the harness

@dataclass
class Shared:
    """The module's small valid selection: ``base/pool.csv``, ``base/q.csv``, ``base/published`` (undrawn) and
    ``base/drawn`` (drawn with a seed)."""

    base: Path


@dataclass
class Ctx:
    """What a case builds its inputs with."""

    tmp: Path
    shared: Shared

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
        return path

    def inputs(self, pool: str | bytes | None = None, quotas: str | bytes | None = None,
               pool_name: str = "pool.csv", quotas_name: str = "q.csv") -> tuple[Path, Path]:
        return (self.write(pool_name, pool_text() if pool is None else pool),
                self.write(quotas_name, QUOTAS if quotas is None else quotas))

    def select(self, pool=None, quotas=None, *extra, k: int | None = K, pool_name="pool.csv") -> list:
        p, q = self.inputs(pool, quotas, pool_name=pool_name)
        return ["select", p, q, *(["-k", k] if k is not None else []), "--out", self.tmp / "out", "-m", M, *extra]

    def check(self, pool=None, quotas=None, *extra, k: int | None = K) -> list:
        p, q = self.inputs(pool, quotas)
        return ["check", p, q, *(["-k", k] if k is not None else []), *extra]

    def copy(self, which: str = "published") -> Path:
        """A copy of the shared published (or drawn) folder in this case's folder (its private record still points
        at the shared inputs, as it would after `select`)."""
        dest = self.tmp / which
        shutil.copytree(self.shared.base / which, dest)
        return dest

    @property
    def pool(self) -> Path:
        return self.shared.base / "pool.csv"

    @property
    def quotas(self) -> Path:
        return self.shared.base / "q.csv"

    def scenario(self, text: str = SCENARIO, name: str = "s.yaml") -> Path:
        return self.write(name, text)


CASES: list = []


def case(command: str, name: str, lines: int = 4, xfail: str | None = None):
    """Register a case: a function (ctx) -> (argv, fragments the output must contain). ``lines``: the most
    non-empty output lines allowed; ``xfail``: why the program (in a file this test's author may not change)
    misbehaves, until it is fixed."""
    def register(fn: Callable[[Ctx], tuple[list, list[str]]]):
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        CASES.append(pytest.param(fn, lines, id=f"{command}-{name}", marks=marks))
        return fn
    return register


def snapshot(root: Path) -> dict:
    """Every file and folder below ``root``: kind, size and modification time (ns)."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (path.is_dir(), st.st_size if path.is_file() else 0, st.st_mtime_ns)
    st = root.stat()
    out["."] = (True, 0, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Shared:
    base = tmp_path_factory.mktemp("catalogue-shared")
    (base / "pool.csv").write_text(pool_text())
    (base / "q.csv").write_text(QUOTAS)
    done = runner.invoke(app, ["select", str(base / "pool.csv"), str(base / "q.csv"), "-k", str(K), "--out",
                               str(base / "published"), "-m", str(M)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    shutil.copytree(base / "published", base / "drawn")
    done = runner.invoke(app, ["draw", str(base / "drawn"), "--seed", "catalogue seed"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return Shared(base)


@pytest.mark.parametrize(("make", "lines"), CASES)
def test_bad_input_fails_cleanly(make, lines, shared, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written to the working folder would show in the snapshot
    argv, fragments = make(Ctx(tmp_path, shared))
    before = snapshot(tmp_path), snapshot(shared.base)
    result = runner.invoke(app, [str(a) for a in argv], catch_exceptions=False)
    after = snapshot(tmp_path), snapshot(shared.base)
    out = result.output
    assert result.exit_code == 2, out
    assert not PYTHONISH.search(out), out
    named = sorted(n for n in _exception_names() if re.search(rf"\b{re.escape(n)}\b", out))
    assert not named, (named, out)
    shown = [line for line in out.splitlines() if line.strip()]
    assert 1 <= len(shown) <= lines, out
    missing = [f for f in fragments if f not in out]
    assert not missing, (missing, out)
    assert after[0] == before[0], "the case's folder changed"
    assert after[1] == before[1], "the shared selection changed"


# -------------------------------------------------------------------------------------- select: reading the pool

@case("select", "empty-pool")
def _(c):
    return c.select(""), ["pool.csv", "empty"]


@case("select", "blank-lines-pool")
def _(c):
    return c.select("\n\n \n"), ["pool.csv", "empty"]


@case("select", "header-only-pool")
def _(c):
    return c.select("id,sex,age,street,dropout\n"), ["pool.csv", "no rows"]


@case("select", "binary-pool")
def _(c):
    return c.select(bytes(range(256)) * 8), ["pool.csv", "binary"]


@case("select", "fake-utf16-bom")
def _(c):
    return c.select(b"\xff\xfe" + bytes((7 * i) % 256 for i in range(1, 600))), ["pool.csv", "UTF-16"]


@case("select", "zip-as-csv")
def _(c):
    with zipfile.ZipFile(c.tmp / "pool.csv", "w") as z:
        z.writestr("people.csv", pool_text())
    p = c.tmp / "pool.csv"
    q = c.write("q.csv", QUOTAS)
    return ["select", p, q, "-k", K, "--out", c.tmp / "out"], ["pool.csv", "zip"]


@case("select", "xlsx-saved-as-csv")
def _(c):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "sex"])
    wb.save(c.tmp / "pool.csv")
    q = c.write("q.csv", QUOTAS)
    return ["select", c.tmp / "pool.csv", q, "-k", K, "--out", c.tmp / "out"], ["pool.csv", "XLSX", ".xlsx"]


@case("select", "damaged-xlsx")
def _(c):
    return c.select(b"PK\x03\x04 this is not really a workbook" * 20, pool_name="pool.xlsx"), ["pool.xlsx"]


@case("select", "xlsx-formulas-without-values")
def _(c):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "sex", "age"])
    for pid, sex, age, *_ in POOL_ROWS:
        wb.active.append([pid, sex, '=IF(1>0,"y","o")' if pid in ("p3", "p4") else age])
    wb.save(c.tmp / "pool.xlsx")
    q = c.write("q.csv", QUOTAS)
    return ["select", c.tmp / "pool.xlsx", q, "-k", K, "--out", c.tmp / "out"], \
        ["pool.xlsx", "rows 5-6", "column 'age'", "C5", "formula"]


@case("select", "xlsx-header-only")
def _(c):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "sex", "age"])
    wb.save(c.tmp / "pool.xlsx")
    q = c.write("q.csv", QUOTAS)
    return ["select", c.tmp / "pool.xlsx", q, "-k", K, "--out", c.tmp / "out"], ["pool.xlsx", "no rows"]


@case("select", "old-xls")
def _(c):
    return c.select(b"\xd0\xcf\x11\xe0" + b"\0" * 100, pool_name="pool.xls"), ["pool.xls", "XLSX"]


@case("select", "folder-as-pool")
def _(c):
    (c.tmp / "people").mkdir()
    q = c.write("q.csv", QUOTAS)
    return ["select", c.tmp / "people", q, "-k", K, "--out", c.tmp / "out"], ["people", "folder"]


@case("select", "missing-pool")
def _(c):
    q = c.write("q.csv", QUOTAS)
    return ["select", c.tmp / "nope.csv", q, "-k", K, "--out", c.tmp / "out"], ["nope.csv", "not found"]


@case("select", "malformed-csv-quotes")
def _(c):
    return c.select(pool_text() + 'p99,"f,y,1 Road,0.1\n'), ["pool.csv", "row 14", "quote"]


@case("select", "mixed-encoding")
def _(c):
    text = pool_text().replace("0 Road", "0 Rue de l'\u00e9glise").encode() + "p12,f,y,B\u00e9\n".encode("cp1252")
    return c.select(text), ["pool.csv", "row 14"]


@case("select", "duplicate-ids")
def _(c):
    rows = list(POOL_ROWS)
    rows[3] = ("p1", *rows[3][1:])
    return c.select(pool_text(rows)), ["pool.csv", "row 5", "column 'id'", "duplicate id 'p1'", "row 3"]


@case("select", "missing-ids")
def _(c):
    rows = list(POOL_ROWS)
    rows[2] = ("", *rows[2][1:])
    rows[6] = (" ", *rows[6][1:])
    return c.select(pool_text(rows)), ["pool.csv", "row 4", "row 8", "column 'id'", "missing id"]


@case("select", "unknown-id-column")
def _(c):
    return c.select(None, None, "--id-column", "ident"), ["pool.csv", "column 'ident'", "id column"]


@case("select", "unknown-household-column")
def _(c):
    return c.select(None, None, "--household", "street,adress"), ["pool.csv", "column 'adress'", "household"]


@case("select", "value-without-quota")
def _(c):
    rows = list(POOL_ROWS)
    rows[4] = (rows[4][0], "x", *rows[4][2:])
    return c.select(pool_text(rows)), ["pool.csv", "row 6", "column 'sex'", "'x'", "q.csv"]


@case("select", "decimal-comma-dropout")
def _(c):
    rows = [(*r[:4], "0,1") for r in POOL_ROWS]
    return c.select(pool_text(rows, sep=";")), ["pool.csv", "rows 2-13", "column 'dropout'", "decimal comma"]


@case("select", "dropout-out-of-range")
def _(c):
    rows = list(POOL_ROWS)
    rows[2] = (*rows[2][:4], "1.5")
    rows[5] = (*rows[5][:4], "-0.2")
    return c.select(pool_text(rows)), ["pool.csv", "rows 4, 7", "column 'dropout'", "[0, 1]"]


@case("select", "dropout-not-a-number")
def _(c):
    rows = list(POOL_ROWS)
    rows[3] = (*rows[3][:4], "high")
    return c.select(pool_text(rows)), ["pool.csv", "row 5", "column 'dropout'", "'high'"]


@case("select", "unknown-dropout-column")
def _(c):
    return c.select(None, None, "--dropout-column", "drop"), ["pool.csv", "drop"]


@case("select", "unknown-keep-column")
def _(c):
    return c.select(None, None, "--keep-columns", "street,emial"), ["pool.csv", "emial"]


# ------------------------------------------------------------------------------------ select: reading the quotas

@case("select", "empty-quotas")
def _(c):
    return c.select(None, ""), ["q.csv", "empty"]


@case("select", "header-only-quotas")
def _(c):
    return c.select(None, "feature,value,min,max\n"), ["q.csv", "no quota rows"]


@case("select", "unknown-quota-layout")
def _(c):
    return c.select(None, "group,level,lo,hi\nsex,f,2,2\n"), ["q.csv", "row 1", "layout"]


@case("select", "quota-column-missing")
def _(c):
    return c.select(None, "feature,value,min\nsex,f,2\n"), ["q.csv", "column 'max'"]


@case("select", "quota-feature-not-in-pool")
def _(c):
    return c.select(None, QUOTAS + "region,north,0,4\n"), ["q.csv", "row 6", "'region'", "pool.csv"]


@case("select", "min-above-max")
def _(c):
    return c.select(None, QUOTAS.replace("sex,f,2,2", "sex,f,3,2")), ["q.csv", "row 2", "column 'min'", "max"]


@case("select", "negative-quota")
def _(c):
    return c.select(None, QUOTAS.replace("age,y,1,3", "age,y,-1,3")), ["q.csv", "row 4", "column 'min'", "negative"]


@case("select", "non-integer-quota")
def _(c):
    return c.select(None, QUOTAS.replace("age,o,1,3", "age,o,1,2.5")), ["q.csv", "row 5", "column 'max'", "'2.5'"]


@case("select", "text-quota")
def _(c):
    return c.select(None, QUOTAS.replace("sex,m,2,2", "sex,m,two,2")), ["q.csv", "row 3", "column 'min'", "'two'"]


@case("select", "several-quota-problems", lines=3)
def _(c):
    bad = QUOTAS.replace("sex,m,2,2", "sex,m,two,2").replace("age,o,1,3", "age,o,1,")
    return c.select(None, bad), ["q.csv", "row 3", "column 'min'", "row 5", "column 'max'"]


@case("select", "duplicate-quota-row")
def _(c):
    return c.select(None, QUOTAS + "Sex,F,0,4\n"), ["q.csv", "row 6", "twice", "row 2"]


@case("select", "mins-above-k")
def _(c):
    return c.select(None, QUOTAS.replace("age,y,1,3", "age,y,3,3").replace("age,o,1,3", "age,o,2,3")), \
        ["q.csv", "row 4", "'age'", "5", "panel size 4"]


@case("select", "maxes-below-k")
def _(c):
    return c.select(None, QUOTAS.replace("age,y,1,3", "age,y,1,1").replace("age,o,1,3", "age,o,1,2")), \
        ["q.csv", "row 4", "column 'max'", "'age'", "3"]


@case("select", "pool-short-of-a-min")
def _(c):
    rows = [(r[0], r[1], "o" if i else "y", *r[3:]) for i, r in enumerate(POOL_ROWS)]
    return c.select(pool_text(rows), QUOTAS.replace("age,y,1,3", "age,y,2,3")), ["q.csv", "row 4", "age=y", "1"]


# ------------------------------------------------------------------------------------------ select: the options

@case("select", "size-zero")
def _(c):
    return c.select(k=0), ["--size", "0"]


@case("select", "size-negative")
def _(c):
    return c.select(k=-3), ["--size", "-3"]


@case("select", "size-above-pool")
def _(c):
    return c.select(k=13), ["--size", "13", "12 people"]


@case("select", "unknown-algorithm")
def _(c):
    return c.select(None, None, "--algorithm", "lexmin"), ["--algorithm", "lexmin", "leximin"]


@case("select", "lottery-size-zero")
def _(c):
    return c.select(None, None, "--lottery-size", 0), ["--lottery-size", "0"]


@case("select", "reserves-negative")
def _(c):
    return c.select(None, None, "--reserves", -1), ["--reserves", "-1"]


@case("select", "seed-and-number")
def _(c):
    return c.select(None, None, "--seed", "x", "--number", 3), ["--seed", "--number"]


@case("select", "number-out-of-range")
def _(c):
    return c.select(None, None, "--number", M), ["--number", str(M)]


@case("select", "out-is-a-file")
def _(c):
    c.write("out.txt", "keep me\n")
    p, q = c.inputs()
    return ["select", p, q, "-k", K, "--out", c.tmp / "out.txt"], ["--out", "out.txt", "file"]


@case("select", "out-below-a-file")
def _(c):
    c.write("out.txt", "keep me\n")
    p, q = c.inputs()
    return ["select", p, q, "-k", K, "--out", c.tmp / "out.txt" / "run"], ["--out", "out.txt"]


@case("select", "out-holds-an-earlier-run")
def _(c):
    run = c.copy("published")
    p, q = c.inputs()
    return ["select", p, q, "-k", K, "--out", run], [str(run), "audit.json", "--force"]


@case("select", "settings-typo")
def _(c):
    c.write("cocreate.toml", 'househld = ["street"]\n')
    return c.select(), ["cocreate.toml", "line 1", "'househld'", "'household'"]


@case("select", "settings-invalid-toml")
def _(c):
    c.write("cocreate.toml", "size = 4\nalgorithm = leximin\n")
    return c.select(), ["cocreate.toml", "line 2", "TOML"]


@case("select", "settings-bad-value")
def _(c):
    c.write("cocreate.toml", "# panel\nsize = 0\n")
    return c.select(k=None), ["cocreate.toml", "line 2", "size"]


@case("select", "settings-unknown-algorithm")
def _(c):
    c.write("cocreate.toml", 'algorithm = "lexi"\n')
    return c.select(), ["cocreate.toml", "line 1", "algorithm"]


# ------------------------------------------------------------------------------------------------------- check

@case("check", "no-size")
def _(c):
    return c.check(k=None), ["--size", "cocreate.toml"]


@case("check", "duplicate-ids")
def _(c):
    rows = list(POOL_ROWS)
    rows[10] = ("p0", *rows[10][1:])
    return c.check(pool_text(rows)), ["pool.csv", "row 12", "column 'id'", "duplicate"]


@case("check", "value-without-quota")
def _(c):
    rows = list(POOL_ROWS)
    rows[0] = (rows[0][0], rows[0][1], "old", *rows[0][3:])
    return c.check(pool_text(rows)), ["pool.csv", "row 2", "column 'age'", "'old'"]


@case("check", "quota-feature-not-in-pool")
def _(c):
    return c.check(None, QUOTAS.replace("age,", "agegroup,")), ["q.csv", "row 4", "'agegroup'"]


@case("check", "min-above-max")
def _(c):
    return c.check(None, QUOTAS.replace("age,o,1,3", "age,o,4,3")), ["q.csv", "row 5", "column 'min'"]


@case("check", "size-above-pool")
def _(c):
    return c.check(k=40), ["--size", "40"]


@case("check", "size-zero")
def _(c):
    return c.check(k=0), ["--size", "0"]


@case("check", "binary-quotas")
def _(c):
    return c.check(None, bytes(range(256)) * 4), ["q.csv", "binary"]


@case("check", "utf16-quotas-damaged")
def _(c):
    return c.check(None, b"\xfe\xff" + b"\xd8\x00" * 50), ["q.csv", "UTF-16"]


@case("check", "settings-typo")
def _(c):
    c.write("cocreate.toml", "# settings\nsise = 4\n")
    return c.check(k=None), ["cocreate.toml", "line 2", "'sise'", "'size'"]


@case("check", "settings-wrong-type")
def _(c):
    c.write("cocreate.toml", 'size = "four"\n')
    return c.check(k=None), ["cocreate.toml", "line 1", "size"]


@case("check", "settings-unknown-language")
def _(c):
    c.write("cocreate.toml", 'size = 4\nlang = "de"\n')
    return c.check(k=None), ["cocreate.toml", "line 2", "lang"]


@case("check", "settings-not-utf8")
def _(c):
    c.write("cocreate.toml", 'id_column = "num\u00e9ro"\n'.encode("cp1252"))
    return c.check(), ["cocreate.toml"]


@case("check", "settings-folder")
def _(c):
    (c.tmp / "cocreate.toml").mkdir()
    return c.check(), ["cocreate.toml", "folder"]


@case("check", "margins-malformed")
def _(c):
    c.write("m.csv", "feature,value,share\nsex,f,0.5\nsex,m,half\n")
    return c.check(None, None, "--margins", c.tmp / "m.csv"), ["m.csv", "row 3", "column 'share'", "'half'"]


@case("check", "margins-missing")
def _(c):
    return c.check(None, None, "--margins", c.tmp / "m.csv"), ["m.csv", "not found"]


# ------------------------------------------------------------------------------------------------------ quotas

def _quotas(c: Ctx, margins: str | bytes | None, *extra, size=K) -> list:
    m = c.write("m.csv", margins) if margins is not None else c.tmp / "m.csv"
    return ["quotas", m, "-k", size, "--out", c.tmp / "quotas.csv", *extra]


MARGINS = "feature,value,share\nsex,f,0.5\nsex,m,0.5\nage,y,0.4\nage,o,0.6\n"


@case("quotas", "malformed-margins")
def _(c):
    return _quotas(c, MARGINS.replace("age,y,0.4", "age,y,0,4")), ["m.csv", "row 4", "4 cells", "decimal comma"]


@case("quotas", "share-not-a-number")
def _(c):
    return _quotas(c, MARGINS.replace("sex,m,0.5", "sex,m,fifty")), ["m.csv", "row 3", "column 'share'", "'fifty'"]


@case("quotas", "negative-share")
def _(c):
    return _quotas(c, MARGINS.replace("sex,f,0.5", "sex,f,-0.5")), ["m.csv", "row 2", "column 'share'"]


@case("quotas", "shares-not-summing-to-one")
def _(c):
    return _quotas(c, MARGINS.replace("age,o,0.6", "age,o,0.2")), ["m.csv", "age"]


@case("quotas", "margins-no-share-column")
def _(c):
    return _quotas(c, "feature,value,pct\nsex,f,50\n"), ["m.csv", "row 1", "share"]


@case("quotas", "empty-margins")
def _(c):
    return _quotas(c, ""), ["m.csv", "empty"]


@case("quotas", "missing-margins")
def _(c):
    return _quotas(c, None), ["m.csv", "not found"]


@case("quotas", "out-exists")
def _(c):
    c.write("quotas.csv", QUOTAS)
    return _quotas(c, MARGINS), ["--out", "quotas.csv", "--force"]


@case("quotas", "out-is-a-folder")
def _(c):
    (c.tmp / "quotas.csv").mkdir()
    return _quotas(c, MARGINS), ["--out", "quotas.csv", "folder"]


@case("quotas", "size-zero")
def _(c):
    return _quotas(c, MARGINS, size=0), ["--size", "0"]


@case("quotas", "tolerance-out-of-range")
def _(c):
    return _quotas(c, MARGINS, "--tolerance", 1.5), ["--tolerance", "1.5"]


@case("quotas", "unknown-feature")
def _(c):
    return _quotas(c, MARGINS, "--features", "sex,gender"), ["--features", "'gender'", "m.csv"]


@case("quotas", "pool-value-not-in-margins")
def _(c):
    rows = list(POOL_ROWS)
    rows[1] = (rows[1][0], "x", *rows[1][2:])
    p = c.write("pool.csv", pool_text(rows))
    return _quotas(c, MARGINS, "--pool", p), ["pool.csv", "'x'", "m.csv"]


# -------------------------------------------------------------------------------------------------------- draw

@case("draw", "folder-without-bundle")
def _(c):
    (c.tmp / "run").mkdir()
    return ["draw", c.tmp / "run", "--seed", "s"], ["audit.json"]


@case("draw", "missing-folder")
def _(c):
    return ["draw", c.tmp / "run", "--seed", "s"], ["run"]


@case("draw", "file-as-folder")
def _(c):
    p = c.write("pool.csv", pool_text())
    return ["draw", p, "--seed", "s"], ["pool.csv"]


@case("draw", "twice")
def _(c):
    return ["draw", c.copy("drawn"), "--seed", "again"], ["audit.json", "already drawn"]


@case("draw", "number-out-of-range")
def _(c):
    return ["draw", c.copy(), "--number", M], ["--number", str(M), str(M - 1)]


@case("draw", "number-negative")
def _(c):
    return ["draw", c.copy(), "--number", -1], ["--number", "-1"]


@case("draw", "no-seed-nor-number")
def _(c):
    return ["draw", c.copy()], ["--seed", "--number"]


@case("draw", "seed-and-number")
def _(c):
    return ["draw", c.copy(), "--seed", "s", "--number", 1], ["--seed", "--number"]


@case("draw", "not-json-bundle")
def _(c):
    run = c.copy()
    (run / "audit.json").write_text("{ not json")
    return ["draw", run, "--seed", "s"], ["audit.json", "JSON"]


@case("draw", "other-pool")
def _(c):
    rows = list(POOL_ROWS)
    rows[0] = ("p99", *rows[0][1:])
    other = c.write("other.csv", pool_text(rows))
    return ["draw", c.copy(), "--seed", "s", "--pool", other], ["other.csv", "not the one"]


@case("draw", "missing-pool")
def _(c):
    return ["draw", c.copy(), "--seed", "s", "--pool", c.tmp / "gone.csv"], ["gone.csv", "not found"]


# ------------------------------------------------------------------------------------------------------ verify

def _verify(c: Ctx, bundle: Path, *extra, pool: Path | None = None) -> list:
    return ["verify", bundle, "--pool", pool or c.pool, "--quotas", c.quotas, "--quick", *extra]


@case("verify", "not-json")
def _(c):
    return _verify(c, c.write("audit.json", "PK\x03\x04 zipped?")), ["audit.json", "JSON"]


@case("verify", "json-not-a-bundle")
def _(c):
    return _verify(c, c.write("audit.json", "[1, 2, 3]\n")), ["audit.json", "audit bundle"]


@case("verify", "tampered-checksum")
def _(c):
    run = c.copy("drawn")
    text = (run / "audit.json").read_text()
    (run / "audit.json").write_text(text.replace('"checksum": "', '"checksum": "0', 1))
    return _verify(c, run / "audit.json"), ["audit.json", "checksum"]


@case("verify", "tampered-panel")
def _(c):
    run = c.copy("drawn")
    text = (run / "audit.json").read_text()
    (run / "audit.json").write_text(text.replace('"seed": "catalogue seed"', '"seed": "another seed"', 1))
    return _verify(c, run / "audit.json"), ["audit.json", "checksum"]


@case("verify", "newer-version")
def _(c):
    run = c.copy("drawn")
    text = (run / "audit.json").read_text()
    (run / "audit.json").write_text(re.sub(r'"version": \d+', '"version": 99', text, count=1))
    return _verify(c, run / "audit.json"), ["audit.json", "version 99", "upgrade"]


@case("verify", "missing-bundle")
def _(c):
    return _verify(c, c.tmp / "audit.json"), ["audit.json"]


@case("verify", "folder-without-bundle")
def _(c):
    (c.tmp / "run").mkdir()
    return _verify(c, c.tmp / "run"), ["audit.json"]


@case("verify", "missing-pool")
def _(c):
    return _verify(c, c.copy("drawn") / "audit.json", pool=c.tmp / "gone.csv"), ["gone.csv", "not found"]


@case("verify", "binary-pool")
def _(c):
    bad = c.write("pool.csv", bytes(range(256)) * 4)
    return _verify(c, c.copy("drawn") / "audit.json", pool=bad), ["pool.csv"]


# ----------------------------------------------------------------------------------------------------- replace

@case("replace", "id-not-on-panel")
def _(c):
    return ["replace", c.copy("drawn"), "--dropped", "zz9"], ["panel.csv", "zz9"]


@case("replace", "before-a-draw")
def _(c):
    return ["replace", c.copy("published"), "--dropped", "p1"], ["audit.json", "draw"]


@case("replace", "nobody-dropped")
def _(c):
    return ["replace", c.copy("drawn"), "--dropped", " , "], ["--dropped"]


@case("replace", "folder-without-bundle")
def _(c):
    (c.tmp / "run").mkdir()
    return ["replace", c.tmp / "run", "--dropped", "p1"], ["audit.json"]


@case("replace", "tampered-bundle")
def _(c):
    run = c.copy("drawn")
    text = (run / "audit.json").read_text()
    (run / "audit.json").write_text(text.replace('"checksum": "', '"checksum": "f', 1))
    return ["replace", run, "--dropped", "p1"], ["audit.json", "checksum"]


@case("replace", "other-pool")
def _(c):
    rows = list(POOL_ROWS)
    rows[0] = ("p99", *rows[0][1:])
    other = c.write("other.csv", pool_text(rows))
    return ["replace", c.copy("drawn"), "--dropped", "p1", "--pool", other], ["other.csv", "not the one"]


# ---------------------------------------------------------------------------------------------------- simulate

def _simulate(c: Ctx, text: str | None = SCENARIO, *extra) -> list:
    s = c.scenario(text) if text is not None else c.tmp / "s.yaml"
    return ["simulate", s, "--seeds", 1, "-s", "inform", "--out", c.tmp / "sim", *extra]


@case("simulate", "misspelt-key")
def _(c):
    return _simulate(c, "name: t\npopulation:\n  sise: 200\n"), ["s.yaml", "population.sise", "line 3", "did you mean 'population.size'"]


@case("simulate", "misspelt-section")
def _(c):
    return _simulate(c, "name: t\npopulaton:\n  size: 200\n"), ["s.yaml", "populaton", "line 2", "'population'"]


@case("simulate", "invalid-yaml")
def _(c):
    return _simulate(c, "name: t\npopulation: [1, 2\n"), ["s.yaml", "line", "YAML"]


@case("simulate", "tab-indented-yaml")
def _(c):
    return _simulate(c, "name: t\npopulation:\n\tsize: 200\n"), ["s.yaml", "line 3", "YAML"]


@case("simulate", "value-out-of-range")
def _(c):
    return _simulate(c, "population:\n  rewire_prob: 1.5\n"), ["s.yaml", "population.rewire_prob", "1.5"]


@case("simulate", "value-wrong-type")
def _(c):
    return _simulate(c, "population:\n  size: lots\n"), ["s.yaml", "population.size", "lots"]


@case("simulate", "unknown-strategy-in-file")
def _(c):
    return _simulate(c, "strategies: [inform, nope]\n"), ["s.yaml", "strategies", "nope"]


@case("simulate", "not-a-mapping")
def _(c):
    return _simulate(c, "- inform\n- consult\n"), ["s.yaml", "mapping"]


@case("simulate", "binary-scenario")
def _(c):
    c.write("s.yaml", bytes(range(128, 256)) * 4)
    return _simulate(c, None), ["s.yaml", "UTF-8"]


@case("simulate", "missing-scenario")
def _(c):
    return _simulate(c, None), ["s.yaml", "not found"]


@case("simulate", "strategy-nope")
def _(c):
    return _simulate(c, SCENARIO, "-s", "nope"), ["--strategy", "'nope'"]


@case("simulate", "seeds-zero")
def _(c):
    return _simulate(c, SCENARIO, "--seeds", 0), ["--seeds", "0"]


@case("simulate", "population-too-small")
def _(c):
    return _simulate(c, SCENARIO, "--population", 5), ["--population", "5", "100"]


@case("simulate", "out-is-a-file")
def _(c):
    c.write("sim", "keep me\n")
    return _simulate(c), ["--out", "sim", "file"]


# ------------------------------------------------------------------------------------------------------- sweep

def _sweep(c: Ctx, *extra, text: str = SCENARIO) -> list:
    return ["sweep", c.scenario(text), "--samples", 2, "--seeds", 1, "-s", "inform", "--executor", "sequential",
            "--out", c.tmp / "sweep", *extra]


@case("sweep", "range-reversed")
def _(c):
    return _sweep(c, "--param", "population.rewire_prob=0.9:0.1"), ["--param", "population.rewire_prob", "0.9"]


@case("sweep", "range-beyond-field")
def _(c):
    return _sweep(c, "--param", "population.rewire_prob=0.5:1.5"), ["--param", "population.rewire_prob", "1.5"]


@case("sweep", "range-not-numbers")
def _(c):
    return _sweep(c, "--param", "population.rewire_prob=low:high"), ["--param", "population.rewire_prob"]


@case("sweep", "unknown-parameter")
def _(c):
    return _sweep(c, "--param", "population.sise=100:200:int"), ["--param", "population.sise", "did you mean 'population.size'"]


@case("sweep", "ranges-invalid-yaml")
def _(c):
    r = c.write("r.yaml", "population.rewire_prob: [0.1, 0.2\n")
    return _sweep(c, "--ranges", r), ["r.yaml", "line", "YAML"]


@case("sweep", "ranges-bad-spec")
def _(c):
    r = c.write("r.yaml", "population.rewire_prob: {low: 0.1}\n")
    return _sweep(c, "--ranges", r), ["r.yaml", "population.rewire_prob"]


@case("sweep", "unknown-design")
def _(c):
    return _sweep(c, "--design", "grid"), ["--design", "grid"]


@case("sweep", "samples-zero")
def _(c):
    return _sweep(c, "--samples", 0), ["--samples", "0"]


@case("sweep", "misspelt-scenario-key")
def _(c):
    return _sweep(c, text="population:\n  sise: 200\n"), ["s.yaml", "population.sise", "line 2", "did you mean 'population.size'"]


@case("sweep", "out-is-a-file")
def _(c):
    c.write("sweep", "keep me\n")
    return _sweep(c, "--param", "population.rewire_prob=0.1:0.2"), ["--out", "sweep", "file"]


# -------------------------------------------------------------------------------------------------------- init

@case("init", "missing-folder")
def _(c):
    return ["init", c.tmp / "nowhere"], ["nowhere", "folder"]


@case("init", "file-as-folder")
def _(c):
    return ["init", c.write("pool.csv", pool_text())], ["pool.csv", "folder"]


@case("init", "settings-exist")
def _(c):
    c.write("cocreate.toml", "size = 4\n")
    return ["init", c.tmp], ["cocreate.toml", "already exists"]


@case("init", "settings-name-is-a-folder")
def _(c):
    (c.tmp / "cocreate.toml").mkdir()
    return ["init", c.tmp], ["cocreate.toml"]

