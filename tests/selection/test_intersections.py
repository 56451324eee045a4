"""Intersectional quotas (pairs of feature values) and soft targets: every algorithm's panels honour them, leximin
with a pair row equals brute force, bad rows are one line, targets move panels toward them, select -> verify."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cocreate.cli import app
from selection import InputError, Pool, Quota, Quotas, build_problem, read_quotas, select
from selection.engine import metrics
from selection.engine.api import ALGORITHMS
from selection.engine.targets import targeted
from tests.selection import brute

runner = CliRunner()


def synthetic_pool(n: int, seed: int) -> Pool:
    """n people with sex (f/m), age (young/mid/old) and education (degree/none); ``degree`` is rarer among the
    young, so that an unconstrained draw often seats few young graduates."""
    rng = np.random.default_rng(seed)
    age = rng.choice(["young", "mid", "old"], size=n, p=[0.3, 0.35, 0.35])
    degree = rng.random(n) < np.where(age == "young", 0.25, 0.5)
    rows = [{"id": f"p{i}", "sex": "fm"[i % 2], "age": a, "edu": "degree" if d else "none"}
            for i, (a, d) in enumerate(zip(age, degree, strict=True))]
    return Pool.from_frame(pd.DataFrame(rows), id_column="id", source="pool.csv")


PLAIN = [("sex", "f", 4, 6), ("sex", "m", 4, 6), ("age", "young", 2, 4), ("age", "mid", 2, 4), ("age", "old", 2, 4),
         ("edu", "degree", 3, 7), ("edu", "none", 3, 7)]


def quotas(*extra, plain=PLAIN) -> Quotas:
    return Quotas.from_rows([Quota(*q) for q in plain] + list(extra), source="quotas.csv")


def panel_seats(result) -> np.ndarray:
    """(panels, F) seats of every panel of the distribution, and of the drawn panel (last row)."""
    dist = result.distribution
    problem = dist.problem
    if dist.person_panels is not None:
        rows = [problem.seats_of(p) for p in dist.person_panels]
    else:
        rows = list(dist.type_panels @ problem.type_matrix().T)
    return np.array(rows + [problem.seats_of(result.panel_index)])


def all_feasible(result, problem) -> bool:
    """Every panel of the distribution (expanded to people as a draw would) and the drawn one meet ``problem``."""
    dist = result.distribution
    panels = list(dist.person_panels) if dist.person_panels is not None else [dist.draw(s) for s in range(30)]
    return all(problem.is_feasible_panel(p) for p in [*panels, result.panel_index])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_pair_quotas_hold_in_every_panel_of_every_algorithm(algorithm):
    pool = synthetic_pool(60, seed=1)
    pair = Quota("age x edu", "young x degree", 3, 3)
    free = select(pool, quotas(), 10, algorithm="leximin")
    assert free.distribution.problem.type_matrix().shape[0] == len(PLAIN)
    # the pair row binds: without it, leximin's panels seat young graduates (rows 2 and 5) in other numbers than 3
    held = free.distribution.problem.person_rows[:, [2, 5]].all(axis=1)
    counts = {int(held[p].sum()) for p in [free.distribution.draw(s) for s in range(40)]}
    assert counts - {3}, counts
    result = select(pool, quotas(pair), 10, algorithm=algorithm, legacy_draws=200)
    problem = result.distribution.problem
    assert problem.quota_rows[-1].parts == (("age", "young"), ("edu", "degree"))
    seats = panel_seats(result)
    assert np.all(seats[:, -1] == 3), sorted(set(seats[:, -1]))
    assert np.all(seats >= problem.lo) and np.all(seats <= problem.hi)
    assert all_feasible(result, problem)
    assert abs(result.probabilities.sum() - 10) < 1e-6
    assert result.metrics["quotas"][-1]["feature"] == "age x edu" and result.metrics["quotas"][-1]["met"]


@st.composite
def tiny(draw):
    n = draw(st.integers(6, 9))
    k = draw(st.integers(2, 4))
    sex = draw(st.lists(st.sampled_from("fm"), min_size=n, max_size=n))
    age = draw(st.lists(st.sampled_from("yo"), min_size=n, max_size=n))
    rows = [{"id": f"p{i}", "sex": sex[i], "age": age[i]} for i in range(n)]
    rows_q = []
    for feat, vals in (("sex", sex), ("age", age)):
        for v in sorted(set(vals)):
            lo = draw(st.integers(0, min(vals.count(v), k)))
            rows_q.append(Quota(feat, v, lo, draw(st.integers(lo, k))))
    s, a = draw(st.sampled_from(sorted(set(sex)))), draw(st.sampled_from(sorted(set(age))))
    lo = draw(st.integers(0, k))
    rows_q.append(Quota("sex x age", f"{s} x {a}", lo, draw(st.integers(lo, k))))
    return Pool.from_frame(pd.DataFrame(rows), id_column="id"), Quotas.from_rows(rows_q), k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(tiny())
def test_leximin_with_a_pair_row_equals_brute_force(inst):
    pool, qs, k = inst
    try:
        problem = build_problem(pool, qs, k)
    except InputError:
        assume(False)
    panels = brute.feasible_panels(problem)
    assume(panels)
    # the brute force enumerates panels with the pair row checked person by person, independently of the types
    pair = qs.pairs[0]
    (fa, va), (fb, vb) = pair.parts
    has = (pool.table[fa] == va) & (pool.table[fb] == vb)
    assert all(pair.min <= int(has.iloc[list(c)].sum()) <= pair.max for c in panels)
    result = select(pool, qs, k)
    assert np.allclose(result.probabilities.to_numpy(), brute.leximin(problem), atol=1e-6)
    assert np.all(panel_seats(result)[:, -1] >= pair.min) and np.all(panel_seats(result)[:, -1] <= pair.max)


BAD_ROWS = [
    ("age x edu,young x degre,1,3", "value", "is not a value of edu"),
    ("age x educ,young x degree,1,3", "feature", "has no rows of its own"),
    ("age x edu x sex,young x degree x f,1,3", "feature", "is not a pair of two features"),
    ("age x edu,young,1,3", "value", "does not give one value for each"),
    ("age x age,young x old,1,3", "feature", "twice"),
    ("edu x age,degree x young,1,3", "value", "appears twice"),  # the same pair as row 9, written the other way
]


@pytest.mark.parametrize("row,column,words", BAD_ROWS)
def test_a_bad_pair_row_is_one_line_naming_file_row_and_column(tmp_path, row, column, words):
    lines = ["feature,value,min,max", *[",".join(map(str, q)) for q in PLAIN], "age x edu,young x degree,1,3", row]
    (tmp_path / "q.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_quotas(tmp_path / "q.csv")
    assert len(err.value.lines()) == 1
    line = err.value.lines()[0]
    assert line.startswith(f"q.csv, row 10, column '{column}': ") and words in line and "; " in line, line


def test_bad_pair_row_at_the_command_line_is_one_line_without_traceback(tmp_path):
    pool = synthetic_pool(40, seed=2)
    pool.table.to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "q.csv").write_text("feature,value,min,max\n" + "".join(",".join(map(str, q)) + "\n" for q in PLAIN)
                                    + "age × edu,young × Degre,1,3\n")
    res = runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                              "--out", str(tmp_path / "out")])
    assert res.exit_code != 0
    text = [ln for ln in res.output.splitlines() if ln.strip()]
    assert text == ["error: q.csv, row 9, column 'value': 'Degre' is not a value of edu (its values: degree, none); "
                    "correct the value"], res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("cells,column,words", [
    ("abc,1", "target", "is not a number of seats or a share"), ("-2,1", "target", "is not a number"),
    ("3,-1", "weight", "is not a number of 0 or more"), (",2", "weight", "a weight without a target"),
    ("140%,1", "target", "outside 0%-100%")])
def test_bad_target_cells_are_one_line(tmp_path, cells, column, words):
    (tmp_path / "q.csv").write_text("feature,value,min,max,target,weight\nsex,f,1,3,,\nsex,m,1,3," + cells + "\n")
    with pytest.raises(InputError) as err:
        read_quotas(tmp_path / "q.csv")
    assert len(err.value.lines()) == 1
    assert err.value.lines()[0].startswith(f"q.csv, row 3, column '{column}': ") and words in err.value.lines()[0]


def test_infeasible_pair_quota_gets_the_smallest_relaxation():
    from selection.errors import InfeasibleQuotasError

    pool = synthetic_pool(60, seed=1)
    # young at most 2, yet 3 young graduates wanted: one seat must move, on either row
    plain = [q if q[1] != "young" else ("age", "young", 1, 2) for q in PLAIN]
    with pytest.raises(InfeasibleQuotasError) as err:
        select(pool, quotas(Quota("age x edu", "young x degree", 3, 4), plain=plain), 10)
    (change,) = err.value.suggestions
    assert change in [("age", "young", 1, 2, 1, 3), ("age x edu", "young x degree", 3, 4, 2, 4)]
    assert "quotas.csv: no panel of 10 meets these quotas" in str(err.value) and "\n" not in str(err.value)
    from selection.check import check

    found = check(pool, quotas(Quota("age x edu", "young x degree", 3, 4), plain=plain), 10)
    assert not found.feasible and found.suggestions == [change]
    ok = check(pool, quotas(Quota("age x edu", "young x degree", 1, 3)), 10)
    row = ok.table.iloc[-1]
    assert ok.feasible and row["feature"] == "age x edu" and 1 <= row["fewest"] <= row["most"] <= 3
    have = ((pool.table["age"] == "young") & (pool.table["edu"] == "degree")).sum()
    assert row["pool_count"] == have


def deviation(result, hard) -> tuple[float, float]:
    """(expected weighted deviation of the lottery, worst weighted deviation of any of its panels) from the
    targets of ``hard`` (the problem with the file's hard quotas)."""
    seats = panel_seats(result)
    worst = max(metrics.weighted_deviation(hard, s) for s in seats)
    return metrics.expected_deviation(hard, result.probabilities.to_numpy()), worst


@pytest.mark.parametrize("seed", [3, 4, 5])
@pytest.mark.parametrize("algorithm", ["leximin", "nash", "legacy"])
def test_soft_targets_move_panels_toward_them_without_breaking_hard_quotas(seed, algorithm):
    pool = synthetic_pool(60, seed=seed)
    rng = np.random.default_rng(seed)
    # targets at one end of each row's quota range, so a fair lottery left alone spreads over the range
    chosen = [("sex", "f", 6.0, 1.0), ("age", "old", 2.0, float(rng.integers(1, 4))),
              ("edu", "degree", 7.0, 1.0), ("age x edu", "young x degree", 0.0, 2.0)]
    spec = {(f, v): (t, w) for f, v, t, w in chosen}
    rows = [Quota(f, v, lo, hi, target=spec.get((f, v), (None,))[0], weight=spec.get((f, v), (0, 1.0))[1])
            for f, v, lo, hi in PLAIN]
    with_targets = Quotas.from_rows(rows + [Quota("age x edu", "young x degree", 0, 3, target=0.0, weight=2.0)])
    without = Quotas.from_rows([Quota(*q) for q in PLAIN] + [Quota("age x edu", "young x degree", 0, 3)])
    hard = build_problem(pool, with_targets, 10)
    assert len(targeted(hard)) == 4
    a = select(pool, without, 10, algorithm=algorithm, legacy_draws=80, seed=seed)
    b = select(pool, with_targets, 10, algorithm=algorithm, legacy_draws=80, seed=seed)
    (ea, wa), (eb, wb) = deviation(a, hard), deviation(b, hard)
    assert eb < ea - 0.5 and wb <= wa, (ea, eb, wa, wb)
    assert all_feasible(b, hard)  # every panel meets the hard quotas
    bands = b.stats["targets"]
    seats = panel_seats(b)
    for entry, (f, t, w) in zip(bands, targeted(hard), strict=True):
        lo, hi = entry["band"]
        assert np.all(seats[:, f] >= lo) and np.all(seats[:, f] <= hi)
        assert lo <= hi and max(w * abs(s - t) for s in range(lo, hi + 1)) <= entry["level"] + 1e-9
    # slack gives the fair objectives room: never less fair, never closer to the targets
    c = select(pool, with_targets, 10, algorithm=algorithm, legacy_draws=80, seed=seed, target_slack=2.0)
    assert all(lo2 <= lo and hi2 >= hi for (lo, hi), (lo2, hi2) in
               zip((e["band"] for e in bands), (e["band"] for e in c.stats["targets"]), strict=True))
    if algorithm == "leximin":
        assert c.probabilities.min() >= b.probabilities.min() - 1e-6


def test_a_heavier_weight_pulls_its_row_closer():
    """Two targets that cannot both be met (female 8 and male 8 of 10 seats): the heavier one wins seats."""
    pool = synthetic_pool(40, seed=6)
    seats_f = []
    for weight in (1.0, 3.0, 9.0):
        qs = Quotas.from_rows([Quota("sex", "f", 2, 8, target=8.0, weight=weight),
                               Quota("sex", "m", 2, 8, target=8.0, weight=1.0),
                               Quota("age", "young", 0, 10), Quota("age", "mid", 0, 10), Quota("age", "old", 0, 10)])
        r = select(pool, qs, 10)
        s = panel_seats(r)[:, 0]
        assert len(set(s)) == 1
        seats_f.append(int(s[0]))
    assert seats_f == sorted(seats_f) and seats_f[0] == 5 and seats_f[-1] > seats_f[0], seats_f


def write_inputs(folder, seed: int, extra_rows: str) -> Pool:
    """pool.csv (a synthetic pool of 50) and q.csv (the plain quotas plus ``extra_rows``, with target and weight
    columns) in ``folder``."""
    pool = synthetic_pool(50, seed=seed)
    pool.table.to_csv(folder / "pool.csv", index=False)
    (folder / "q.csv").write_text("feature,value,min,max,target,weight\n"
                                  + "".join(",".join(map(str, q)) + ",,\n" for q in PLAIN) + extra_rows)
    return pool


def test_select_with_a_pair_quota_and_a_target_verifies(tmp_path):
    pool = write_inputs(tmp_path, 7, "age x edu,young x degree,2,3,,\nsex × age,f × old,1,3,30%,1\n")
    out = tmp_path / "run"
    res = runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                              "--out", str(out), "-m", "30"])
    assert res.exit_code == 0, res.output
    bundle = json.loads((out / "audit.json").read_text())
    problem = build_problem(pool, read_quotas(tmp_path / "q.csv"), 10)
    index = {pid: i for i, pid in enumerate(pool.ids)}
    for panel in bundle["lottery"]["panels"]:
        seats = problem.seats_of(np.array([index[p] for p in panel]))
        assert 2 <= seats[-2] <= 3 and seats[-1] == 3  # 30% of 10 seats, reachable within the hard quotas
        assert problem.is_feasible_panel(np.array([index[p] for p in panel]))
    res = runner.invoke(app, ["draw", str(out), "--seed", "lotto 2026-12-02: 5 6 7"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"), "--quotas",
                              str(tmp_path / "q.csv"), "--seed", "lotto 2026-12-02: 5 6 7"])
    assert res.exit_code == 0 and res.output.startswith("OK"), res.output


def test_target_slack_from_the_cli_is_recorded_and_verify_recomputes_it(tmp_path):
    write_inputs(tmp_path, 8, "age x edu,young x degree,0,4,4,1\n")
    out = tmp_path / "run"
    args = ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10", "-m", "30",
            "--compare-draws", "0"]
    res = runner.invoke(app, [*args, "--out", str(out), "--target-slack", "1.5"])
    assert res.exit_code == 0, res.output
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["options"]["target_slack"] == 1.5
    assert json.loads((out / "summary.json").read_text())["stats"]["target_slack"] == 1.5
    check = ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"), "--quotas",
             str(tmp_path / "q.csv")]
    ok = runner.invoke(app, check)
    assert ok.exit_code == 0 and "a fresh computation gives the same lottery" in ok.output, ok.output
    tight = runner.invoke(app, [*args, "--out", str(tmp_path / "tight")])  # slack 0 gives a narrower band
    assert tight.exit_code == 0, tight.output
    bands = [json.loads((d / "summary.json").read_text())["stats"]["targets"][0]["band"] for d in (out, tmp_path / "tight")]
    assert bands[1][1] - bands[1][0] <= bands[0][1] - bands[0][0] and bands[0] != bands[1]
    bundle["options"]["target_slack"] = 0.0  # the recorded slack is what verify repeats: changing it is noticed
    (out / "audit.json").write_text(json.dumps(bundle))
    assert runner.invoke(app, check).exit_code != 0
    for bad, words in (("-1", "must be a number"), ("inf", "must be a number")):
        wrong = runner.invoke(app, [*args, "--out", str(tmp_path / "bad"), "--target-slack", bad])
        assert wrong.exit_code == 2 and words in wrong.output and "Traceback" not in wrong.output
    (tmp_path / "plain.csv").write_text("feature,value,min,max\n" + "".join(",".join(map(str, q)) + "\n" for q in PLAIN))
    wrong = runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "plain.csv"), "--size", "10",
                                "--out", str(tmp_path / "bad2"), "--target-slack", "1"])
    assert wrong.exit_code == 2 and "no soft targets" in wrong.output and "Traceback" not in wrong.output


@pytest.mark.parametrize("kind", ["uniform", "maxentropy"])
def test_swap_chains_keep_pair_quotas(kind):
    """The Metropolis swap chains (the sampler of max-entropy and uniform on real pools) count intersectional rows
    too: every sampled panel meets the pair quota (they once checked plain rows only)."""
    from selection.engine import maxentropy

    pool = synthetic_pool(60, seed=1)
    problem = build_problem(pool, quotas(Quota("age x edu", "young x degree", 3, 3)), 10)
    x, lam, _, stats = maxentropy.solve(problem, kind=kind, draws=200, method="chains", listing=False)
    assert "chains" in stats["method"]
    seats = x @ problem.type_matrix().T
    assert np.all(seats[:, -1] == 3) and np.all((seats >= problem.lo) & (seats <= problem.hi))
