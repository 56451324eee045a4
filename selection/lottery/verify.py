"""Check an audit bundle against the input files: everything that can be recomputed is recomputed.

:func:`verify` returns the list of mismatches (empty = the draw checks out). Each names what differs: a changed
input file, a lottery that is not the committed or recomputed one, a panel that breaks a quota, a wrong number for
the seed, a drawn panel that is not the numbered one, a replacement that does not add up.
"""

import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from selection.engine.api import TOLERANCE
from selection.errors import InputError, Problem
from selection.inputs import read_pool, read_quotas
from selection.lottery import bundle as audit
from selection.lottery import files, workflow
from selection.lottery.reserves import read_dropout
from selection.lottery.seeds import canonical_seed, derived_seed, draw_number, draw_text


class Checker:
    """Holds the bundle, the problem rebuilt from the given files and the mismatches found so far."""

    def __init__(self, bundle: dict, pool_path: Path, quotas_path: Path):
        self.bundle, self.found, self.unchecked = bundle, [], []
        opts = bundle["options"]
        for key, path in (("pool", pool_path), ("quotas", quotas_path)):
            if not Path(path).is_file():
                raise InputError(Problem(str(path), 0, "", f"{key} file not found" if not Path(path).exists()
                                         else "is not a file", f"give the {key} file the draw used"))
            rec, now = bundle["inputs"][key], audit.file_record(path)
            if now["sha256"] != rec["sha256"]:
                self.found.append(f"{key} file changed: {path} has SHA-256 {now['sha256'][:16]}..., the bundle "
                                  f"recorded {rec['sha256'][:16]}... ({rec['name']}, {rec['bytes']} bytes)")
        if self.found:  # another file than the draw's: unreadable is bad input (raised), else one mismatch
            read_pool(pool_path, id_column=opts.get("id_column"), household_columns=opts.get("household", []))
            read_quotas(quotas_path)
            return
        self.inputs = workflow.read_inputs(opts, pool_path, quotas_path)
        self.pool, self.quotas, self.problem = self.inputs.pool, self.inputs.quotas, self.inputs.problem
        self.index = {pid: i for i, pid in enumerate(self.pool.ids)}

    def indices(self, ids: list[str], what: str) -> np.ndarray | None:
        unknown = [i for i in ids if i not in self.index]
        if unknown:
            self.found.append(f"{what} names ids not in the pool: {', '.join(map(str, unknown[:5]))}")
            return None
        return np.array([self.index[i] for i in ids], dtype=np.int64)

    def files(self, root: Path) -> None:
        """Render every published or handed-on file afresh from the bundle and the inputs (the same functions that
        wrote them) and compare it with the file in the folder and with the SHA-256 the bundle records."""
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            fresh = files.publication_files(tmp, self.bundle)
            if self.bundle["draw"] is not None and self.indices(self.bundle["draw"]["panel"], "the drawn panel") \
                    is not None and self.indices(self.bundle["reserves"], "the reserve list") is not None:
                fresh.update(files.draw_files(tmp, self.bundle, self.inputs))
            self._compare(root, tmp, fresh, self.bundle.get("files"), "")
            for step in self.bundle["steps"]:
                name = f"replacement-{step['step']}"
                if any(self.indices(step[k], f"replacement {step['step']}") is None
                       for k in ("panel", "reserves_left", "dropped", "added")):
                    continue
                (tmp / name).mkdir()
                fresh = files.step_files(tmp / name, self.bundle, step, self.inputs)
                self._compare(root / name, tmp / name, fresh, step.get("files"), name + "/")

    def _compare(self, folder: Path, tmp: Path, fresh: dict, recorded: dict | None, prefix: str) -> None:
        for name, sha in fresh.items():
            if recorded and name in recorded and recorded[name] != sha:
                self.found.append(f"{prefix}{name}: the bundle records a SHA-256 that a fresh rendering of it does "
                                  f"not have")
            path = folder / name
            if not path.is_file():
                self.unchecked.append(prefix + name)
                continue
            if files.sha256(path) != sha:
                self.found.append(f"{prefix}{name} {_difference(path, tmp / name)}")

    def lottery(self, published: str | None) -> None:
        lot = self.bundle["lottery"]
        panels = lot["panels"]
        if len(panels) != lot["m"]:
            self.found.append(f"the lottery lists {len(panels)} panels, not m = {lot['m']}")
        if audit.commitment(panels) != lot["sha256"]:
            self.found.append("the panel list does not match its commitment (lottery.sha256)")
        if published and published.lower() != lot["sha256"]:
            self.found.append(f"the lottery is not the published one: its SHA-256 is {lot['sha256']}, the "
                              f"published commitment is {published}")
        counts = np.zeros(self.problem.n)
        for number, ids in enumerate(panels):
            idx = self.indices(ids, f"panel {number}")
            if idx is None:
                continue
            counts[idx] += 1
            breaches = self.problem.quota_breaches(idx)
            if breaches:
                self.found.append(f"panel {number} is not quota-exact: {'; '.join(breaches)}")
        probs = self.bundle["probabilities"]
        lottery = np.array(probs["lottery"], dtype=float)
        target = np.array(probs["target"], dtype=float)
        own = self.indices(probs["ids"], "the probability table")
        if own is None or len(own) != self.problem.n:
            self.found.append("the probability table does not list every person of the pool once")
            return
        if np.max(np.abs(counts[own] / max(len(panels), 1) - lottery)) > 1e-9:
            self.found.append("the recorded lottery probabilities are not those of the listed panels")
        if np.max(np.abs(lottery - target)) > self.bundle["rounding"]["max_change"] + 1e-9:
            self.found.append("a probability changed by more than the reported rounding bound")

    def draw(self, seed: str | None) -> None:
        draw, lot = self.bundle["draw"], self.bundle["lottery"]
        if draw is None:
            if seed is not None:
                self.found.append("the bundle records no draw yet, so there is no number to check the seed against")
            return
        number = int(draw["number"])
        if draw.get("method") == "seed":
            expected = draw_number(draw["seed"], lot["sha256"], lot["m"])
            if expected != number:
                self.found.append(f"wrong number: seed '{draw['seed']}' gives panel {expected}, the bundle says "
                                  f"{number}")
        if seed is not None and canonical_seed(seed) != draw.get("seed"):
            mine = draw_number(seed, lot["sha256"], lot["m"])
            self.found.append(f"the seed differs: '{canonical_seed(seed)}' gives panel {mine}; the bundle used "
                              f"'{draw.get('seed')}' (panel {number})")
        if not 0 <= number < len(lot["panels"]):
            self.found.append(f"drawn number {number} is outside 0..{len(lot['panels']) - 1}")
        elif sorted(draw["panel"]) != sorted(lot["panels"][number]):
            self.found.append(f"the drawn panel is not panel {number} of the lottery")

    def steps(self) -> None:
        draw = self.bundle["draw"]
        current = set(draw["panel"]) if draw else set()
        for step in self.bundle["steps"]:
            n = step["step"]
            dropped, added, panel = set(step["dropped"]), set(step["added"]), set(step["panel"])
            if not dropped <= current:
                self.found.append(f"replacement {n} drops ids not on the panel: {', '.join(sorted(dropped - current))}")
            if added & (current | dropped):
                self.found.append(f"replacement {n} adds people already on the panel or dropped")
            if panel != (current - dropped) | added:
                self.found.append(f"replacement {n}: the new panel is not the old one minus dropped plus added")
            idx = self.indices(sorted(panel), f"replacement {n}")
            if idx is not None:
                breaches = self.problem.quota_breaches(idx)
                if (len(breaches) == 0) != (int(step["total_deviation"]) == 0):
                    self.found.append(f"replacement {n} reports deviation {step['total_deviation']} but the panel "
                                      f"has: {'; '.join(breaches) or 'none'}")
            current = panel

    def reserves(self) -> None:
        """Choose the reserve list again from the drawn panel and the recorded seed, and compare."""
        draw, opts = self.bundle["draw"], self.bundle["options"]
        if draw is None or not self.bundle["reserves"]:
            return
        panel = self.indices(draw["panel"], "the drawn panel")
        if panel is None:
            return
        text = draw_text(draw["seed"], int(draw["number"]))
        dropout = read_dropout(self.pool, opts["dropout_column"]) if opts.get("dropout_column") else None
        fresh, _ = workflow.choose_reserves(self.problem, panel, int(opts["reserves"]), dropout, text,
                                            self.bundle["lottery"]["sha256"])
        if int(draw["reserve_seed"]) != derived_seed(text, self.bundle["lottery"]["sha256"], "reserves"):
            self.found.append("the recorded reserve seed is not the one derived from the draw")
        if [self.pool.ids[i] for i in fresh] != list(self.bundle["reserves"]):
            self.found.append("the reserve list differs from a fresh computation from the drawn panel and seed")

    def recompute(self, pool_path: Path, quotas_path: Path) -> None:
        """Publish again with the bundle's options (the same :func:`workflow.publish` the commands use) and compare."""
        opts = self.bundle["options"]
        fixed = {"solver_seed": workflow.SOLVER_SEED, "rounding_seed": workflow.ROUNDING_SEED, "tol": TOLERANCE}
        for key, value in fixed.items():
            if opts.get(key) != value:
                self.found.append(f"the bundle records {key} {opts.get(key)}; this cocreate always uses {value}")
        lot = workflow.publish(pool_path, quotas_path, int(opts["k"]), algorithm=opts["algorithm"],
                               household=opts.get("household", []), id_column=opts.get("id_column"),
                               keep_columns=opts.get("keep_columns", []), legacy_draws=int(opts["legacy_draws"]),
                               m=int(opts["m"]), reserves=int(opts["reserves"]),
                               dropout_column=opts.get("dropout_column") or "",
                               max_rounds=opts.get("max_rounds"), public=bool(opts.get("public_ids")),
                               already_selected=opts.get("already_selected", []),
                               gamma=float(opts.get("gamma", 1.0)),
                               target_slack=float(opts.get("target_slack", 0.0)),
                               pair_weight=float(opts.get("pair_weight", 0.0))).lottery
        note = ""
        now = audit.versions()
        changed = [f"{k} {v} (bundle {self.bundle['versions'].get(k)})" for k, v in now.items()
                   if self.bundle["versions"].get(k) != v]
        if changed:
            note = f" (recomputed with different versions: {', '.join(changed)})"
        target = np.array(self.bundle["probabilities"]["target"], dtype=float)
        own = self.indices(self.bundle["probabilities"]["ids"], "the probability table")
        if own is not None and len(own) == self.problem.n:
            diff = np.abs(lot.target[own] - target)
            if diff.max() > TOLERANCE:
                worst = self.bundle["probabilities"]["ids"][int(diff.argmax())]
                self.found.append(f"the fair probabilities differ from a fresh computation by up to {diff.max():.2g} "
                                  f"(id {worst}){note}")
        self.reserves()
        ids = self.pool.ids
        fresh = [[ids[i] for i in p] for p in lot.panels]
        listed = self.bundle["lottery"]["panels"]
        differ = [j for j in range(min(len(fresh), len(listed))) if sorted(fresh[j]) != sorted(listed[j])]
        if differ or len(fresh) != len(listed):
            shown = ", ".join(map(str, differ[:8])) + (" ..." if len(differ) > 8 else "")
            self.found.append(f"the panel list differs from a fresh computation: panels {shown}{note}")


def _difference(path: Path, fresh: Path) -> str:
    """How a file differs from its fresh rendering, in words: the first differing lines of a text file."""
    try:
        mine = path.read_text(encoding="utf-8-sig").splitlines()
        theirs = fresh.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        return "differs from a fresh rendering (not UTF-8 text)"
    if mine == theirs:
        return "has the same lines as a fresh rendering but other bytes (line ends or encoding); not changed in content"
    rows = [i + 1 for i in range(max(len(mine), len(theirs)))
            if i >= len(mine) or i >= len(theirs) or mine[i] != theirs[i]]
    where = ", ".join(map(str, rows[:5])) + (" ..." if len(rows) > 5 else "")
    size = "" if len(mine) == len(theirs) else f" ({len(mine)} lines, a fresh rendering has {len(theirs)})"
    return f"differs from a fresh rendering at line{'s' if len(rows) > 1 else ''} {where}{size}"


class Verification(NamedTuple):
    """What :func:`verify` found: the bundle, the mismatches (empty: the draw checks out) and the published files
    it could not check because they are not in the folder."""

    bundle: dict
    mismatches: list[str]
    unchecked: list[str]


def verify(bundle_path: Path, pool_path: Path, quotas_path: Path, seed: str | None = None,
           published: str | None = None, recompute: bool = True) -> Verification:
    """Check a bundle and the files next to it. Raises :class:`selection.errors.BundleError` for an unusable bundle
    and :class:`selection.errors.InputError` for unreadable input files.

    What it proves: the input files are the recorded ones; the lottery matches its commitment (and ``published``,
    the commitment announced before the draw); every panel meets every quota; the seed gives the number; the drawn
    panel, reserves and every replacement follow; every published file is what the bundle and inputs give; and,
    with ``recompute``, that the same code and inputs give the same lottery. What it cannot prove: that the seed
    was not known when the lottery was made (only announcing the commitment before a public seed exists does).
    """
    bundle = audit.load(bundle_path)
    path = Path(bundle_path)
    folder = path if path.is_dir() else path.parent
    root = folder.parent if re.fullmatch(r"replacement-\d+", folder.name) else folder
    check = Checker(bundle, Path(pool_path), Path(quotas_path))
    if check.found:  # another input file than the draw's: every later check would only repeat that
        return Verification(bundle, check.found, [])
    check.lottery(published)
    check.draw(seed)
    check.steps()
    check.files(root)
    if recompute:
        check.recompute(Path(pool_path), Path(quotas_path))
    return Verification(bundle, check.found, check.unchecked)


def verdict(data: dict, unchecked: list[str], *, recomputed: bool, committed: bool) -> list[str]:
    """The parts of the OK line for a bundle that verified (``data`` as :func:`verify` returns it): what was
    checked, in words. ``recomputed``: the selection was re-run; ``committed``: a published commitment was given."""
    lot, draw = data["lottery"], data["draw"]
    parts = [f"OK: lottery of {lot['m']} quota-exact panels, commitment {lot['sha256']}"]
    if draw:
        how = f"seed '{draw['seed']}'" if draw["method"] == "seed" else "a hand-drawn number (not checkable)"
        parts.append(f"panel {draw['number']} follows from {how}")
    else:
        parts.append("not drawn yet")
    if data["steps"]:
        parts.append(f"{len(data['steps'])} replacement(s) add up")
    parts.append("inputs unchanged" + ("; a fresh computation gives the same lottery" if recomputed else ""))
    if committed:
        parts.append("the lottery is the one committed to")
    checked = [n for n in (*files.PUBLISHED, *files.DRAWN) if n != "audit.json"
               if n not in unchecked and (n in data.get("files", {}) or data.get("version", 1) < 2)]
    parts.append(f"published files match a fresh rendering ({', '.join(checked) or 'none found'})")
    return parts
