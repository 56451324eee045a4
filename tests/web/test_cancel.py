"""Cancel a long run: a leximin solve over a few thousand types (minutes of work) is stopped by the cancel button
within seconds, its worker process is gone, and the page recovers: the next computation runs to its result."""

import time

import numpy as np
import pandas as pd
import psutil

from tests.web.conftest import DATA, shoot, upload


def long_instance(folder, n: int = 1500, k: int = 80):
    """A pool of ``n`` over six features (3,600 types) with quotas within 10% of proportional: leximin takes
    minutes on it."""
    rng = np.random.default_rng(7)
    cols, rows = {"id": [f"P{i:05d}" for i in range(n)]}, []
    for f, m in {"f1": 5, "f2": 5, "f3": 4, "f4": 4, "f5": 3, "f6": 3}.items():
        vals = rng.choice(m, size=n, p=rng.dirichlet(np.ones(m) * 2))
        cols[f] = [f"{f}v{v}" for v in vals]
        rows += [(f, f"{f}v{v}", int(np.floor(k * (vals == v).mean() * 0.9)),
                  int(np.ceil(k * (vals == v).mean() * 1.1))) for v in range(m)]
    pd.DataFrame(cols).to_csv(folder / "big_pool.csv", index=False)
    pd.DataFrame(rows, columns=["feature", "value", "min", "max"]).to_csv(folder / "big_quotas.csv", index=False)
    (folder / "cocreate.toml").write_text(f"size = {k}\n", encoding="utf-8")
    return folder / "big_pool.csv", folder / "big_quotas.csv", folder / "cocreate.toml"


def workers(server) -> list[psutil.Process]:
    """The job workers: processes forked by the server's forkserver (grandchildren of the server)."""
    top = psutil.Process(server.proc.pid)
    return [p for c in top.children() for p in c.children()]


def test_cancel_a_long_run_and_recover(page, server, tmp_path):
    pool, quotas, settings = long_instance(tmp_path)
    page.goto(server.url + "/")
    upload(page, "upload-pool", pool)
    upload(page, "upload-quotas", quotas)
    upload(page, "upload-settings", settings)
    page.wait_for_selector(".settings-said >> text=size 80")
    page.wait_for_selector(".uploaded-quotas >> text=big_quotas.csv")
    page.click(".run-compute")
    page.wait_for_selector(".cocreate-job .cancel")
    deadline = time.monotonic() + 30
    while not workers(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers(server), "no worker process runs the job"
    page.wait_for_timeout(3000)
    assert page.locator(".cocreate-job").count() == 1  # still running 3 s into the solve
    shoot(page, tmp_path, "draw-page-running.png")
    page.click(".cocreate-job .cancel")
    page.wait_for_selector(".cancelled", timeout=10_000)  # the solve alone runs far longer
    deadline = time.monotonic() + 10
    while workers(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not workers(server), "the worker still runs after the cancel"
    assert page.locator(".quota-table").count() == 0  # nothing of the cancelled run is shown
    shoot(page, tmp_path, "draw-page-cancelled.png")

    # the page recovers: other files, a computation to its end
    (tmp_path / "cocreate.toml").write_text("size = 30\n", encoding="utf-8")
    upload(page, "upload-pool", DATA / "example_pool.csv")
    upload(page, "upload-quotas", DATA / "example_quotas.csv")
    upload(page, "upload-settings", tmp_path / "cocreate.toml")
    page.wait_for_selector(".settings-said >> text=size 30")
    page.wait_for_selector(".uploaded-quotas >> text=example_quotas.csv")
    page.click(".run-compute")
    page.wait_for_selector(".quota-table", timeout=120_000)
    assert page.locator(".cancelled").count() == 0
