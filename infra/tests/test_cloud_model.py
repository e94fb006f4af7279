"""infra/cloud/model.py (docs/cloud-model.md): it runs, its totals are the sums of its hops, the
three profiles are ordered (faster costs more), every input names a source, every profile sets
only real Bicep parameters within their bounds, and the README's table is the model's output."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from conftest import MAIN_BICEP, ROOT, parse_bicep

sys.path.insert(0, str(ROOT / "infra" / "cloud"))
import model  # noqa: E402

INPUTS = model.load()
PROFILES = ["cheapest", "balanced", "fastest"]


def run_total(result: dict) -> float:
    return sum(p["p50"] for p in result["phases"])


def test_the_script_runs():
    for args in ([], ["--readme"], ["--json"], ["--bicep-params", "balanced"]):
        r = subprocess.run([sys.executable, str(ROOT / "infra" / "cloud" / "model.py"), *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip()


def test_an_unknown_profile_is_refused():
    r = subprocess.run([sys.executable, str(ROOT / "infra" / "cloud" / "model.py"), "--bicep-params", "turbo"], capture_output=True, text=True)
    assert r.returncode == 2


def test_profiles_are_the_three_named_ones():
    assert list(INPUTS["profiles"]) == PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_phase_totals_are_the_sums_of_their_hops(profile):
    for phase in model.evaluate(INPUTS, profile)["phases"]:
        assert phase["hops"], phase["name"]
        assert phase["p50"] == pytest.approx(sum(h["p50"] for h in phase["hops"]), abs=0.01)
        assert phase["p95"] == pytest.approx(sum(h["p95"] for h in phase["hops"]), abs=0.01)
        assert all(0 <= h["p50"] <= h["p95"] for h in phase["hops"]), phase


@pytest.mark.parametrize("profile", PROFILES)
def test_cost_totals_are_the_sums_of_their_parts(profile):
    for volume, cost in model.evaluate(INPUTS, profile)["cost"].items():
        assert cost["total"] == pytest.approx(sum(cost["parts"].values()), abs=0.01)
        assert cost["per_app"] == pytest.approx(cost["total"] / int(volume), rel=1e-3)
        assert set(cost["parts"]) == {"function app", "storage", "build job", "registry", "static web app", "monitoring", "model tokens"}


def test_faster_profiles_are_faster_and_cost_more_at_the_reference_volume():
    r = {p: model.evaluate(INPUTS, p) for p in PROFILES}
    assert run_total(r["fastest"]) < run_total(r["balanced"]) < run_total(r["cheapest"])
    preview = {p: r[p]["phases"][1]["p50"] for p in PROFILES}
    assert preview["fastest"] < preview["balanced"] < preview["cheapest"]
    for volume in ("10", str(INPUTS["reference_volume"])):
        cost = {p: r[p]["cost"][volume]["total"] for p in PROFILES}
        assert cost["fastest"] > cost["balanced"] > cost["cheapest"], (volume, cost)


def test_the_cheapest_profile_costs_almost_nothing_while_idle():
    """At zero apps only the fixed-price resources (registry, Static Web App) and the build
    job scaler's queue-length polls (one read per pollingInterval) remain."""
    idle = model.Model(INPUTS, "cheapest", 0.000001).monthly_cost()["parts"]
    polls = model.SECONDS_PER_MONTH / INPUTS["profiles"]["cheapest"]["bicep"]["buildPollingInterval"]
    assert idle["storage"] == pytest.approx(polls / 1e4 * INPUTS["prices"]["storage_read_per_10k"]["value"], abs=0.001)
    assert all(v < 0.001 for k, v in idle.items() if k not in {"registry", "static web app", "storage"}), idle
    assert idle["registry"] > 0 and idle["static web app"] > 0


def test_each_knob_moves_its_hop():
    """Sensitivity: the knobs change the hops they should, by the amount the formula says."""
    base = model.Model(INPUTS, "cheapest", INPUTS["reference_volume"])
    inp = copy.deepcopy(INPUTS)
    knobs = inp["profiles"]["cheapest"]["bicep"]
    # Build polling: the wait is uniform, so its p50 moves by half the change (image pull unchanged).
    knobs["buildPollingInterval"] += 20
    slower = model.Model(inp, "cheapest", INPUTS["reference_volume"])
    assert slower.build_pickup().latency.p50 - base.build_pickup().latency.p50 == pytest.approx(10.0, abs=0.01)
    # Always-ready steps: every pickup is a warm poll, never a cold start.
    knobs["alwaysReadySteps"] = 1
    warm = model.Model(inp, "cheapest", INPUTS["reference_volume"]).pickup("code", 1).latency
    poll = model.duration_s(knobs["queueMaxPollingInterval"])
    assert warm.p50 == pytest.approx(0.5 * poll + INPUTS["latency"]["queue_op"]["p50"])
    assert base.pickup("code", 1).latency.p50 > warm.p50
    # A warm builder: the image is on the node, so no pull.
    knobs["buildMinExecutions"] = 1
    start = model.Model(inp, "cheapest", INPUTS["reference_volume"]).build_pickup().latency
    assert start.p50 == pytest.approx(0.5 * knobs["buildPollingInterval"] + INPUTS["latency"]["job_container_start"]["p50"])


def test_tokens_come_from_the_agent_files():
    code = model.call_tokens(INPUTS, "code")
    clarify = model.call_tokens(INPUTS, "clarify")
    assert code["route"] == "strong" and clarify["route"] == "fast"
    _, chars = model.agent_prompt("clarify")
    assert chars == len((ROOT / "functions/runtime/agents/clarify.md").read_text()) + len((ROOT / "functions/runtime/agents/clarify.schema.json").read_text())
    assert clarify["input"] > chars / 4  # the prompt plus the description


def _numbers(node, path: str, source: str | None):
    """(path, inherited source) of every number under node; a dict's `source` covers its children."""
    if isinstance(node, dict):
        source = node.get("source", source)
        for k, v in node.items():
            yield from _numbers(v, f"{path}.{k}", source)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numbers(v, f"{path}[{i}]", source)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, source


@pytest.mark.parametrize("section", ["latency", "image", "run", "tokens", "prices"])
def test_every_number_names_a_known_source(section):
    sources = set(INPUTS["sources"])
    numbers = list(_numbers(INPUTS[section], section, None))
    assert numbers
    for path, source in numbers:
        assert source in sources, f"{path}: source {source!r} is not one of {sorted(sources)}"


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles_set_real_bicep_parameters_within_their_bounds(profile):
    params = parse_bicep(MAIN_BICEP)["parameters"]
    for key, value in INPUTS["profiles"][profile]["bicep"].items():
        assert key in params, f"{profile} sets {key}, which main.bicep does not declare"
        decorators = {d["type"]: d.get("argument") for d in params[key]["decorators"]}
        if "minValue" in decorators:
            assert value >= decorators["minValue"], (key, value)
        if "maxValue" in decorators:
            assert value <= decorators["maxValue"], (key, value)
        if "allowed" in decorators:
            assert value in decorators["allowed"], (key, value)
        if key == "queueMaxPollingInterval":
            assert model.duration_s(value) >= 0.1  # the queue trigger's minimum


def test_the_readme_table_is_the_models_output():
    readme = (ROOT / "README.md").read_text()
    assert model.readme_table(INPUTS) in readme, "README's cloud profiles table is stale: paste `python3 infra/cloud/model.py --readme`"


def test_the_docs_tables_are_the_models_output():
    doc = (ROOT / "docs" / "cloud-model.md").read_text()
    assert model.doc_tables(INPUTS) in doc, "docs/cloud-model.md is stale: paste `python3 infra/cloud/model.py --doc`"
