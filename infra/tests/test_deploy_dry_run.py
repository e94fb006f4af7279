"""infra/deploy.sh --dry-run prints every command, in order, exits 0 without az, docker,
cargo or npm on PATH, and never prints a secret."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEPLOY_SH, ROOT

# Tools the dry run may use (everything else, az and docker included, is absent).
ALLOWED_TOOLS = ["bash", "dirname", "git", "date", "python3", "sed", "cat", "cut"]

# The steps, in order: a prefix of each printed command.
EXPECTED_ORDER = [
    "az account show",
    "az provider register --namespace Microsoft.App ",
    "az group create --name rg-",
    "az deployment group create --resource-group rg-",
    "az deployment group show --resource-group rg-",  # outputs
    "cargo build --release --locked -p appgen",
    "target/release/appgen package --out ",
    "python3 -m zipfile -c ",
    "az functionapp deployment source config-zip ",
    "git archive ",
    "az acr build ",
    "az deployment group create --resource-group rg-",  # again, with the new builderImage
    "az rest --method get --url https://management.azure.com/",  # authsettingsV2 of the Function App
    "az rest --method put --url https://management.azure.com/",
    "npm --prefix web ci",
    "env VITE_API_BASE= npm --prefix web run build",
    "az staticwebapp secrets list ",
    "npx --yes @azure/static-web-apps-cli@",
]


def _bare_path(tmp_path: Path) -> str:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ALLOWED_TOOLS:
        found = shutil.which(tool)
        if tool == "python3":
            # The interpreter itself: a version-manager shim (pyenv) on PATH needs its own tools.
            found = os.path.realpath(sys.executable)
        if found:
            (bindir / tool).symlink_to(found)
    return str(bindir)


def dry_run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    e = {"PATH": _bare_path(tmp_path), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    e.update(env or {})
    return subprocess.run(
        ["bash", str(DEPLOY_SH), "--dry-run", *args],
        cwd=tmp_path,  # the script must find the repo from its own location
        env=e,
        capture_output=True,
        text=True,
        timeout=60,
    )


def commands(stdout: str) -> list[str]:
    return [l[2:] for l in stdout.splitlines() if l.startswith("+ ")]


@pytest.fixture
def result(tmp_path):
    r = dry_run(tmp_path, env={"APPGEN_PREVIEW_SECRET": "do-not-print-me-0123456789"})
    assert r.returncode == 0, r.stderr
    return r


def test_tools_are_really_absent(tmp_path):
    path = _bare_path(tmp_path)
    for tool in ("az", "docker", "cargo", "npm", "npx"):
        assert shutil.which(tool, path=path) is None


def test_dry_run_exits_0_and_prints_every_step_in_order(result):
    cmds = commands(result.stdout)
    at = -1
    for prefix in EXPECTED_ORDER:
        nxt = next((i for i, c in enumerate(cmds) if i > at and c.startswith(prefix)), None)
        assert nxt is not None, f"step {prefix!r} missing or out of order in:\n" + "\n".join(cmds)
        at = nxt
    # The outputs are read right after the first deployment; the second one sets the image
    # just built, and the first keeps the previous deployment's image.
    creates = [i for i, c in enumerate(cmds) if c.startswith("az deployment group create")]
    assert len(creates) == 2
    assert "--query properties.outputs " in cmds[creates[0] + 1]
    assert "builderImage= " in cmds[creates[0]]
    acr = next(c for c in cmds if c.startswith("az acr build"))
    tag = acr.split("--image ")[1].split()[0]
    assert f"builderImage=outputs.registryLoginServer/{tag} " in cmds[creates[1]]


def test_dry_run_deploys_the_bicep_template_and_the_dockerfile(result):
    cmds = commands(result.stdout)
    create = next(c for c in cmds if c.startswith("az deployment group create"))
    assert "--template-file bicep/main.bicep" in create
    assert "environmentName=appgen" in create and "location=eastus2" in create
    assert (ROOT / "bicep" / "main.bicep").is_file()
    acr = next(c for c in cmds if c.startswith("az acr build"))
    assert "--file infra/Dockerfile" in acr
    assert (ROOT / "infra" / "Dockerfile").is_file()
    swa = next(c for c in cmds if c.startswith("npx "))
    assert " deploy web/dist " in swa + " " and "--env production" in swa


def test_dry_run_never_prints_secrets(result):
    out = result.stdout + result.stderr
    assert "do-not-print-me-0123456789" not in out
    assert "SWA_CLI_DEPLOYMENT_TOKEN=***" in out
    # The preview secret reaches az through a parameters file, not the command line.
    create = next(c for c in commands(result.stdout) if c.startswith("az deployment group create"))
    assert "previewSecret" not in create and "--parameters @" in create


def test_dry_run_writes_nothing(tmp_path):
    before = {p for p in (ROOT / "target").glob("appgen-deploy*")} if (ROOT / "target").exists() else set()
    r = dry_run(tmp_path)
    assert r.returncode == 0, r.stderr
    after = {p for p in (ROOT / "target").glob("appgen-deploy*")} if (ROOT / "target").exists() else set()
    assert after == before
    assert not (ROOT / ".appgen" / "deploy").exists()


def test_flags_reach_the_commands(tmp_path):
    r = dry_run(tmp_path, "--env", "staging2", "--location", "westeurope", "--resource-group", "rg-x", "--tag", "t1")
    assert r.returncode == 0, r.stderr
    cmds = "\n".join(commands(r.stdout))
    assert "az group create --name rg-x --location westeurope" in cmds
    assert "environmentName=staging2" in cmds
    assert "appgen-builder:t1" in cmds


@pytest.mark.parametrize("args", [["--bogus"], ["--env", "Bad_Name"], ["--env", "x"], ["--env"], ["--location", ""], ["--profile"]])
def test_bad_arguments_fail(tmp_path, args):
    r = dry_run(tmp_path, *args)
    assert r.returncode == 2


def test_script_is_strict_bash():
    text = DEPLOY_SH.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(DEPLOY_SH, os.X_OK)
    # Real mode refuses to run without an Azure login.
    assert "az account show" in text and "az login" in text


def test_only_previews_bypass_the_static_web_apps_lock(result):
    """The read-modify-write of authsettingsV2 excludes /p/ and the apps' /data/ and nothing
    else: /api/* must only
    be reachable through the SWA proxy, or anyone could send a forged x-ms-client-principal."""
    cmds = commands(result.stdout)
    put = next(c for c in cmds if c.startswith("az rest --method put"))
    assert "/config/authsettingsV2" in put
    text = DEPLOY_SH.read_text()
    block = text[text.index("# ---- 3b."):text.index("# ---- 4.")]
    assert '{"/p/", "/data/"}' in block
    assert "/api" not in block.replace("/api/*", "")


def test_every_resource_provider_the_template_uses_is_registered(result):
    from conftest import bicep_files, parse_bicep, resources

    registered = {
        c.split("--namespace ")[1].split()[0]
        for c in commands(result.stdout)
        if c.startswith("az provider register")
    }
    used = {
        res["type"].split("/")[0]
        for p in bicep_files()
        for _, res in resources(parse_bicep(p))
    }
    used.discard("Microsoft.Authorization")  # always registered
    assert used <= registered, f"not registered by deploy.sh: {sorted(used - registered)}"


@pytest.mark.parametrize("profile", ["cheapest", "balanced", "fastest"])
def test_a_profile_passes_its_bicep_parameters_to_both_deployments(tmp_path, profile):
    """--profile NAME: the parameters infra/cloud/inputs.json names for that profile reach both
    `az deployment group create` commands, and the plan says which they are."""
    import json

    knobs = json.loads((ROOT / "infra" / "cloud" / "inputs.json").read_text())["profiles"][profile]["bicep"]
    r = dry_run(tmp_path, "--profile", profile)
    assert r.returncode == 0, r.stderr
    expected = [f"{k}={v}" for k, v in knobs.items()]
    assert f"# profile: {profile}: {' '.join(expected)}" in r.stdout
    creates = [c for c in commands(r.stdout) if c.startswith("az deployment group create")]
    assert len(creates) == 2
    for create in creates:
        words = create.split()
        for kv in expected:
            assert kv in words, f"{kv} missing from: {create}"


def test_profiles_differ_and_no_profile_keeps_the_template_defaults(tmp_path):
    seen = set()
    for profile in ("cheapest", "balanced", "fastest"):
        (tmp_path / profile).mkdir()
        r = dry_run(tmp_path / profile, "--profile", profile)
        create = next(c for c in commands(r.stdout) if c.startswith("az deployment group create"))
        seen.add(create)
    assert len(seen) == 3
    (tmp_path / "none").mkdir()
    r = dry_run(tmp_path / "none")
    create = next(c for c in commands(r.stdout) if c.startswith("az deployment group create"))
    assert "alwaysReady" not in create and "# profile: none" in r.stdout


def test_an_unknown_profile_fails(tmp_path):
    r = dry_run(tmp_path, "--profile", "turbo")
    assert r.returncode == 2
    assert "turbo" in r.stderr


def _routes(stdout: str) -> list[str]:
    return [l[len("# route: "):] for l in stdout.splitlines() if l.startswith("# route: ")]


def test_the_apps_domain_reaches_both_deployments_and_the_routes_are_listed(tmp_path):
    r = dry_run(tmp_path, "--apps-domain", "apps.example.com", "--apps-certificate", "ABC123")
    assert r.returncode == 0, r.stderr
    creates = [c for c in commands(r.stdout) if c.startswith("az deployment group create")]
    assert len(creates) == 2
    for c in creates:
        assert " appsDomain=apps.example.com " in c and " appsCertificateThumbprint=ABC123 " in c, c
    assert "# published apps: https://{slug}.apps.example.com/ on outputs.functionAppName" in r.stdout
    assert "*.apps.example.com CNAME outputs.functionAppName.azurewebsites.net" in r.stdout
    routes = _routes(r.stdout)
    assert routes[0].startswith("GET https://{slug}.apps.example.com/{path} ")
    assert "POST|DELETE outputs.apiBaseUrl/api/threads/{threadId}/publish" in routes
    assert any(x.startswith("POST outputs.apiBaseUrl/api/threads/{threadId}/deploy/vercel") for x in routes)
    assert any(x.startswith("GET outputs.apiBaseUrl/api/threads/{threadId}/deploy/vercel/{id}") for x in routes)


def test_the_listed_api_routes_are_the_handlers_routes(result):
    """The dry run names the routes the Rust router serves (no drift between the two)."""
    handler = ROOT / "functions" / "handler" / "src"
    served = (handler / "published.rs").read_text() + (handler / "deploy.rs").read_text()
    for route in _routes(result.stdout):
        if "/api/" not in route:
            continue
        path = "/api/" + route.split("/api/", 1)[1].split()[0]
        assert path.replace("{threadId}", "{thread}") in served, path


def test_without_an_apps_domain_none_is_passed_and_the_dry_run_says_so(result):
    for c in commands(result.stdout):
        assert "appsDomain" not in c, c
    assert "# published apps: no --apps-domain, so publishing gives no public URL" in result.stdout
    assert len(_routes(result.stdout)) == 3, "the API routes are listed either way"


@pytest.mark.parametrize(
    "args",
    [["--apps-domain", "Apps.Example.com"], ["--apps-domain", "no_dots"], ["--apps-certificate", "ABC"]],
)
def test_a_bad_apps_domain_fails(tmp_path, args):
    r = dry_run(tmp_path, *args)
    assert r.returncode == 2
    assert "deploy.sh: --apps-" in r.stderr
