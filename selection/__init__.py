"""cocreate's sortition engine: fair, quota-exact panels from a pool of respondents.

Usable on its own (it knows nothing of the simulation)::

    from selection import read_pool, read_quotas, select
    result = select(read_pool("pool.csv"), read_quotas("quotas.csv"), k=30)
"""

from selection.engine.api import ALGORITHMS, PanelDistribution, SelectionResult, select
from selection.errors import InfeasibleQuotasError, InputError, Problem
from selection.inputs import read_pool, read_quotas, read_table
from selection.problem import SelectionProblem, build_problem
from selection.records import Pool, Quota, Quotas

__all__ = [
    "ALGORITHMS", "InfeasibleQuotasError", "InputError", "PanelDistribution", "Pool", "Problem", "Quota", "Quotas",
    "SelectionProblem", "SelectionResult", "build_problem", "read_pool", "read_quotas", "read_table", "select",
]
