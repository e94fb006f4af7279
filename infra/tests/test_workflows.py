"""The workflows parse and carry what they must: triggers, concurrency groups, caching, the
single CI command, OIDC for deploy."""

from __future__ import annotations

import pytest
import yaml

from conftest import WORKFLOWS


def load(name):
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_workflow_parses(path):
    doc = load(path.name)
    assert doc["name"] and doc["on"] and doc["jobs"]


def steps(doc):
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def test_ci_runs_on_push_and_pull_request():
    on = load("ci.yml")["on"]
    assert "push" in on and "pull_request" in on


def test_ci_cancels_superseded_runs():
    c = load("ci.yml")["concurrency"]
    assert "github.ref" in c["group"] and c["cancel-in-progress"] is True


def test_ci_is_thin_and_runs_the_single_test_command():
    doc = load("ci.yml")
    runs = [s["run"].strip() for s in steps(doc) if "run" in s]
    assert "bash .ci/run" in runs
    # No checks inlined here: they live in .ci/run, which developers run too.
    assert runs == ["bash .ci/run"], runs
    assert doc["permissions"] == {"contents": "read"}


def test_ci_caches_cargo_and_npm():
    paths = "\n".join(
        s["with"]["path"] for s in steps(load("ci.yml")) if str(s.get("uses", "")).startswith("actions/cache")
    )
    for p in ("~/.cargo/registry", "target", "~/.npm"):
        assert p in paths


def test_deploy_uses_oidc_with_environment_protection():
    doc = load("deploy.yml")
    assert doc["permissions"]["id-token"] == "write"
    assert doc["concurrency"]["group"] and doc["concurrency"]["cancel-in-progress"] is False
    (job,) = doc["jobs"].values()
    assert job["environment"]
    login = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("azure/login"))
    for key in ("client-id", "tenant-id", "subscription-id"):
        assert "secrets." in login["with"][key] or "vars." in login["with"][key]
    assert "creds" not in login["with"], "no stored service principal secret: OIDC only"
    deploy = [s for s in job["steps"] if "infra/deploy.sh" in s.get("run", "")]
    assert deploy and job["steps"].index(deploy[0]) > job["steps"].index(login)


def test_deploy_runs_after_ci_on_main_or_by_hand():
    on = load("deploy.yml")["on"]
    assert "workflow_dispatch" in on
    assert on["workflow_run"]["workflows"] == ["CI"] and on["workflow_run"]["branches"] == ["main"]
    job = next(iter(load("deploy.yml")["jobs"].values()))
    assert "conclusion == 'success'" in job["if"]
