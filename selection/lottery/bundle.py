"""The audit bundle (``audit.json``): everything needed to check a draw, and no personal data beyond ids.

Format ``cocreate-audit`` version 2 (version 1 bundles are still read), a JSON object:

- ``inputs``: for the pool and the quota file, the file name (never the planner's path), its size in bytes and
  the SHA-256 of the bytes as read;
- ``options``: every option of the run (k, algorithm, m, household and id columns, seeds, rounding method, reserves);
- ``versions``: Python and the packages that computed it (cocreate, numpy, scipy, pandas, ortools, highspy);
- ``probabilities``: ids with each person's probability under the fair distribution (``target``) and under the
  uniform lottery (``lottery``), and ``rounding`` with the largest and mean change between them;
- ``lottery``: m, the numbered panels (as ids) and ``sha256``, the commitment: the SHA-256 of ``lottery.csv``,
  whose exact bytes :func:`lottery_csv` defines;
- ``draw``: null until drawn, then the derivation, the canonical seed (or ``method: manual`` for dice), the
  number and the panel; ``reserves``: the ordered reserve list; ``steps``: each replacement made since, each
  with the SHA-256 of the files of its ``replacement-N`` folder (``files``);
- ``files`` (version 2): the SHA-256 of every file published or handed on from the selection folder
  (``lottery.csv``, ``lottery.html``, ``probabilities.csv``, and after the draw ``panel.csv``, ``reserves.csv``);
- ``checksum``: SHA-256 of the canonical JSON of all other fields (sorted keys, no spaces, UTF-8), which catches
  accidental damage. It is not a signature: anyone can recompute it, so a deliberate edit is caught instead by the
  commitment published before the draw, by recomputing everything (``cocreate verify``) and by comparing every
  published file with a fresh rendering.
"""

import csv
import hashlib
import io
import json
import platform
from importlib import metadata
from pathlib import Path

from selection.errors import BundleError
from selection.inputs import read_pool, read_quotas
from selection.outputs import write_json
from selection.problem import build_problem

FORMAT = "cocreate-audit"
VERSION = 2
PACKAGES = ("cocreate", "numpy", "scipy", "pandas", "ortools", "highspy")
REQUIRED = ("inputs", "options", "versions", "probabilities", "rounding", "lottery", "draw", "reserves", "steps")


def file_record(path: str | Path) -> dict:
    """Name, size and SHA-256 of a file's bytes (the name only: published files never hold the planner's paths)."""
    path = Path(path)
    data = path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _cell(value: str) -> str:
    """A lottery cell as published: text a spreadsheet would run as a formula gets a leading quote. (Kept as it
    is, not shared with :mod:`selection.outputs`: these exact bytes define the commitment of format v1.)"""
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


def lottery_csv(panels: list[list[str]]) -> str:
    """The published lottery: ``number,member_1..member_k``, numbers zero-padded to the width of m-1 (000-999 for
    m = 1000), ids in panel order, cells a spreadsheet would run as formulas prefixed with ', LF line ends. Its
    SHA-256 is the commitment."""
    width = len(str(len(panels) - 1))
    k = max((len(p) for p in panels), default=0)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["number", *[f"member_{i + 1}" for i in range(k)]])
    for number, panel in enumerate(panels):
        w.writerow([str(number).zfill(width), *[_cell(str(i)) for i in panel]])
    return buf.getvalue()


def commitment(panels: list[list[str]]) -> str:
    return hashlib.sha256(lottery_csv(panels).encode("utf-8")).hexdigest()


def checksum(bundle: dict) -> str:
    body = {k: v for k, v in bundle.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(bundle: dict) -> dict:
    """The bundle with its format header and a fresh checksum."""
    out = {"format": FORMAT, "version": VERSION, **{k: v for k, v in bundle.items() if k not in ("format", "version",
                                                                                                     "checksum")}}
    out["checksum"] = checksum(out)
    return out


def read_inputs(options: dict, pool_path: str | Path, quotas_path: str | Path):
    """(pool, quotas, problem) read with a bundle's options, exactly as the selection read them. Raises
    :class:`selection.InputError` for unreadable files."""
    pool = read_pool(pool_path, id_column=options.get("id_column"), household_columns=options.get("household", []))
    quotas = read_quotas(quotas_path)
    return pool, quotas, build_problem(pool, quotas, int(options["k"]))


def build(inputs: dict, options: dict, probabilities: dict, rounding: dict, lottery: dict) -> dict:
    """A new, undrawn bundle (not sealed) from its parts: ``inputs`` (file records of pool and quotas),
    ``options`` (every option of the run), ``probabilities`` (ids, target, lottery), ``rounding`` (its change
    figures) and ``lottery`` (m, panels as ids, commitment). The draw, reserves and steps start empty."""
    return {"inputs": inputs, "options": options, "versions": versions(), "probabilities": probabilities,
            "rounding": rounding, "lottery": lottery, "draw": None, "reserves": [], "reserves_method": None,
            "steps": []}


def write(path: str | Path, bundle: dict) -> dict:
    """Seal ``bundle`` and write it atomically as ``path``; returns the sealed bundle."""
    sealed = seal(bundle)
    write_json(Path(path), sealed)
    return sealed


def load(path: str | Path) -> dict:
    """Read and check a bundle's shape, version and checksum; raise :class:`BundleError` with one clear line."""
    path = Path(path)
    if path.is_dir():
        path = path / "audit.json"
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file; give the audit.json written by `cocreate select`") from None
    except NotADirectoryError:
        raise BundleError(f"{path.parent}: not a folder; give the --out folder of `cocreate select` or its "
                          "audit.json") from None
    except OSError as err:
        raise BundleError(f"{path}: cannot be read ({err.strerror}); give the audit.json written by "
                          "`cocreate select`") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{path}: not a JSON audit bundle ({err}); use the audit.json written by cocreate") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"{path}: not a cocreate audit bundle (no \"format\": \"{FORMAT}\")")
    version = bundle.get("version")
    if not isinstance(version, int):
        raise BundleError(f"{path}: the bundle has no format version; it was not written by cocreate")
    if version > VERSION:
        raise BundleError(f"{path}: format version {version} is newer than this cocreate reads ({VERSION}); "
                          f"upgrade cocreate")
    missing = [k for k in (*REQUIRED, "checksum") if k not in bundle]
    if missing:
        raise BundleError(f"{path}: incomplete bundle, missing {', '.join(missing)}")
    if checksum(bundle) != bundle["checksum"]:
        raise BundleError(f"{path}: tampered or damaged: its contents do not match its checksum")
    return bundle
