"""The web app's parts without a browser: upload names and the size cap, cancellable jobs, sliders from the scenario
schema, and the jobs' computations equal the library's."""

import time

import pytest

from cocreate.web import jobs, uploads, work
from cocreate.web.explore_page import cases, knob, knobs
from selection.errors import InputError, Problem
from selection.lottery import workflow
from tests.web.conftest import DATA


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "finished"


def refuse() -> None:
    raise InputError(Problem("pool.csv", 7, "age", "'x' is not a value of age", "use one of the quota values"))


@pytest.mark.parametrize(("given", "saved"), [
    ("pool.csv", "pool.csv"), ("../../etc/passwd", "passwd"), ("C:\\Users\\me\\pool.xlsx", "pool.xlsx"),
    ("pool<script>.csv", "pool_script_.csv"), ("..", "upload"), ("résumé 2026.csv", "résumé 2026.csv")])
def test_an_upload_keeps_only_a_safe_name(given, saved):
    assert uploads.safe_name(given) == saved


def test_the_size_cap():
    assert uploads.too_large(10 * 1024 * 1024, 50) is None
    message = uploads.too_large(60 * 1024 * 1024, 50)
    assert "60.0 MB" in message and "limited to 50 MB" in message and "--max-upload-mb" in message


def test_a_job_returns_raises_and_is_cancelled():
    assert jobs.Job(slow, {"seconds": 0.01}).run() == "finished"
    with pytest.raises(InputError) as err:
        jobs.Job(refuse, {}).run()
    assert err.value.problems[0].row == 7  # the user's problem crosses the process boundary whole
    job = jobs.Job(slow, {"seconds": 60})
    import threading

    threading.Timer(1.0, job.cancel).start()
    with pytest.raises(jobs.Cancelled):  # a cancel that were ignored would return "finished" after 60 s
        job.run()
    assert not job._process.is_alive()


def test_sliders_take_the_schema_ranges():
    k = knob("engagement.transparency")
    assert (k.lo, k.hi, k.unit, k.whole) == (0.0, 1.0, "share", False)
    size = knob("engagement.panel_size", 6, 200)
    assert (size.lo, size.hi, size.whole) == (6, 200, True)
    assert all(k.lo < k.hi for k in knobs())
    assert "baseline" in cases()


def test_the_computation_is_the_librarys():
    pool, quotas = DATA / "example_pool.csv", DATA / "example_quotas.csv"
    pub, legacy = work.compute(str(pool), str(quotas), 30, "leximin", [], None, 1000, compare_draws=20)
    assert pub.bundle["lottery"]["sha256"] == workflow.publish(pool, quotas, 30).bundle["lottery"]["sha256"]
    assert set(legacy) >= {"min_probability", "gini"}
    result = work.check_inputs(str(pool), str(quotas), 30, [], None)
    assert result.feasible and len(result.table) == 12
