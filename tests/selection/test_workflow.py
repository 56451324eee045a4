"""The public draw from the library alone: publish -> draw -> verify -> replace without the command line.

The library part runs in a fresh interpreter so that the test can tell nothing of ``cocreate`` (or typer, rich)
was imported; the bundle it wrote must then verify with the command line's ``verify``.
"""

import json
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection.errors import DrawError
from selection.lottery import files, workflow
from tests.selection.test_cli import write_inputs

LIBRARY_ONLY = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from selection.lottery import files, workflow
    from selection.lottery.verify import verify

    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    pool, quotas = folder / "pool.csv", folder / "q.csv"
    pub = workflow.publish(pool, quotas, 10, household=["street"], m=40)
    out.mkdir()
    sealed = files.write_publication(out, pub.bundle)
    drawn = workflow.draw(sealed, pub.inputs, seed="library seed 1 2 3")
    drawn = files.write_draw(out, drawn, pub.inputs)
    _, found, _ = verify(out / "audit.json", pool, quotas)
    gone = drawn["draw"]["panel"][:2]
    inputs = workflow.load_inputs(drawn)
    after, step, result = workflow.replace(drawn, inputs, gone)
    files.write_replacement(out, after, inputs)
    _, found_after, _ = verify(out / "replacement-1" / "audit.json", pool, quotas, recompute=False)
    loaded = sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("cocreate", "typer", "rich"))
    print(json.dumps({"found": found, "found_after": found_after, "loaded": loaded, "gone": gone,
                      "added": step["added"], "deviation": step["total_deviation"]}))
""")


def test_library_alone_publishes_draws_verifies_and_replaces(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "draw"
    done = subprocess.run([sys.executable, "-c", LIBRARY_ONLY, str(tmp_path), str(out)], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["loaded"] == []
    assert report["found"] == [] and report["found_after"] == []
    assert len(report["added"]) == 2 and report["deviation"] == 0
    cli = CliRunner().invoke(app, ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"),
                                   "--quotas", str(tmp_path / "q.csv")])
    assert cli.exit_code == 0 and cli.output.startswith("OK"), cli.output
    cli = CliRunner().invoke(app, ["verify", str(out / "replacement-1" / "audit.json"), "--pool",
                                   str(tmp_path / "pool.csv"), "--quotas", str(tmp_path / "q.csv"), "--quick"])
    assert cli.exit_code == 0, cli.output


def test_workflow_raises_instead_of_exiting(tmp_path):
    write_inputs(tmp_path)
    pub = workflow.publish(tmp_path / "pool.csv", tmp_path / "q.csv", 10, household=["street"], m=20)
    with pytest.raises(DrawError, match="exactly one"):
        workflow.draw(pub.bundle, pub.inputs)
    drawn = workflow.draw(pub.bundle, pub.inputs, number=3)
    assert drawn["draw"]["panel"] == pub.bundle["lottery"]["panels"][3] and pub.bundle["draw"] is None
    with pytest.raises(DrawError, match="already drawn"):
        workflow.draw(drawn, pub.inputs, number=4)
    with pytest.raises(DrawError, match="not on the current panel"):
        workflow.replace(drawn, pub.inputs, ["nobody"])
    out = tmp_path / "out"
    out.mkdir()
    files.write_publication(out, pub.bundle)
    assert sorted(p.name for p in out.iterdir()) == sorted(files.PUBLISHED)
