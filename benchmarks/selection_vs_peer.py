"""cocreate's sortition engine against the Sortition Foundation's `sortition-algorithms`, in one run.

Reads the instances in ../shared/instances (not shipped with the project; the script says so when it is missing).
Also generates pools with 8 quota categories and shared households (:mod:`benchmarks.pools`: 400, 1,500 and
3,000 people; 10,000 with ``--stretch``) into a temporary folder, and runs them the same way.
Each solve runs in its own process with a wall-clock budget, so an instance that does not finish is reported as
such. Prints per instance and algorithm: both times, the ratio, both minimum probabilities, the largest per-person
probability difference, cocreate's peak memory, and its solver figures: relaxation levels, cut rounds, columns
(panels generated), exact pricing calls, and the certified bound (largest gap between a published probability and
the relaxation's leximin, which no lottery can beat).

    python benchmarks/selection_vs_peer.py [--budget 300] [--only NAME ...] [--algorithms leximin maximin]
        [--no-peer] [--stretch]
"""

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pools  # noqa: E402

INSTANCES = Path(__file__).resolve().parents[1] / ".." / "shared" / "instances"
# name: (pool file, quota file, k, id column, household columns)
TABLE = {
    "opendlp_monitoring_100": ("respondents.csv", "categories.csv", 30, "unique_id", ["address_line_1", "town"]),
    "sa_fixture_150": ("candidates.csv", "features.csv", 22, "nationbuilder_id", ["primary_address1", "primary_zip"]),
    "goelz_small_200": ("respondents.csv", "categories.csv", 20, None, []),
    "syn_n200_k20_f4": ("people.csv", "categories.csv", 20, "id", ["address1", "postcode"]),
    "newdemocracy_hh_29": ("example-people-simple-with-households.csv", "example-categories-simple.csv", 11, "id",
                           ["primary_address1", "primary_zip"]),
    "newdemocracy_300": ("example-people.csv", "example-categories.csv", 20, "id", ["primary_address1", "primary_zip"]),
    "syn_n1000_k60_f5": ("people.csv", "categories.csv", 60, "id", ["address1", "postcode"]),
    "goelz_large_2000": ("respondents.csv", "categories.csv", 200, None, []),
    "syn_n2000_k110_f6": ("people.csv", "categories.csv", 110, "id", ["address1", "postcode"]),
    "syn_n5000_k170_f7": ("people.csv", "categories.csv", 170, "id", ["address1", "postcode"]),
}
GENERATED = {"gen_n400_k40_f8": (400, 40), "gen_n1500_k75_f8": (1500, 75), "gen_n3000_k150_f8": (3000, 150)}
STRETCH = {"gen_n10000_k300_f8": (10000, 300)}
FOLDER = {name: INSTANCES / name for name in TABLE}


def add_generated(names: dict, where: Path) -> None:
    """Write the generated pools under ``where`` and register them like the shared instances."""
    for name, (n, k) in names.items():
        FOLDER[name] = pools.write(where / name, n, k, seed=1)
        TABLE[name] = ("people.csv", "categories.csv", k, "id", ["address1", "postcode"])


def load(name: str, table, folder):
    """(pool, quotas, k) of a registered instance, read as ``cocreate select`` would."""
    from selection import read_pool, read_quotas
    pool_file, quota_file, k, id_col, hh = table[name]
    d = folder[name]
    return read_pool(d / pool_file, id_column=id_col, household_columns=hh or None), read_quotas(d / quota_file), k


def run_cocreate(name: str, algorithm: str, queue, table, folder) -> None:
    from selection import select
    pool, quotas, k = load(name, table, folder)
    t = time.perf_counter()
    res = select(pool, quotas, k, algorithm=algorithm)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (Linux reports KiB)
    queue.put((seconds, dict(res.probabilities), peak, res.stats))


def run_peer(name: str, algorithm: str, queue, table, folder) -> None:
    import csv

    from sortition_algorithms import committee_generation as cg
    from sortition_algorithms import features as sf
    from sortition_algorithms import people as sp
    from sortition_algorithms import settings as ss
    pool_file, quota_file, k, id_col, hh = table[name]
    d = folder[name]
    with open(d / quota_file, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    head = list(rows[0].keys())
    if "category" in head and "feature" in head:  # Flanigan et al. layout, which the peer cannot read as is
        rows = [{"feature": r["category"], "value": r["feature"], "min": r["min"], "max": r["max"]} for r in rows]
        head = ["feature", "value", "min", "max"]
    features = sf.read_in_features(head, rows, k)[0]
    with open(d / pool_file, encoding="utf-8-sig") as fh:
        people_rows = list(csv.DictReader(fh))
    if id_col is None:
        for i, r in enumerate(people_rows, 1):
            r["row_id"] = str(i)
        id_col = "row_id"
    settings = ss.Settings(id_column=id_col, columns_to_keep=[], check_same_address=bool(hh),
                           check_same_address_columns=hh, selection_algorithm=algorithm)
    people, _ = sp.read_in_people(list(people_rows[0].keys()), people_rows, features, settings)
    fn = getattr(cg, f"find_distribution_{algorithm}")
    t = time.perf_counter()
    panels, probs, _ = fn(features, people, k, hh if hh else [])
    seconds = time.perf_counter() - t
    marg: dict[str, float] = {}
    for panel, p in zip(panels, probs, strict=True):
        for pid in panel:
            marg[pid] = marg.get(pid, 0.0) + p
    queue.put((seconds, marg, 0.0, {}))


def timed(target, name, algorithm, budget):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=target, args=(name, algorithm, q, TABLE, FOLDER))
    proc.start()
    proc.join(budget)
    if proc.is_alive():
        proc.kill()
        return None
    return q.get() if not q.empty() else "error"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=300)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--algorithms", nargs="*", default=["leximin"])
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--stretch", action="store_true", help="also the 10,000-person generated pool")
    args = ap.parse_args()
    if not INSTANCES.is_dir():
        print(f"instances folder {INSTANCES} is missing: timing only the generated pools")
        for name in list(TABLE):
            del TABLE[name]
    where = Path(tempfile.mkdtemp(prefix="cocreate-pools-"))
    add_generated({**GENERATED, **(STRETCH if args.stretch else {})}, where)
    try:
        import sortition_algorithms  # noqa: F401
        have_peer = not args.no_peer
    except ImportError:
        print("sortition-algorithms is not installed (pip install -e '.[bench]'); timing cocreate alone")
        have_peer = False
    print(f"{'instance':26} {'algo':8} {'cocreate s':>10} {'peer s':>9} {'ratio':>7} {'min p':>8} {'peer min':>8} "
          f"{'max |dp|':>9} {'GiB':>5} {'levels':>6} {'cuts':>4} {'columns':>7} {'pricing':>7} {'bound':>8}")
    for name in args.only or TABLE:
        for algo in args.algorithms:
            ours = timed(run_cocreate, name, algo, args.budget)
            peer = timed(run_peer, name, algo, args.budget) if have_peer else None
            o_s = f"{ours[0]:.2f}" if isinstance(ours, tuple) else ("timeout" if ours is None else "error")
            p_s = f"{peer[0]:.2f}" if isinstance(peer, tuple) else ("-" if not have_peer else
                                                                   "timeout" if peer is None else "error")
            ratio = f"{peer[0] / ours[0]:.1f}x" if isinstance(ours, tuple) and isinstance(peer, tuple) else "-"
            o_min = f"{min(ours[1].values()):.4f}" if isinstance(ours, tuple) else "-"
            p_min = f"{min(peer[1].get(i, 0.0) for i in ours[1]):.4f}" if isinstance(peer, tuple) and \
                isinstance(ours, tuple) else "-"
            diff = (f"{max(abs(ours[1][i] - peer[1].get(i, 0.0)) for i in ours[1]):.2e}"
                    if isinstance(ours, tuple) and isinstance(peer, tuple) else "-")
            mem = f"{ours[2]:.2f}" if isinstance(ours, tuple) else "-"
            st = ours[3] if isinstance(ours, tuple) else {}
            figures = (f"{st.get('levels', '-'):>6} {st.get('cut_rounds', '-'):>4} {st.get('panels_generated', '-'):>7} "
                       f"{st.get('pricing_calls', '-'):>7} " +
                       (f"{st['certified_tolerance']:8.1e}" if "certified_tolerance" in st else f"{'-':>8}"))
            print(f"{name:26} {algo:8} {o_s:>10} {p_s:>9} {ratio:>7} {o_min:>8} {p_min:>8} {diff:>9} {mem:>5} {figures}",
                  flush=True)


if __name__ == "__main__":
    main()
