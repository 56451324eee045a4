"""The public draw as plain functions: publish -> draw -> replace, on data, with errors raised, never printed.

1. :func:`publish`: the fair distribution is rounded to m equally likely panels; the result holds the undrawn
   bundle, whose ``lottery.sha256`` is the commitment to publish before any seed exists;
2. :func:`draw`: a public seed (or a number rolled with dice) picks one panel, and the reserve list is chosen
   (:func:`choose_reserves`) with seeds derived from the same public inputs (:mod:`selection.lottery.seeds`);
3. :func:`replace`: drop-outs are replaced, keeping the quotas, preferring the reserves; a new step is appended.

Each returns a new bundle dict (never changes the one given). Writing the files is :mod:`selection.lottery.files`;
``cocreate select/draw/replace`` and :func:`selection.lottery.verify.verify` call these same functions, so what
verify recomputes is by construction what the commands did.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from selection.engine import diagnose
from selection.engine.api import ALGORITHMS, TOLERANCE, SelectionResult, select
from selection.errors import DrawError, InputError, Problem
from selection.lottery import bundle as bundles
from selection.lottery import complete, public_ids
from selection.lottery.repair import Repair, repair
from selection.lottery.reserves import dropout_aware_reserves, plain_reserves, read_dropout, simulate_dropouts
from selection.lottery.rounding import ROUNDING, UniformLottery, uniform_lottery
from selection.lottery.seeds import DERIVATION, canonical_seed, derived_seed, draw_number, draw_text
from selection.problem import SelectionProblem, build_problem
from selection.records import Pool, Quotas

SOLVER_SEED = 0  # fixed so that anyone re-running the selection gets the same distribution
ROUNDING_SEED = 0
LOTTERY_SIZE = 1000  # three ten-sided dice
COMPARISON_SCENARIOS = 2000  # held-out drop-out scenarios for the reserve-list comparison
DROPOUT_NAMES = ("dropout", "dropout_probability", "dropout_prob", "drop_out_probability", "p_dropout")


@dataclass(frozen=True, eq=False)
class Inputs:
    """The pool, quotas and problem a bundle was (or is being) computed from."""

    pool: Pool
    quotas: Quotas
    problem: SelectionProblem

    def indices(self, ids: Sequence[str]) -> np.ndarray:
        index = {pid: i for i, pid in enumerate(self.pool.ids)}
        return np.array([index[i] for i in ids], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Publication:
    """What :func:`publish` produced: the fair selection, its uniform lottery, the undrawn bundle and inputs."""

    result: SelectionResult
    lottery: UniformLottery
    bundle: dict
    inputs: Inputs
    warnings: tuple[str, ...] = ()
    original_ids: tuple[str, ...] = ()  # the pool's own ids, when ``inputs.pool.ids`` are public pseudonyms


def default_reserves(k: int) -> int:
    """Reserve list length when not given: a fifth of the panel, rounded up. Real attrition ranged from 2 of 110
    (Climate Assembly UK) to 31 of 150 (France's climate convention) (shared/reference/cases-and-data.md)."""
    return max(1, math.ceil(k / 5))


def reserve_length(k: int, lottery_probabilities: np.ndarray, dropout: np.ndarray | None) -> int:
    """Default reserve list length: a fifth of k, or 1.3 times the expected drop-outs of the drawn panel (sum of
    lottery probability x drop-out probability) when that is larger."""
    base = default_reserves(k)
    if dropout is None:
        return base
    return max(base, math.ceil(1.3 * float(lottery_probabilities @ dropout)))


def dropout_column_of(pool: Pool, given: str | None) -> str | None:
    """The drop-out column: the one given (``""`` means none), else a column with a usual name, else None."""
    if given is not None:
        return given or None
    found = [c for c in pool.table.columns if str(c).strip().casefold() in DROPOUT_NAMES]
    return found[0] if found else None


def read_inputs(options: dict, pool_path: str | Path, quotas_path: str | Path) -> Inputs:
    """Pool, quotas and problem read with a bundle's options, exactly as the selection read them (with the same
    public pseudonyms when the selection used them)."""
    pool, quotas, _ = bundles.read_inputs(options, pool_path, quotas_path)
    pool = public_ids.checked_pool(pool, pool_path, bool(options.get("public_ids")))
    return Inputs(pool, quotas, build_problem(pool, quotas, int(options["k"])))


def load_inputs(bundle: dict, pool_path: str | Path | None = None, quotas_path: str | Path | None = None,
                known: dict | None = None) -> Inputs:
    """The inputs of a bundle from the given files, else from ``known`` (key -> path, e.g. the private record of
    the paths a selection used), else the recorded name (``path`` in version 1 bundles) in the current folder; the
    files must be the ones recorded (same SHA-256). Raises :class:`InputError` naming the file."""
    paths = {}
    for key, given in (("pool", pool_path), ("quotas", quotas_path)):
        rec = bundle["inputs"][key]
        path = Path(given or (known or {}).get(key) or rec.get("path") or rec["name"])
        if not path.is_file():
            raise InputError(Problem(str(path), 0, "", f"{key} file not found",
                                     f"give the {key} file used for this draw", parameter="" if given else key))
        if bundles.file_record(path)["sha256"] != rec["sha256"]:
            raise InputError(Problem(str(path), 0, "", f"this {key} file is not the one the draw used (its SHA-256 "
                                     "differs from the bundle's)", f"give the original {key} file"))
        paths[key] = path
    return read_inputs(bundle["options"], paths["pool"], paths["quotas"])


def publish(pool_path: str | Path, quotas_path: str | Path, k: int, *, algorithm: str = "leximin",
            household: Sequence[str] = (), id_column: str | None = None, keep_columns: Sequence[str] = (),
            legacy_draws: int = 1000, m: int = LOTTERY_SIZE, reserves: int | None = None,
            dropout_column: str | None = None, time_limit: float | None = None, max_rounds: int | None = None,
            public: bool = False, already_selected: Sequence[str] = (),
            progress: Callable[[str, int, int, float], None] | None = None, gamma: float = 1.0,
            target_slack: float = 0.0, pair_weight: float = 0.0) -> Publication:
    """Read the inputs, compute the fair distribution, round it to a uniform lottery of ``m`` quota-exact panels
    and build the undrawn bundle. Raises :class:`InputError` / :class:`InfeasibleQuotasError` (both
    :class:`UserError`) for bad input, before the long solve wherever it can be checked first.

    ``time_limit`` (seconds): stop leximin/maximin early with the best distribution so far; the bundle then records
    ``options.max_rounds`` (the rounds run) so that verify repeats the same stop exactly, and ``partial`` (its
    minimum probability and the proven bound on how far from optimal it is). ``gamma``: the Goldilocks weight
    (recorded in ``options.gamma`` for goldilocks only, so verify repeats it). ``target_slack`` (weighted seats,
    >= 0): how far each soft target's band may widen beyond the tightest reachable one (recorded in
    ``options.target_slack`` when not 0; see :mod:`selection.engine.targets`). ``pair_weight``: maxentropy's
    (recorded in ``options.pair_weight`` when not 0; :mod:`selection.engine.maxentropy_pairs`)."""
    if algorithm not in ALGORITHMS:
        raise InputError(Problem("", 0, "", f"unknown algorithm '{algorithm}'",
                                 f"choose one of {', '.join(ALGORITHMS)}", parameter="algorithm"))
    if m < 1:
        raise InputError(Problem("", 0, "", f"lottery size {m} must be at least 1",
                                 "1000 is usual: three ten-sided dice", parameter="m"))
    if reserves is not None and reserves < 0:
        raise InputError(Problem("", 0, "", f"{reserves} reserves: the list cannot be shorter than empty",
                                 "give 0 or more", parameter="reserves"))
    from selection.inputs import read_pool, read_quotas

    pool = read_pool(pool_path, id_column=id_column, household_columns=list(household))
    original_ids = pool.ids
    pool = public_ids.checked_pool(pool, pool_path, public)
    quotas = read_quotas(quotas_path)
    if target_slack and not (0 <= target_slack < float("inf")):
        raise InputError(Problem("", 0, "", f"target slack {target_slack} must be a number of weighted seats >= 0",
                                 "give 0 or more (0: the tightest reachable bands)", parameter="target_slack"))
    if target_slack and not any(q.target_seats(k) is not None for q in quotas.quotas):
        raise InputError(Problem("", 0, "", f"a target slack is given but {quotas.source} has no soft targets",
                                 "add target and weight columns, or leave the slack out", parameter="target_slack"))
    dropout_column = dropout_column_of(pool, dropout_column)
    dropout = read_dropout(pool, dropout_column) if dropout_column else None
    unknown = set(keep_columns) - set(pool.table.columns)
    if unknown:
        raise InputError(Problem(pool.source, 1, ", ".join(sorted(unknown)), "columns to keep are not in the pool",
                                 "name columns of the pool", parameter="keep_columns"))
    completion = complete.reduce(pool, quotas, k, list(already_selected)) if already_selected else None
    solve_on = (completion.pool, completion.quotas, completion.k) if completion else (pool, quotas, k)
    result = select(*solve_on, algorithm=algorithm, seed=SOLVER_SEED, tol=TOLERANCE,
                    legacy_draws=legacy_draws, progress=progress, time_limit=time_limit, max_rounds=max_rounds,
                    gamma=gamma, target_slack=target_slack, pair_weight=pair_weight)
    partial = result.stats.get("partial")
    lottery = uniform_lottery(result.distribution, m, seed=ROUNDING_SEED)
    if completion:
        lottery = complete.expand(completion, lottery)
    ids = pool.ids
    panels = [[ids[i] for i in p] for p in lottery.panels]
    options = {"k": k, "algorithm": algorithm, "m": m, "household": list(household),
               "id_column": pool.id_column if id_column else None, "legacy_draws": legacy_draws, "tol": TOLERANCE,
               "solver_seed": SOLVER_SEED, "rounding": ROUNDING, "rounding_seed": ROUNDING_SEED,
               "reserves": reserve_length(k, lottery.probabilities, dropout) if reserves is None else reserves,
               "dropout_column": dropout_column, "keep_columns": list(keep_columns),
               "max_rounds": partial["rounds"] if partial else max_rounds, "public_ids": public,
               "already_selected": list(already_selected)}
    if algorithm == "goldilocks":
        options["gamma"] = float(gamma)
    if target_slack:
        options["target_slack"] = float(target_slack)
    if pair_weight:
        options["pair_weight"] = float(pair_weight)
    bundle = bundles.build(
        inputs={"pool": bundles.file_record(pool_path), "quotas": bundles.file_record(quotas_path)},
        options=options,
        probabilities={"ids": list(ids), "target": np.round(lottery.target, 12).tolist(),
                       "lottery": np.round(lottery.probabilities, 12).tolist()},
        rounding={"max_change": round(lottery.max_change, 12) + 1e-12, "mean_change": lottery.mean_change,
                  "moves": lottery.moves, "distinct_panels": int(np.count_nonzero(lottery.copies))},
        lottery={"m": m, "sha256": bundles.commitment(panels), "panels": panels})
    if partial:
        bundle["partial"] = {"min_probability": partial["min_probability"], "bound": partial["bound"],
                             "stages_completed": partial["stages_completed"]}
    problem = completion.problem if completion else result.distribution.problem
    return Publication(result, lottery, bundle, Inputs(pool, quotas, problem),
                       tuple(diagnose.warnings(problem, lottery.target, algorithm)), original_ids)


def choose_reserves(problem: SelectionProblem, panel_idx: np.ndarray, size: int, dropout: np.ndarray | None,
                    text: str, commitment: str) -> tuple[np.ndarray, dict | None]:
    """(ordered reserve list as person indices, comparison dict or None), seeded from the draw's public inputs
    (``text`` as from :func:`draw_text`). With drop-out probabilities the list minimises the expected quota
    shortfall, and a held-out simulation (its own derived seed, common random numbers) says how it compares with
    the plain like-for-like list of the same length."""
    if size <= 0:
        return np.array([], dtype=np.int64), None
    seed = derived_seed(text, commitment, "reserves")
    if dropout is None:
        return plain_reserves(problem, panel_idx, size, seed), None
    aware = dropout_aware_reserves(problem, panel_idx, size, dropout, seed)
    plain = plain_reserves(problem, panel_idx, size, seed)
    test_seed = derived_seed(text, commitment, "reserve-comparison")
    a = simulate_dropouts(problem, panel_idx, aware, dropout, COMPARISON_SCENARIOS, test_seed)
    b = simulate_dropouts(problem, panel_idx, plain, dropout, COMPARISON_SCENARIOS, test_seed)
    return aware, {"scenarios": COMPARISON_SCENARIOS, "dropout_aware": a, "plain": b}


def draw(bundle: dict, inputs: Inputs, seed: str | None = None, number: int | None = None) -> dict:
    """The bundle with its draw and reserves filled in (not sealed). Give exactly one of ``seed`` (the public seed
    text as announced) and ``number`` (drawn by hand, 0..m-1). Raises :class:`DrawError` when already drawn or
    the arguments do not fit."""
    lot = bundle["lottery"]
    if bundle.get("draw") is not None:
        raise DrawError(f"already drawn (panel {bundle['draw']['number']}); a lottery is drawn once")
    if (seed is None) == (number is None):
        raise DrawError("give the public seed text or the number drawn by hand, exactly one of them")
    if seed is not None:
        try:
            text = canonical_seed(seed)
        except ValueError as err:
            raise InputError(Problem("", 0, "", str(err), "give the public seed text as announced",
                                     parameter="seed")) from None
        number = draw_number(text, lot["sha256"], lot["m"])
        record = {"method": "seed", "derivation": DERIVATION, "seed": text, "number": number}
    else:
        if not 0 <= number < lot["m"]:
            raise InputError(Problem("", 0, "", f"{number} is outside 0..{lot['m'] - 1}",
                                     "give the number of a listed panel", parameter="number"))
        text = draw_text(None, number)
        record = {"method": "manual", "derivation": None, "seed": None, "number": number}
    ids = lot["panels"][number]
    panel_idx = inputs.indices(ids)
    opts = bundle["options"]
    dropout = read_dropout(inputs.pool, opts["dropout_column"]) if opts.get("dropout_column") else None
    reserve_idx, comparison = choose_reserves(inputs.problem, panel_idx, int(opts["reserves"]), dropout, text,
                                              lot["sha256"])
    record["panel"] = list(ids)
    record["reserve_seed"] = derived_seed(text, lot["sha256"], "reserves")
    return {**bundle, "draw": record, "reserves": [inputs.pool.ids[i] for i in reserve_idx],
            "reserves_method": "dropout-aware" if dropout is not None else "plain",
            "reserves_comparison": comparison}


def current_panel(bundle: dict) -> tuple[list[str], list[str]]:
    """(panel ids, reserve ids still available) after the bundle's latest step."""
    steps = bundle["steps"]
    if steps:
        return steps[-1]["panel"], steps[-1]["reserves_left"]
    return bundle["draw"]["panel"], bundle["reserves"]


def replace(bundle: dict, inputs: Inputs, dropped: Sequence[str],
            exclude: Sequence[str] = ()) -> tuple[dict, dict, Repair]:
    """Replace ``dropped`` members of the current panel; returns (bundle with the step appended, the step,
    the repair). ``exclude``: ids who cannot be asked (e.g. reserves who declined). Raises :class:`DrawError`
    (not drawn, an id not on the panel or not in the pool)."""
    if bundle["draw"] is None:
        raise DrawError("no panel has been drawn yet; draw it first")
    gone, exclude = list(dict.fromkeys(dropped)), list(dict.fromkeys(exclude))
    if not gone:
        raise DrawError("give the ids of the members who dropped out")
    panel, reserve_ids = current_panel(bundle)
    off = [i for i in gone if i not in panel]
    if off:
        raise DrawError(f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} not on the current panel; check the ids")
    known = set(inputs.pool.ids)
    out_of_pool = [i for i in exclude if i not in known]
    if out_of_pool:
        raise DrawError(f"{', '.join(out_of_pool)} not in {inputs.pool.source}; check the ids to exclude")
    steps = bundle["steps"]
    ever_out = {i for s in steps for i in s["dropped"] + s.get("excluded", [])} | set(exclude)
    result = repair(inputs.problem, inputs.indices(panel), inputs.indices(gone),
                    preference=inputs.indices(reserve_ids), exclude=np.sort(inputs.indices(sorted(ever_out))))
    ids = inputs.pool.ids
    added = [ids[i] for i in result.added]
    step = {"step": len(steps) + 1, "dropped": gone, "excluded": exclude, "added": added,
            "panel": sorted(ids[i] for i in result.panel), "total_deviation": int(result.total_deviation),
            "exact": bool(result.exact), "empty_seats": int(result.empty_seats),
            "deviation": [asdict(d) for d in result.deviation if d.below or d.above],
            "reserves_left": [i for i in reserve_ids if i not in set(added) | ever_out]}
    return {**bundle, "steps": [*steps, step]}, step, result
