"""Sweeps: many seeds x parameter values x strategies of any model, run, stored and analysed.

The machinery knows nothing of the engagement model: a model is any picklable callable
``model(params: dict, strategy: str, seed: int) -> Mapping[str, scalar]`` (`sim.sweep_model.ScenarioModel` is the
engagement model's adapter), and what the analysis should know of its outputs comes in an
`sim.sweep.analysis.OutcomeSpec`. Modules:

- `designs`: swept parameters (`Param`), factorial / Latin hypercube / Sobol designs, the run plan;
- `executors`: where runs execute (in process, a process pool, Dask);
- `runner`: `run_sweep` (plan -> executor -> store, failures as rows, resume), `run_one`;
- `store`: the sweep directory (manifest, Parquet parts written atomically), `read_results`, `load_sweep`;
- `analysis`: paired bootstrap intervals and win rates, Sobol indices, PRIM;
- `plots`, `report`: PNG plots and `analyse_sweep`, every analysis of a sweep directory written to disk.
"""


from selection.errors import UserError


class SweepError(UserError):
    """A sweep cannot start as asked (bad design, an output directory holding another sweep, ...)."""


__all__ = ["SweepError"]
