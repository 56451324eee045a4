"""Run every benchmark in turn (each prints its own ratios against a baseline measured in the same run)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script in ("selection_vs_peer.py", "rounding_speed.py", "reserves_dropout.py", "population_speed.py", "sim_speed.py",
               "sweep_efficiency.py"):
    print(f"\n=== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=False)
