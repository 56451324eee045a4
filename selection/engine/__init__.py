"""The optimisation engine: from a validated problem to a distribution over quota-exact panels.

``api.select`` is the entry point; one module per objective (``leximin`` with maximin, ``nash``, ``legacy``), the
master LP (``master``), integer pricing (``pricing``), the swap heuristic (``swaps``), relaxation of infeasible
quotas (``relax``), fairness metrics (``metrics``) and the one builder of the panel constraints (``constraints``).
"""
