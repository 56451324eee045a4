"""Verify a draw: upload the audit bundle and the two input files (and any published files), optionally the public
seed and the commitment announced before the draw, and see OK or each mismatch. It runs
:func:`selection.lottery.verify.verify`, what ``cocreate verify`` runs, as a cancellable job."""

import threading
from dataclasses import dataclass, field, replace

import solara

from cocreate.web import jobs, uploads, work
from cocreate.web.widgets import JobProgress, Problems
from selection.lottery import files
from selection.lottery.verify import verdict

PUBLISHED = tuple(n for n in (*files.PUBLISHED, *files.DRAWN) if n != "audit.json")


@dataclass(frozen=True)
class Given:
    uploads: dict = field(default_factory=dict)  # slot -> Upload
    problems: dict = field(default_factory=dict)


given = solara.reactive(Given())
verify_job = solara.reactive(jobs.JobState())


_CHANGING = threading.Lock()  # uploads arrive in threads: one change at a time


def on_upload(slot: str, upload: uploads.Upload) -> None:
    with _CHANGING:
        g = given.value
        given.set(replace(g, uploads={**g.uploads, slot: upload},
                          problems={k: v for k, v in g.problems.items() if k != slot}))
    verify_job.set(jobs.JobState())


def on_error(slot: str, message: str) -> None:
    with _CHANGING:
        g = given.value
        given.set(replace(g, problems={**g.problems, slot: (message,)}))


def run(seed: str, commitment: str, recompute: bool) -> None:
    g = given.value
    jobs.start(verify_job, work.verify_bundle, {
        "bundle_path": str(g.uploads["bundle"].path), "pool_path": str(g.uploads["pool"].path),
        "quotas_path": str(g.uploads["quotas"].path), "seed": seed.strip() or None,
        "commitment": commitment.strip() or None, "recompute": recompute})


def verdict_line(result, commitment: str, recompute: bool) -> str:
    """The OK line, as `cocreate verify` prints it."""
    data, _, unchecked = result
    return "; ".join(verdict(data, unchecked, recomputed=recompute, committed=bool(commitment.strip())))


@solara.component
def VerifyPage():
    g = given.value
    seed, set_seed = solara.use_state("")
    commitment, set_commitment = solara.use_state("")
    recompute, set_recompute = solara.use_state(True)
    state = verify_job.value
    with solara.Column(classes=["verify-page"]):
        solara.HTML(tag="h1", unsafe_innerHTML="Verify a draw")
        solara.Text("Anyone with the audit bundle and the two input files can check that the published files follow "
                    "from the inputs and the seed by the documented steps (docs/draw.md).")
        slots = [("bundle", "Audit bundle (audit.json)", ".json", "audit.json"),
                 ("pool", "Pool the draw used", ".csv,.tsv,.txt,.xlsx", None),
                 ("quotas", "Quotas the draw used", ".csv,.tsv,.txt,.xlsx", None)]
        for slot, label, accept, name in slots:
            with solara.Div(classes=[f"upload-{slot}"]):  # one box per file: the page keeps its shape as files come
                uploads.FileChooser(label=label, slot=f"verify-{slot}", accept=accept, name=name,
                                    exclusive=slot != "bundle", on_upload=lambda u, s=slot: on_upload(s, u),
                                    on_error=lambda m, s=slot: on_error(s, m))
                if slot in g.uploads:
                    solara.Text(f"{g.uploads[slot].name}: {g.uploads[slot].size:,} bytes",
                                classes=[f"uploaded-{slot}"])
                Problems(g.problems.get(slot, ()))
        solara.Text("Published files to check too (optional, any of " + ", ".join(PUBLISHED) + "): each is "
                    "compared byte for byte with a fresh rendering.")
        with solara.Row(style={"flex-wrap": "wrap"}):
            for name in PUBLISHED:
                # saved beside the bundle, under its own name, where verify looks for it
                with solara.Div(classes=[f"upload-{name.replace('.', '-')}"]):
                    uploads.FileChooser(label=name, slot="verify-bundle", accept="." + name.rsplit(".", 1)[1],
                                        name=name, exclusive=False,
                                        on_upload=lambda u, n=name: on_upload(f"file:{n}", u),
                                        on_error=lambda m, n=name: on_error(f"file:{n}", m))
                    if f"file:{name}" in g.uploads:
                        solara.Text("given", classes=[f"uploaded-{name.replace('.', '-')}"])
        solara.InputText("Public seed as announced (optional)", value=seed, on_value=set_seed,
                         continuous_update=True)
        solara.InputText("Commitment announced before the draw (optional)", value=commitment,
                         on_value=set_commitment, continuous_update=True)
        solara.Checkbox(label="Run the selection again (slower; checks the same code gives the same lottery)",
                        value=recompute, on_value=set_recompute)
        solara.Button("Verify", color="primary", classes=["run-verify"], on_click=lambda: run(seed, commitment,
                                                                                               recompute),
                      disabled=state.running or not all(s in g.uploads for s in ("bundle", "pool", "quotas")))
        JobProgress(verify_job, "verify")
        if state.status in ("failed", "crashed"):
            Problems(state.problems, title="The bundle or the files cannot be used")
        if state.status == "done":
            _, mismatches, unchecked = state.result
            if mismatches:
                solara.Error(f"{len(mismatches)} mismatch(es)", classes=["mismatch"])
                for line in mismatches:
                    solara.Text(f"MISMATCH: {line}", classes=["cocreate-mismatch"])
            else:
                solara.Success(verdict_line(state.result, commitment, recompute), classes=["verified"])
            if unchecked:
                solara.Text(f"not given, so not checked: {', '.join(unchecked)}")
