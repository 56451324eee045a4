"""Check an audit bundle against the input files: everything that can be recomputed is recomputed.

:func:`verify` returns the list of mismatches (empty = the draw checks out). Each names what differs: a changed
input file, a lottery that is not the committed or recomputed one, a panel that breaks a quota, a wrong number for
the seed, a drawn panel that is not the numbered one, a replacement that does not add up.
"""

from pathlib import Path

import numpy as np

from selection.engine.api import TOLERANCE
from selection.lottery import bundle as audit
from selection.lottery import workflow
from selection.lottery.reserves import read_dropout
from selection.lottery.seeds import canonical_seed, derived_seed, draw_number, draw_text


class Checker:
    """Holds the bundle, the problem rebuilt from the given files and the mismatches found so far."""

    def __init__(self, bundle: dict, pool_path: Path, quotas_path: Path):
        self.bundle, self.found = bundle, []
        opts = bundle["options"]
        for key, path in (("pool", pool_path), ("quotas", quotas_path)):
            rec, now = bundle["inputs"][key], audit.file_record(path)
            if now["sha256"] != rec["sha256"]:
                self.found.append(f"{key} file changed: {path} has SHA-256 {now['sha256'][:16]}..., the bundle "
                                  f"recorded {rec['sha256'][:16]}... ({rec['name']}, {rec['bytes']} bytes)")
        self.inputs = workflow.read_inputs(opts, pool_path, quotas_path)
        self.pool, self.quotas, self.problem = self.inputs.pool, self.inputs.quotas, self.inputs.problem
        self.index = {pid: i for i, pid in enumerate(self.pool.ids)}

    def indices(self, ids: list[str], what: str) -> np.ndarray | None:
        unknown = [i for i in ids if i not in self.index]
        if unknown:
            self.found.append(f"{what} names ids not in the pool: {', '.join(map(str, unknown[:5]))}")
            return None
        return np.array([self.index[i] for i in ids], dtype=np.int64)

    def lottery(self, published: str | None, lottery_file: Path | None) -> None:
        lot = self.bundle["lottery"]
        panels = lot["panels"]
        if len(panels) != lot["m"]:
            self.found.append(f"the lottery lists {len(panels)} panels, not m = {lot['m']}")
        if audit.commitment(panels) != lot["sha256"]:
            self.found.append("the panel list does not match its commitment (lottery.sha256)")
        if published and published.lower() != lot["sha256"]:
            self.found.append(f"the lottery is not the published one: its SHA-256 is {lot['sha256']}, the "
                              f"published commitment is {published}")
        if lottery_file is not None and lottery_file.exists():
            if audit.file_record(lottery_file)["sha256"] != audit.commitment(panels):
                self.found.append(f"{lottery_file} differs from the lottery in the bundle")
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
                               dropout_column=opts.get("dropout_column") or "").lottery
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


def verify(bundle_path: Path, pool_path: Path, quotas_path: Path, seed: str | None = None,
           published: str | None = None, recompute: bool = True) -> tuple[dict, list[str]]:
    """(bundle, mismatches). Raises :class:`audit.BundleError` for an unusable bundle and
    :class:`selection.InputError` for unreadable input files."""
    bundle = audit.load(bundle_path)
    path = Path(bundle_path)
    folder = path if path.is_dir() else path.parent
    check = Checker(bundle, Path(pool_path), Path(quotas_path))
    check.lottery(published, folder / "lottery.csv")
    check.draw(seed)
    check.steps()
    if recompute:
        check.recompute(Path(pool_path), Path(quotas_path))
    return bundle, check.found
