"""Goldilocks, minimax and leximin against the published Goldilocks tables (Baharav and Flanigan, EC 2024), and the
manipulation figure per objective.

Reads ``../shared/reference/sortition-data/goldilocks-baharav-flanigan/`` (the published tables) and
``../shared/instances/`` (pools); says so and skips that part when either is missing.

The published (min, max) pairs are ratios to the best achievable: min p / (maximin's min p) and max p / (minimax's
max p) (the paper's code, ``paper_data_plots.py`` ``min_max_table``; not ratios to k/n). Its 9 instances (hd_30,
sf_a_35, sf_c_44, sf_b_20, sf_d_40, mass_24, obf_30, sf_e_110, cca_75) are real pools withheld by their authors, so
the same instances cannot be rerun: our figures are in the same format on the pools we have. gamma_2 and gamma_3 are
the paper's instance-specific weights (``compute_gammas``): gamma_2 = (n/k)^2 (maximin's min)(minimax's max), gamma_3 =
(min over values of seat share / pool share) x (max of the same), with a value's seat share (min+max)/(2k).

    python benchmarks/goldilocks_tables.py [--only NAME ...] [--stretch] [--no-manipulation] [--time-limit 300]
"""

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from selection_vs_peer import FOLDER, TABLE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
PUBLISHED = SHARED / "reference" / "sortition-data" / "goldilocks-baharav-flanigan"
PAPER_INSTANCES = {1: "hd_30", 2: "sf_a_35", 3: "sf_c_44", 4: "sf_b_20", 5: "sf_d_40", 6: "mass_24", 7: "obf_30",
                   8: "sf_e_110", 9: "cca_75"}
DEFAULT = ["goelz_small_200", "newdemocracy_hh_29", "opendlp_monitoring_100", "sa_fixture_150", "syn_n200_k20_f4",
           "newdemocracy_300", "goelz_large_2000"]
STRETCH = ["syn_n1000_k60_f5"]
MANIPULATION = {"goelz_small_200": "exact", "goelz_large_2000": "exact", "sa_fixture_150": "search"}
"""Pools whose manipulation figure is computed (search: the lowest-probability respondent, the paper's report and
every single-feature change; each report is a full solve per objective, about 5 minutes on sa_fixture_150)."""
OBJECTIVES = ("leximin", "maximin", "nash", "minimax", "goldilocks")


def published() -> pd.DataFrame | None:
    """The published (min, max) ratio table with gammas 1, 2, 3, one row per instance, one column pair per algorithm."""
    path = PUBLISHED / "cr_paper_plots" / "tables" / "min_max_table_gammas.csv"
    if not path.is_file():
        return None
    df = pd.read_csv(path)
    out = pd.DataFrame({"instance": [f"{i} {PAPER_INSTANCES.get(i, '?')}" for i in df["Instance"]]})
    names = {"minimax": "minimax", "leximin": "leximin", "true_goldilocks": "GL g1", "true_goldilocks_gamma2": "GL g2",
             "true_goldilocks_gamma3": "GL g3"}
    for col, short in names.items():
        pairs = [tuple(float(v) for v in re.findall(r"[-\d.]+", cell)) for cell in df[col]]
        out[short] = [f"{a:.2f}-{b:.2f}" for a, b in pairs]
    return out


def load(name: str):
    from selection import read_pool, read_quotas

    pool_file, quota_file, k, id_col, hh = TABLE[name]
    d = FOLDER[name]
    return read_pool(d / pool_file, id_column=id_col, household_columns=hh or None), read_quotas(d / quota_file), k


def gamma_3(problem) -> float:
    seats = (problem.lo + problem.hi) / (2.0 * problem.k)
    share = problem.seats_of(np.arange(problem.n)) / problem.n
    ratio = seats[(share > 0) & (seats > 0)] / share[(share > 0) & (seats > 0)]
    return float(ratio.min() * ratio.max())


def ours(name: str, time_limit: float) -> list[dict]:
    """minimax, leximin and Goldilocks at gammas 1, 2, 3 on one pool: (min, max) ratios as published, plus ratios to
    k/n, the objective, the certified gap and the time."""
    from selection import select
    from selection.problem import build_problem

    pool, quotas, k = load(name)
    problem = build_problem(pool, quotas, k)
    fair = k / problem.n
    runs = {}

    def run(label, algorithm, gamma=1.0):
        t = time.perf_counter()
        res = select(pool, quotas, k, algorithm=algorithm, gamma=gamma,
                     time_limit=time_limit if algorithm in ("minimax", "goldilocks") else None)
        runs[label] = (res, time.perf_counter() - t)

    run("minimax", "minimax")
    run("leximin", "leximin")
    lex = runs["leximin"][0].probabilities.to_numpy()
    covered = lex > 1e-9  # leximin gives every person some panel can hold a positive probability
    low = float(lex[covered].min())  # leximin's lowest is the maximin optimum (over those people, as the paper)
    top = float(runs["minimax"][0].probabilities.max())
    gammas = {"GL g1": 1.0, "GL g2": (problem.n / k) ** 2 * low * top, "GL g3": gamma_3(problem)}
    for label, g in gammas.items():
        run(label, "goldilocks", g)
    rows = []
    for label, (res, seconds) in runs.items():
        p = res.probabilities.to_numpy()
        st = res.stats
        rows.append({"instance": name, "n": problem.n, "k": k, "algorithm": label,
                     "gamma": st.get("gamma") if label.startswith("GL") else None,
                     "ratio (min/maximin, max/minimax)": f"{p[covered].min() / low:.2f}-{p.max() / top:.2f}",
                     "min/(k/n)": p[covered].min() / fair, "max/(k/n)": p.max() / fair,
                     "no panel holds": int((~covered).sum()),
                     "objective": st.get("objective", np.nan), "certified gap": st.get("certified_gap", np.nan),
                     "partial": "yes" if "partial" in st else "", "seconds": seconds})
    return rows


def doubly_scarce(copies: int = 1, others: int = 11):
    """The pool of tests/selection/test_manipulation.py: nobody is (x, u), so a (y, v) sits only by claiming it."""
    from selection import Pool, Quota, Quotas

    kinds = ["xv"] * (2 * copies) + ["yu"] * (2 * copies) + ["yv"] * others
    pool = Pool.from_frame(pd.DataFrame({"id": [f"p{i}" for i in range(len(kinds))], "a": [t[0] for t in kinds],
                                         "b": [t[1] for t in kinds]}), id_column="id", source="generated")
    quotas = Quotas.from_rows([Quota("a", "x", 1, 2), Quota("a", "y", 0, 2), Quota("b", "u", 1, 2),
                               Quota("b", "v", 0, 2)], source="generated")
    return pool, quotas, 2


def manipulation_rows(cases: dict) -> list[dict]:
    from selection.engine import manipulation

    rows = []
    for name, (inputs, mode) in cases.items():
        t = time.perf_counter()
        results = manipulation.diagnose(*inputs, objectives=OBJECTIVES, mode=mode, respondents=1)
        seconds = time.perf_counter() - t
        for r in results:
            rows.append({"instance": name, "objective": r.objective, "reached": r.reached, "largest gain": r.gain,
                         "by": r.gain_respondent,
                         "misreported as": ", ".join(f"{f}={v}" for f, v in r.gain_changes.items())[:70],
                         "how": "exact" if r.exact else f"search ({r.tried['respondent'].nunique()} respondents, "
                         f"{len(r.tried)} reports)", "solves": r.solves})
        for row in rows[-len(results):]:
            row["seconds (all objectives)"] = seconds
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--stretch", action="store_true", help=f"also {', '.join(STRETCH)}")
    ap.add_argument("--no-manipulation", action="store_true")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per minimax/goldilocks solve")
    args = ap.parse_args()
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_colwidth", 60)
    table = published()
    if table is None:
        print(f"published tables not found under {PUBLISHED}: skipping the published side")
    else:
        print("Published (Baharav & Flanigan EC 2024, min_max_table_gammas.csv): min p / maximin's min p - "
              "max p / minimax's max p")
        print(table.to_string(index=False))
    if not (SHARED / "instances").is_dir():
        print(f"instances folder {SHARED / 'instances'} is missing: no pools to run")
        names = []
    else:
        names = args.only or DEFAULT + (STRETCH if args.stretch else [])
    rows = []
    for name in names:
        rows += ours(name, args.time_limit)
        print(f"  done {name}", flush=True)
    if rows:
        df = pd.DataFrame(rows)
        print("\nOurs, same format (ratio column) plus ratios to k/n; minima leave out the people no panel can hold (as the paper)")
        print(df.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        wide = df.pivot(index="instance", columns="algorithm", values="ratio (min/maximin, max/minimax)")
        print("\nSide by side with the published layout (ours):")
        print(wide[["minimax", "leximin", "GL g1", "GL g2", "GL g3"]].to_string())
    if args.no_manipulation:
        return
    cases = {"doubly_scarce_15 (generated)": (doubly_scarce(1, 11), "exact"),
             "doubly_scarce_103 (generated)": (doubly_scarce(3, 91), "exact")}
    for name, mode in MANIPULATION.items():
        if name in names or (name in STRETCH and args.stretch) or (not args.only and name in DEFAULT):
            if (SHARED / "instances").is_dir():
                cases[name] = (load(name), mode)
    print("\nManipulation: the largest probability one respondent reaches by misreporting, and the largest gain over "
          "their truthful probability (search = a lower bound; see selection/engine/manipulation.py)")
    print(pd.DataFrame(manipulation_rows(cases)).to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
