"""The web app (``cocreate serve``): four pages in one Solara app, each a component of its own module.

- ``/``: draw a panel (:mod:`cocreate.web.draw_page`);
- ``/verify``: check a draw (:mod:`cocreate.web.verify_page`);
- ``/explore``: explore a scenario over seeds (:mod:`cocreate.web.explore_page`);
- ``/one-run``: one run stepping week by week in Mesa's SolaraViz (:mod:`cocreate.web.one_run_page`).

Every browser session has its own state (Solara's reactive values are per session), its own temporary folder and
its own jobs, all removed when it ends.
"""

import solara

from cocreate.web.draw_page import DrawPage
from cocreate.web.explore_page import ExplorePage
from cocreate.web.one_run_page import OneRunPage
from cocreate.web.verify_page import VerifyPage
from cocreate.web.widgets import STYLE


def _page(component, title: str):
    @solara.component
    def Page():
        solara.Title(f"cocreate: {title}")
        solara.Style(STYLE)
        component()

    return Page


@solara.component
def Layout(children=[]):  # noqa: B006 - solara's children idiom
    """Solara's app layout, the pages as tabs under the title (named by their labels); a sidebar only for a
    page that brings one (SolaraViz's controls)."""
    route, routes = solara.use_route()
    router = solara.use_router()
    index = routes.index(route) if route in routes else 0

    def go(i: int) -> None:
        router.push(solara.resolve_path(routes[i], level=0))

    with solara.AppLayout(title="cocreate", children=children) as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=go, align="center"):
                for r in routes:
                    solara.lab.Tab(r.label)
    return main


routes = [
    solara.Route(path="/", component=_page(DrawPage, "draw a panel"), label="Draw a panel",
                 layout=Layout),
    solara.Route(path="verify", component=_page(VerifyPage, "verify a draw"), label="Verify a draw"),
    solara.Route(path="explore", component=_page(ExplorePage, "explore a scenario"), label="Explore a scenario"),
    solara.Route(path="one-run", component=_page(OneRunPage, "one run, week by week"), label="One run, week by week"),
]
