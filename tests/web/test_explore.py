"""Explore a scenario in the browser: sliders with the schema's ranges, a run of several strategies over seeds in the
background renders its plots and table, and the channel decomposition of the trust change; one run steps week by week in Mesa's SolaraViz."""

from tests.web.conftest import shoot


def test_a_scenario_run_renders_its_plot(page, server, tmp_path):
    page.goto(server.url + "/explore")
    page.wait_for_selector("text=Knobs (ranges from the scenario schema)")
    assert page.locator(".knob").count() >= 8
    assert page.get_by_text("engagement.transparency (share): 0.7").count() == 1  # the case's value
    page.locator(".v-input", has_text="Seeds").first.locator("[role=slider]").press("Home")  # 2 seeds
    page.click(".run-scenario")
    page.wait_for_selector(".runs-done", timeout=120_000)
    plot = page.locator("img.scenario-plot")
    assert plot.count() == 1
    size = plot.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size[0] and size[1] > 800 and size[2] > 200, size
    assert page.locator("img.scenario-summary").count() == 1
    table = page.inner_text(".scenario-table")
    for strategy in ("inform", "consult_ignore", "cocreate_sortition", "cocreate_volunteers"):
        assert strategy in table
    assert "8 runs" in page.inner_text(".runs-done")  # 4 strategies x 2 seeds
    page.click(".run-channels")
    page.wait_for_selector("img.channel-plot", timeout=120_000)
    shoot(page, tmp_path, "web-explore.png", readme=True, readme_height=2000)


def test_one_run_steps_week_by_week_in_solaraviz(page, server, tmp_path):
    page.goto(server.url + "/one-run")
    page.wait_for_selector(".week-line")
    assert "week 0 of" in page.inner_text(".week-line")
    page.get_by_role("button", name="Step").click()
    page.wait_for_selector(".week-line >> text=week 1 of")
    page.get_by_role("button", name="Step").click()
    page.wait_for_selector(".week-line >> text=week 2 of")
    shoot(page, tmp_path, "one-run-page.png")
