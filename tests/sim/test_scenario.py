"""Scenario schema: the baseline file, documentation of every parameter, overrides and one-line errors."""

import hashlib
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from sim import Scenario, ScenarioError, load_scenario
from sim.scenario import StakeholderParams

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def _leaves(model: type[BaseModel], prefix: str = ""):
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _leaves(ann, f"{prefix}{name}.")
        elif name not in ("name", "description", "stakeholders", "strategies", "kind"):
            yield f"{prefix}{name}", field


def test_baseline_file_is_the_schema_default():
    sc = load_scenario(BASELINE)
    assert sc.model_copy(update={"description": ""}) == Scenario()


def test_baseline_file_spells_out_every_parameter():
    data = yaml.safe_load(BASELINE.read_text())
    missing = [name for name, _ in _leaves(Scenario) if _get(data, name.split(".")) is _MISSING]
    assert not missing, f"scenarios/baseline.yaml lacks {missing}"


_MISSING = object()


def _get(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def test_every_parameter_has_unit_and_source():
    leaves = list(_leaves(Scenario)) + list(_leaves(StakeholderParams, "stakeholders."))
    assert len(leaves) > 60
    for name, field in leaves:
        extra = field.json_schema_extra or {}
        assert extra.get("unit"), name
        assert extra.get("source"), name


def test_overrides_validate_and_do_not_touch_the_original():
    sc = Scenario()
    new = sc.with_overrides({"engagement.transparency": 0.2, "stakeholders.industry.included": False})
    assert new.engagement.transparency == 0.2
    assert [s.included for s in new.stakeholders if s.name == "industry"] == [False]
    assert sc.engagement.transparency == Scenario().engagement.transparency
    with pytest.raises(ScenarioError, match="engagement.transparency"):
        sc.with_overrides({"engagement.transparency": 1.5})
    with pytest.raises(ScenarioError, match="unknown parameter 'transparncy'"):
        sc.with_overrides({"engagement.transparncy": 0.5})
    with pytest.raises(ScenarioError, match="no stakeholder named 'bank'"):
        sc.with_overrides({"stakeholders.bank.power": 0.5})


def test_file_errors_are_one_line_and_name_the_file(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("engagement:\n  transparency: [1,\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad_yaml)
    assert str(bad_yaml) in str(err.value) and "line" in str(err.value) and "\n" not in str(err.value)
    out_of_range = tmp_path / "range.yaml"
    out_of_range.write_text("population:\n  baseline_trust: 2\n")
    with pytest.raises(ScenarioError, match=r"population\.baseline_trust"):
        load_scenario(out_of_range)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("engagment:\n  transparency: 0.5\n")
    with pytest.raises(ScenarioError, match="engagment"):
        load_scenario(unknown)
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "missing.yaml")


def test_loading_does_not_modify_the_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(BASELINE.read_bytes())
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    load_scenario(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_every_shipped_scenario_validates():
    files = sorted(BASELINE.parent.glob("*.yaml"))
    assert BASELINE in files
    for path in files:
        sc = load_scenario(path)
        assert sc.name == path.stem


def test_every_numeric_parameter_has_a_range():
    leaves = list(_leaves(Scenario)) + list(_leaves(StakeholderParams, "stakeholders."))
    for name, field in leaves:
        if field.annotation in (int, float, float | None):
            bounds = [m for m in field.metadata if hasattr(m, "ge") or hasattr(m, "le")]
            assert len(bounds) == 2, name
            assert "range" in (field.description or ""), name


def test_odd_parameter_table_is_the_schema():
    """docs/ODD.md §13 is `sim.scenario.parameter_table` with the shipped accepted ranges: defaults, units, ranges
    and sources in the documentation cannot drift from the schema."""
    from sim.calibration import default_dir
    from sim.scenario import parameter_table

    ranges = yaml.safe_load((default_dir() / "ranges.yaml").read_text())
    odd = (BASELINE.parents[1] / "docs" / "ODD.md").read_text()
    assert parameter_table(ranges=ranges) in odd


def test_level_of_government_sets_the_baseline_shares():
    local = Scenario().population_params()
    national = Scenario().with_overrides({"institution.level": "national"}).population_params()
    assert (local.baseline_trust, local.feels_heard_share) == (0.45, 0.41)
    assert (national.baseline_trust, national.feels_heard_share) == (0.39, 0.30)
    own = Scenario().with_overrides({"population.baseline_trust": 0.5}).population_params()
    assert own.baseline_trust == 0.5
