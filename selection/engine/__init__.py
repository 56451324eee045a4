"""The optimisation engine: from a validated problem to a distribution over quota-exact panels.

``api.select`` is the entry point; one module per objective (``leximin`` with maximin, ``nash``, ``legacy``), the
master LP (``master``), integer pricing (``pricing``), the swap heuristic (``swaps``), relaxation of infeasible
quotas (``relax``), fairness metrics (``metrics``) and the one builder of the panel constraints (``constraints``).
"""

import os
import sys


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner to the C-level stdout when the first model of a process is made, even with
    ``output_flag`` off. Make that first model here, with file descriptor 1 pointed at /dev/null, so no command
    ever shows it (it would land in the middle of progress bars and in piped output)."""
    import highspy

    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


_silence_highs_banner()
