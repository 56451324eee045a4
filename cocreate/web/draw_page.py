"""Draw a panel, as steps on one page: the files, the check, the fair lottery, publishing it, the draw from a public
seed, replacing drop-outs, and every file to download. It calls the library functions `cocreate select`, `draw` and
`replace` call (:mod:`selection.lottery.workflow`, :mod:`selection.lottery.files`, :mod:`selection.check`,
:mod:`cocreate.report`); every file offered for download is written by them (:mod:`selection.outputs`: atomic,
formula-safe).

Each step can be changed until the draw: changing a file or an option clears the steps after it (a published lottery
is withdrawn, its commitment no longer holds). A lottery is drawn once: after the draw the earlier steps are locked,
and "start a new draw" begins again with nothing kept.
"""

import html
import io
import shutil
import threading
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from cocreate.report import plots, report_data, write_selection_report
from cocreate.settings import FILENAME, load_settings
from cocreate.web import jobs, uploads, work
from cocreate.web.widgets import Downloads, Figure, JobProgress, Problems, Table
from selection.engine.api import ALGORITHMS, PROGRESS_WORDS
from selection.engine.metrics import summary as metric_summary
from selection.errors import UserError
from selection.inputs import read_pool, read_quotas
from selection.lottery import files, workflow
from selection.population.margins import read_margins

TABLES = ".csv,.tsv,.txt,.xlsx"
STAGE_WORDS = PROGRESS_WORDS


def describe_progress(stage: str, done: int, total: int, value: float) -> tuple[str, float | None]:
    """The progress line of the selection (what is counted, the figure labelled) and the fraction done."""
    counted, figure = STAGE_WORDS.get(stage, ("steps", "value"))
    text = (f"{stage}: {done:,} of {total:,} {counted}" if total else f"{stage}: {done:,} {counted}") + \
        (f", {figure} {value:.4f}" if figure else "")
    return text, (done / total if total else None)


@dataclass(frozen=True)
class Options:
    """The choices of the check and the computation (None: not chosen yet)."""

    size: int | None = None
    algorithm: str = "leximin"
    gamma: float = 1.0  # goldilocks only: weight of too-low chances against too-high ones
    pair_weight: float = 0.0  # maxentropy only: nats per seat out of place on a pair of features
    household: tuple[str, ...] = ()
    id_column: str | None = None
    m: int = workflow.LOTTERY_SIZE


@dataclass(frozen=True)
class Draft:
    """Everything the page holds for one draw, in step order."""

    uploads: dict = field(default_factory=dict)  # slot (pool, quotas, settings) -> uploads.Upload
    problems: dict = field(default_factory=dict)  # slot -> problems to show inline
    notes: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # the pool's columns
    detected_id: str | None = None
    settings_said: str = ""
    out: Path | None = None  # the draw's folder (in the session's temporary folder)
    published: dict | None = None  # the sealed undrawn bundle
    inputs: object = None  # the workflow.Inputs of the published lottery
    legacy: dict | None = None  # the legacy greedy draw's metrics, for the report's comparison
    warnings: tuple[str, ...] = ()
    drawn: dict | None = None  # the sealed drawn bundle
    latest: dict | None = None  # after the last replacement
    messages: tuple[str, ...] = ()  # what the draw and replacements said
    step_problems: dict = field(default_factory=dict)  # "draw" / "replace" -> problems


draft = solara.reactive(Draft())
options = solara.reactive(Options())
check_job = solara.reactive(jobs.JobState())
compute_job = solara.reactive(jobs.JobState())
_CHANGING = threading.RLock()  # uploads arrive in threads: one change of the draft at a time


def _clear_after_files() -> None:
    """The inputs changed: the check, the computation and any publication no longer hold."""
    for job in (check_job, compute_job):
        jobs.cancel(job)
        job.set(jobs.JobState())
    _withdraw()


def _withdraw() -> None:
    d = draft.value
    if d.out is not None and d.drawn is None:
        shutil.rmtree(d.out, ignore_errors=True)
    draft.set(replace(d, out=None, published=None))


def _validate(d: Draft) -> Draft:
    """Read what was uploaded with the library's readers and keep their problems (file, row, column) per file."""
    problems, notes, columns, detected = dict(d.problems), [], d.columns, d.detected_id
    opts = options.value
    if "pool" in d.uploads:
        try:
            pool = read_pool(d.uploads["pool"].path, id_column=opts.id_column, household_columns=list(opts.household))
            problems.pop("pool", None)
            columns, detected = tuple(str(c) for c in pool.table.columns), pool.id_column
            notes += list(pool.notes)
        except UserError as err:
            problems["pool"] = tuple(err.problems) or tuple(err.lines())
    if "quotas" in d.uploads:
        try:
            quotas = read_quotas(d.uploads["quotas"].path)
            problems.pop("quotas", None)
            notes += list(quotas.notes)
        except UserError as err:
            problems["quotas"] = tuple(err.problems) or tuple(err.lines())
    if "margins" in d.uploads:
        try:
            read_margins(d.uploads["margins"].path)
            problems.pop("margins", None)
        except UserError as err:
            problems["margins"] = tuple(err.problems) or tuple(err.lines())
    return replace(d, problems=problems, notes=tuple(notes), columns=columns, detected_id=detected)


def on_upload(slot: str, upload: uploads.Upload) -> None:
    with _CHANGING:
        _take(slot, upload)


def _take(slot: str, upload: uploads.Upload) -> None:
    d = draft.value
    if d.drawn is not None:
        return
    _clear_after_files()
    d = replace(draft.value, uploads={**d.uploads, slot: upload})
    problems = {k: v for k, v in d.problems.items() if k != slot}
    d = replace(d, problems=problems)
    if slot == "settings":
        try:
            s = load_settings(upload.path.parent)
            opts = options.value
            options.set(replace(opts, size=s.size or opts.size, algorithm=s.algorithm or opts.algorithm,
                                household=tuple(s.household) or opts.household,
                                id_column=s.id_column or opts.id_column))
            said = ", ".join(f"{k} {', '.join(v) if isinstance(v, tuple) else v}" for k, v in s.given().items())
            d = replace(d, settings_said=f"settings from {upload.name}: {said or 'nothing set'}")
        except UserError as err:
            d = replace(d, problems={**problems, "settings": tuple(err.problems) or tuple(err.lines())},
                        settings_said="")
    draft.set(_validate(d))


def on_upload_error(slot: str, message: str) -> None:
    with _CHANGING:
        d = draft.value
        draft.set(replace(d, problems={**d.problems, slot: (message,)}))


def set_options(**changes) -> None:
    with _CHANGING:
        if draft.value.drawn is not None or all(getattr(options.value, k) == v for k, v in changes.items()):
            return
        options.set(replace(options.value, **changes))
        _clear_after_files()
        if {"household", "id_column"} & set(changes):
            draft.set(_validate(draft.value))


def ready(d: Draft) -> bool:
    return "pool" in d.uploads and "quotas" in d.uploads and not d.problems and bool(options.value.size)


# ------------------------------------------------------------------------------------------------- actions

def run_check() -> None:
    d, o = draft.value, options.value
    jobs.start(check_job, work.check_inputs, {
        "pool_path": str(d.uploads["pool"].path), "quotas_path": str(d.uploads["quotas"].path), "k": int(o.size),
        "household": list(o.household), "id_column": o.id_column})


def run_compute() -> None:
    d, o = draft.value, options.value
    _withdraw()
    jobs.start(compute_job, work.compute, {
        "pool_path": str(d.uploads["pool"].path), "quotas_path": str(d.uploads["quotas"].path), "k": int(o.size),
        "algorithm": o.algorithm, "household": list(o.household), "id_column": o.id_column, "m": int(o.m),
        "gamma": float(o.gamma), "pair_weight": float(o.pair_weight)}, describe=describe_progress)


def _notes(pub) -> list[str]:
    return [*pub.inputs.pool.notes, *pub.inputs.quotas.notes, *pub.warnings]


def _metrics(bundle: dict, inputs) -> dict:
    target = bundle["probabilities"]["target"]
    panel = (inputs.indices(bundle["draw"]["panel"]) if bundle.get("draw")
             else inputs.indices(bundle["lottery"]["panels"][0]))
    return metric_summary(inputs.problem, target, panel)


def margins_of(d: Draft) -> pd.DataFrame | None:
    """The population margins uploaded (feature, value, share), or None."""
    up = d.uploads.get("margins")
    if up is None or "margins" in d.problems:
        return None
    try:
        return read_margins(up.path)
    except UserError:
        return None


def _write_report(out: Path, bundle: dict, d: Draft) -> None:
    write_selection_report(out, report_data(bundle, d.inputs, _metrics(bundle, d.inputs), d.legacy,
                                            margins_of(d), notes=list(d.warnings)), "en")


def _fresh_folder() -> Path:
    draws = Path(uploads.session_folder()) / "draws"
    out = draws / f"draw-{len(list(draws.glob('*'))) + 1}"
    out.mkdir(parents=True)
    return out


def publish() -> None:
    """Write the published files (lottery.csv and its commitment, the printable sheet, probabilities, tickets, the
    undrawn audit bundle) and the report into a fresh folder of the session."""
    pub, legacy = compute_job.value.result
    d = draft.value
    if d.out is not None:
        shutil.rmtree(d.out, ignore_errors=True)
    out = _fresh_folder()
    sealed = files.write_publication(out, pub.bundle)
    d = replace(d, out=out, published=sealed, inputs=pub.inputs, legacy=legacy, warnings=tuple(pub.warnings),
                drawn=None, latest=None, messages=(), step_problems={})
    _write_report(out, sealed, d)
    draft.set(d)


def resume(upload: uploads.Upload) -> None:
    """Continue a lottery published earlier (the seed is announced days later): its audit.json with the pool and
    quotas of step 1, which must be the files it was computed from (same SHA-256)."""
    from selection.lottery import bundle as bundles

    with _CHANGING:
        d = draft.value
        try:
            if "pool" not in d.uploads or "quotas" not in d.uploads:
                raise UserError("upload the pool and the quotas the lottery was computed from in step 1 first")
            bundle = bundles.load(upload.path)
            if bundle.get("draw") is not None:
                raise UserError(f"{upload.name}: already drawn (panel {bundle['draw']['number']}); a lottery is "
                                "drawn once: verify it on the Verify page")
            inputs = workflow.load_inputs(bundle, d.uploads["pool"].path, d.uploads["quotas"].path)
        except UserError as err:
            draft.set(replace(d, step_problems={"resume": tuple(err.problems) or tuple(err.lines())}))
            return
        if d.out is not None:
            shutil.rmtree(d.out, ignore_errors=True)
        out = _fresh_folder()
        sealed = files.write_publication(out, {k: v for k, v in bundle.items() if k not in ("files", "checksum")})
        d = replace(d, out=out, published=sealed, inputs=inputs, legacy=None, warnings=(), drawn=None,
                    latest=None, messages=(), step_problems={})
        _write_report(out, sealed, d)
        draft.set(d)


def draw(seed: str, number: str) -> None:
    """The draw from the public seed (or a number drawn by hand): panel and reserves, the sealed bundle, the
    report; from now on the earlier steps are locked."""
    d = draft.value
    try:
        if seed.strip() and number.strip():
            raise UserError("give the public seed or the number drawn by hand, not both")
        num = None
        if number.strip():
            if not number.strip().isdigit():
                raise UserError(f"'{number}' is not a panel number; give a whole number from 0 to "
                                f"{d.published['lottery']['m'] - 1}")
            num = int(number)
        drawn = workflow.draw(d.published, d.inputs, seed=seed if seed.strip() else None, number=num)
    except UserError as err:
        draft.set(replace(d, step_problems={"draw": tuple(err.problems) or tuple(err.lines())}))
        return
    bundle = files.write_draw(d.out, {**drawn, "files": d.published["files"]}, d.inputs)
    _write_report(d.out, bundle, d)
    how = f"seed '{bundle['draw']['seed']}'" if bundle["draw"]["method"] == "seed" else "a number drawn by hand"
    draft.set(replace(d, drawn=bundle, latest=bundle, step_problems={},
                      messages=(f"drew panel {bundle['draw']['number']} of {bundle['lottery']['m']} from {how}",)))


def replace_dropouts(dropped: str, exclude: str) -> None:
    d = draft.value
    split = lambda text: [c.strip() for c in text.split(",") if c.strip()]  # noqa: E731
    try:
        bundle, step, _ = workflow.replace(d.latest, d.inputs, split(dropped), split(exclude))
        files.write_replacement(d.out, bundle, d.inputs)
    except UserError as err:
        draft.set(replace(d, step_problems={"replace": tuple(err.problems) or tuple(err.lines())}))
        return
    text = f"replacement {step['step']}: out {', '.join(step['dropped'])}; in {', '.join(step['added']) or 'nobody'}"
    if step["total_deviation"] == 0:
        text += "; every quota is met"
    else:
        text += (f"; no replacement meets every quota, smallest deviation {step['total_deviation']}: " + "; ".join(
            f"{x['feature']}={x['value']} has {x['seats']} seats (quota {x['min']}-{x['max']})"
            for x in step["deviation"]))
    draft.set(replace(d, latest=bundle, step_problems={}, messages=(*d.messages, text)))


def start_again() -> None:
    for job in (check_job, compute_job):
        jobs.cancel(job)
        job.set(jobs.JobState())
    options.set(Options())
    draft.set(Draft())


def zip_of(folder: Path) -> bytes:
    """Every file of the draw's folder in one zip (the private record of local paths left out)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != files.LOCAL:
                z.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------- views

def _(text: str) -> str:
    """The report's plots take a gettext; the app is in English."""
    return text


@solara.component
def Step(number: int, title: str, locked: bool = False, children=[]):  # noqa: B006 - solara's children idiom
    with solara.Div(classes=["cocreate-step", f"step-{number}", *(["locked"] if locked else [])]) as main:
        solara.HTML(tag="h2", unsafe_innerHTML=f"{number}. {title}")
        solara.Column(children=children)
    return main


@solara.component
def FilesStep(d: Draft, locked: bool):
    with Step(1, "Upload the pool and the quotas", locked):
        solara.Text("The pool: one row per volunteer (CSV or XLSX). The quotas: feature,value,min,max (or the "
                    "category,name layouts). A cocreate.toml settings file may give the panel size, household and "
                    "id columns. Files stay on this computer, in a temporary folder removed when you close the page.")
        for slot, label, accept in (("pool", "Pool (respondents)", TABLES), ("quotas", "Quotas", TABLES),
                                    ("settings", "Settings (optional cocreate.toml)", ".toml"),
                                    ("margins", "Population margins (optional: feature,value,share)", TABLES)):
            with solara.Div(classes=[f"upload-{slot}"]):
                uploads.FileChooser(label=label, slot=f"draw-{slot}", accept=accept, disabled=locked,
                                    name=FILENAME if slot == "settings" else None,
                                    on_upload=lambda u, s=slot: on_upload(s, u),
                                    on_error=lambda m, s=slot: on_upload_error(s, m))
                if slot in d.uploads:
                    up = d.uploads[slot]
                    ok = slot not in d.problems
                    solara.Text(f"{up.name}: {up.size:,} bytes" + (" - read" if ok else ""),
                                classes=[f"uploaded-{slot}"])
                Problems(d.problems.get(slot, ()), title=f"The {slot} file has problems")
        if d.settings_said:
            solara.Text(d.settings_said, classes=["settings-said"])
        for note in d.notes:
            solara.Info(f"note: {note}", dense=True)


@solara.component
def OptionsStep(d: Draft, locked: bool):
    o = options.value
    with Step(2, "Choose the panel and check the quotas", locked):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputInt("Panel size", value=o.size or 0, disabled=locked,
                            on_value=lambda v: set_options(size=v if v and v > 0 else None))
            solara.Select("Algorithm", values=list(ALGORITHMS), value=o.algorithm, disabled=locked,
                          on_value=lambda v: set_options(algorithm=v))
            if o.algorithm == "goldilocks":
                solara.InputFloat("Goldilocks gamma (weight of too-low chances; 1 = alike)", value=o.gamma,
                                  disabled=locked, classes=["gamma"], continuous_update=True,
                                  on_value=lambda v: set_options(gamma=v if v is not None and 0 <= v < 1e9
                                                                 else 1.0))
                solara.Text(f"gamma {o.gamma:g}", classes=["gamma-said"])
            if o.algorithm == "maxentropy":
                solara.InputFloat("Pair weight (0 = plain max entropy; 3 = panels closer on feature pairs)",
                                  value=o.pair_weight, disabled=locked, classes=["pair-weight"],
                                  continuous_update=True,
                                  on_value=lambda v: set_options(pair_weight=v if v is not None and 0 <= v < 1e9
                                                                 else 0.0))
                solara.Text(f"pair weight {o.pair_weight:g}", classes=["pair-weight-said"])
            solara.InputInt("Lottery size (panels)", value=o.m, disabled=locked,
                            on_value=lambda v: set_options(m=max(1, int(v or 1))))
        with solara.Row(style={"flex-wrap": "wrap"}):
            cols = [c for c in d.columns]
            solara.SelectMultiple("Household columns (one person per household)", values=list(o.household),
                                  all_values=cols, disabled=locked,
                                  on_value=lambda v: set_options(household=tuple(v)))
            solara.Select("Id column", values=["(detect)", *cols], value=o.id_column or "(detect)",
                          disabled=locked, on_value=lambda v: set_options(id_column=None if v == "(detect)" else v))
        if d.detected_id is not None:
            solara.Text(f"ids from column '{d.detected_id}'" + (f"; households by {', '.join(o.household)}"
                                                                 if o.household else ""))
        state = check_job.value
        solara.Button("Check the quotas", color="primary", disabled=locked or not ready(d) or state.running,
                      on_click=run_check, classes=["run-check"])
        JobProgress(check_job, "check")
        if state.status in ("failed", "crashed"):
            Problems(state.problems, title="The check found problems")
        if state.status == "done":
            CheckTable(state.result)


@solara.component
def CheckTable(result):
    t = result.table
    rows = pd.DataFrame({
        "feature": t["feature"], "value": t["value"],
        "target": [f"{a}-{b}" for a, b in zip(t["min"], t["max"], strict=True)],
        "pool": t["pool_count"], "pool share": [f"{x:.1%}" for x in t["pool_share"]],
        "a panel can have": ["-" if a < 0 else f"exactly {b}" if a == b else f"{a}-{b}"
                             for a, b in zip(t["fewest"], t["most"], strict=True)]})
    Table(rows, classes=["check-table"])
    hh = f"; {result.households} shared households" if result.households else ""
    if result.feasible:
        solara.Success(f"feasible: panels of {result.k} from {result.n} people meet every quota{hh} (checked in "
                       f"{result.seconds:.1f} s)", dense=True, classes=["feasible"])
        return
    solara.Error(f"infeasible: no panel of {result.k} meets every quota{hh}", dense=True, classes=["infeasible"])
    if result.suggestions:
        solara.Text("The smallest change that works:")
        Table(pd.DataFrame([{"feature": f, "value": v, "now": f"{a}-{b}", "change to": f"{c}-{e}"}
                            for f, v, a, b, c, e in result.suggestions]), classes=["relaxation"])
    else:
        solara.Text("No relaxation within min_flex/max_flex helps: widen them or enlarge the pool.")


def _figures(bundle: dict, pub, margins: pd.DataFrame | None) -> tuple[list[str], str, str]:
    """(representativeness figure per feature: the pool, the expected and drawn panel and, with margins, the
    population against the quotas; probabilities by group; histogram) as data URIs."""
    data = report_data(bundle, pub.inputs, _metrics(bundle, pub.inputs), margins=margins)
    k, n = data["k"], data["n"]
    features: dict[str, list[dict]] = {}
    for q in data["quotas"]:
        features.setdefault(q["feature"], []).append({
            **q, "pool_share": q["pool_count"] / n,
            "expected_share": None if q["expected_seats"] is None else q["expected_seats"] / k,
            "panel_share": None if q["panel_seats"] is None else q["panel_seats"] / k})
    target = np.asarray(data["probabilities"]["target"], dtype=float)
    fair = data["metrics"]["fair_share"]
    order = {f: [r["value"] for r in rows] for f, rows in features.items()}
    return ([plots.quota_figure(f, rows, k, _) for f, rows in features.items()],
            plots.by_group(data["groups"], order, target, fair, _), plots.histogram(target, fair, _))


@solara.component
def ComputeStep(d: Draft, locked: bool):
    state = compute_job.value
    with Step(3, "Compute the fairest lottery", locked):
        solara.Text("Computes every volunteer's fairest chance the quotas allow (leximin by default) and rounds "
                    "it to a lottery of equally likely, quota-exact panels. Nothing is drawn yet.")
        solara.Button("Compute", color="primary", on_click=run_compute, classes=["run-compute"],
                      disabled=locked or not ready(d) or state.running)
        JobProgress(compute_job, "selection")
        if state.status in ("failed", "crashed"):
            Problems(state.problems, title="The selection could not be computed")
        if state.status != "done":
            return
        pub, legacy = state.result
        bundle = d.latest or d.published or pub.bundle
        Result(pub, legacy, bundle, d)


@solara.component
def Result(pub, legacy, bundle: dict, d: Draft):
    m = pub.result.metrics
    label = {"fair_share": "fair share k/n", "min_probability": "lowest probability",
             "max_probability": "highest probability", "gini": "Gini (0 = all equal)",
             "share_below_half_fair_share": "share below half the fair share"}
    rows = [{"figure": text, pub.result.algorithm: f"{m[key]:.4f}",
             **({"legacy greedy draw": f"{legacy[key]:.4f}"} if legacy else {})} for key, text in label.items()]
    opts = pub.bundle["options"]
    gamma = f" (gamma {opts['gamma']:g})" if "gamma" in opts else ""
    gamma += f" (pair weight {opts['pair_weight']:g})" if "pair_weight" in opts else ""
    solara.Text(f"{pub.result.algorithm}{gamma}: panel of {pub.result.k} from {m['n']} in "
                f"{pub.result.solver_seconds:.1f} s; the lottery of {pub.lottery.m} moves a probability by at most "
                f"{pub.lottery.max_change:.5f}", classes=["result-line"])
    Table(pd.DataFrame(rows), classes=["metrics"])
    for w in pub.warnings:
        solara.Warning(f"warning: {w}", dense=True)
    metrics = _metrics(bundle, pub.inputs)
    drawn = bundle.get("draw") is not None
    quota_rows = pd.DataFrame([{"feature": q["feature"], "value": q["value"], "min": q["min"], "max": q["max"],
                                "expected seats": f"{q['expected_seats']:.2f}",
                                **({"drawn panel": q["panel_seats"], "met": "yes" if q["met"] else "NO"}
                                   if drawn else {})} for q in metrics["quotas"]])
    solara.HTML(tag="h3", unsafe_innerHTML="Quotas")
    Table(quota_rows, classes=["quota-table"])
    margins_upload = None if "margins" in d.problems else d.uploads.get("margins")
    margins = solara.use_memo(lambda: margins_of(d), [margins_upload])
    by_feature, by_group, histogram = solara.use_memo(lambda: _figures(bundle, pub, margins),
                                                      [id(bundle), id(pub), margins_upload])
    with solara.Row(style={"flex-wrap": "wrap"}):
        with solara.Column():
            solara.HTML(tag="h3", unsafe_innerHTML="Selection probability by group")
            Figure(by_group, "selection probability by group", classes=["by-group"])
            Figure(histogram, "how many volunteers have each probability", classes=["histogram"])
        with solara.Column():
            solara.HTML(tag="h3", unsafe_innerHTML="Representativeness: pool, expected panel"
                        + (", drawn panel" if drawn else "") + (", population" if margins is not None else "")
                        + " against the quotas")
            for uri in by_feature:
                Figure(uri, "representativeness", classes=["representativeness"])


@solara.component
def PublishStep(d: Draft, locked: bool):
    with Step(4, "Publish the lottery", locked):
        if compute_job.value.status != "done" and d.published is None:
            solara.Text("Compute the lottery first, or continue a lottery published earlier: choose its audit.json "
                        "(the pool and quotas of step 1 must be the files it was computed from).")
            with solara.Div(classes=["upload-resume"]):
                uploads.FileChooser(label="Published audit.json", slot="draw-resume", accept=".json",
                                    name="audit.json", disabled=locked, on_upload=resume,
                                    on_error=lambda m: draft.set(replace(draft.value,
                                                                         step_problems={"resume": (m,)})))
                Problems(d.step_problems.get("resume", ()), title="This lottery cannot be continued")
            return
        if d.published is None:
            solara.Text("Publishing writes the numbered panels (lottery.csv), the printable sheet and the audit "
                        "bundle. Publish lottery.csv and its commitment before anyone can know the seed.")
            solara.Button("Publish the lottery", color="primary", on_click=publish, classes=["publish"])
            return
        lot = d.published["lottery"]
        solara.Text("Commitment (SHA-256 of lottery.csv): announce it with the lottery, before the seed exists.")
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(str(lot["sha256"])), classes=["commitment"])
        Downloads([(n, (d.out / n).read_bytes()) for n in ("lottery.csv", "lottery.html")], classes=["published"])
        if not locked and compute_job.value.status == "done":
            solara.Button("Withdraw and change the inputs", outlined=True, on_click=_withdraw,
                          classes=["withdraw"])


@solara.component
def DrawStep(d: Draft):
    seed, set_seed = solara.use_state("")
    number, set_number = solara.use_state("")
    with Step(5, "Draw the panel from the public seed", d.drawn is not None):
        if d.published is None:
            solara.Text("Publish the lottery first.")
            return
        if d.drawn is None:
            solara.Text("Enter the public seed as announced (e.g. a national lottery's numbers), or the number "
                        "rolled with dice. A lottery is drawn once.")
            solara.InputText("Public seed", value=seed, on_value=set_seed, continuous_update=True)
            solara.InputText("or the number drawn by hand", value=number, on_value=set_number,
                             continuous_update=True)
            solara.Button("Draw", color="primary", on_click=lambda: draw(seed, number), classes=["draw"],
                          disabled=not (seed.strip() or number.strip()))
            Problems(d.step_problems.get("draw", ()), title="The draw could not be made")
            return
        for line in d.messages[:1]:
            solara.Success(line, dense=True, classes=["drawn"])
        keep = d.drawn["options"].get("keep_columns", [])
        panel_ids, reserve_ids = workflow.current_panel(d.latest)
        solara.HTML(tag="h3", unsafe_innerHTML=f"The panel ({len(panel_ids)})")
        Table(files.panel_frame(d.inputs, d.inputs.indices(panel_ids), keep), classes=["panel"])
        solara.HTML(tag="h3", unsafe_innerHTML=f"Reserves, in order ({len(reserve_ids)})")
        reserves = files.panel_frame(d.inputs, d.inputs.indices(reserve_ids), keep)
        reserves.insert(0, "rank", range(1, len(reserves) + 1))
        Table(reserves, classes=["reserves"])


@solara.component
def ReplaceStep(d: Draft):
    dropped, set_dropped = solara.use_state("")
    exclude, set_exclude = solara.use_state("")
    with Step(6, "Replace drop-outs"):
        if d.drawn is None:
            solara.Text("After the draw.")
            return
        solara.Text("Ids of members who dropped out, comma-separated: replacements keep every quota, preferring "
                    "the reserves in order. Each replacement is a new step; nothing earlier changes.")
        solara.InputText("Dropped out", value=dropped, on_value=set_dropped, continuous_update=True)
        solara.InputText("Cannot be asked (optional)", value=exclude, on_value=set_exclude, continuous_update=True)
        solara.Button("Replace", color="primary", on_click=lambda: replace_dropouts(dropped, exclude),
                      disabled=not dropped.strip(), classes=["replace"])
        Problems(d.step_problems.get("replace", ()), title="The replacement could not be made")
        for line in d.messages[1:]:
            solara.Info(line, dense=True, classes=["replaced"])


@solara.component
def DownloadStep(d: Draft):
    with Step(7, "Download"):
        if d.out is None:
            solara.Text("The files appear here once the lottery is published.")
            return
        names = [p.relative_to(d.out).as_posix() for p in sorted(d.out.rglob("*"))
                 if p.is_file() and p.name != files.LOCAL]
        solara.Text("Every file as the command line writes it (CSV cells a spreadsheet would run as a formula are "
                    "neutralised), and the report to print.")
        with solara.Row(style={"flex-wrap": "wrap"}, classes=["downloads"]):
            for name in names:
                solara.FileDownload(lambda p=d.out / name: p.read_bytes(), filename=name.replace("/", "_"),
                                    label=name)
            solara.FileDownload(lambda: zip_of(d.out), filename=f"{d.out.name}.zip", label="all files (zip)")


@solara.component
def DrawPage():
    d = draft.value
    locked = d.drawn is not None
    with solara.Column(classes=["draw-page"]):
        solara.HTML(tag="h1", unsafe_innerHTML="Draw a panel")
        if locked:
            with solara.Row():
                solara.Info("The panel is drawn: the earlier steps are locked (a lottery is drawn once).",
                            dense=True)
                solara.Button("Start a new draw", outlined=True, on_click=start_again, classes=["start-again"])
        FilesStep(d, locked)
        OptionsStep(d, locked)
        ComputeStep(d, locked)
        PublishStep(d, locked)
        DrawStep(d)
        ReplaceStep(d)
        DownloadStep(d)
