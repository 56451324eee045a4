"""The engagement strategies: the one list of their names (`STRATEGIES`) and what each does (`SPECS`).

The scenario schema validates `strategies` against this list, the model runs a strategy by its spec; docs/ODD.md
§3 describes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StrategySpec:
    """What a strategy does: who takes part, what is promised, whether there is a process at all, whether it is
    closed or repeated, and whether stakeholder organisations sit at the table."""

    participation: str | None  # None | "consultation" | "sortition" | "volunteers"
    promise: str | None = None  # name of the engagement.promise_* parameter
    force_ignore: bool = False
    closed: bool = False
    cycles: bool = False
    stakeholders_at_table: bool = True
    process: bool = True  # False: no policy process at all (the world as it would be)


SPECS: dict[str, StrategySpec] = {
    "inform": StrategySpec(None, stakeholders_at_table=False),
    "consult": StrategySpec("consultation", "promise_consult", stakeholders_at_table=False),
    "consult_ignore": StrategySpec("consultation", "promise_consult", force_ignore=True,
                                   stakeholders_at_table=False),
    "cocreate_sortition": StrategySpec("sortition", "promise_cocreate"),
    "cocreate_volunteers": StrategySpec("volunteers", "promise_cocreate"),
    "captured": StrategySpec(None, closed=True, stakeholders_at_table=False),
    "continuous": StrategySpec("sortition", "promise_cocreate", cycles=True),
    "status_quo": StrategySpec(None, stakeholders_at_table=False, process=False),
}

#: Every strategy, in the order runs and reports list them.
STRATEGIES: tuple[str, ...] = tuple(SPECS)
