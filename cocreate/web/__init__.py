"""The web app of `cocreate serve` (Solara, Mesa's UI stack): draw a panel, verify a draw, explore a scenario.

Modules: :mod:`~cocreate.web.server` (starting it), :mod:`~cocreate.web.app` (the pages), one module per page
(:mod:`~cocreate.web.draw_page`, :mod:`~cocreate.web.verify_page`, :mod:`~cocreate.web.explore_page`,
:mod:`~cocreate.web.one_run_page`), :mod:`~cocreate.web.uploads` (capped uploads in a per-session temporary folder),
:mod:`~cocreate.web.jobs` (cancellable computations in worker processes), :mod:`~cocreate.web.work` (what the jobs
compute, with the library functions the CLI calls) and :mod:`~cocreate.web.widgets` (shared pieces).
"""
