"""infra/deploy.sh for real, against stand-ins for az, cargo, npm and npx (no cloud, no
network): the script runs end to end in a scratch copy of the repository, reads the
deployment outputs, keeps secrets out of argv and output, and patches authsettingsV2
without losing the provider the Static Web Apps link created."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import DEPLOY_SH

SWA_TOKEN = "swa-deploy-token-SECRET-42"
PREVIEW_KEY = "preview-key-SECRET-0123456789abcdef"

OUTPUTS = {
    "functionAppName": {"type": "String", "value": "func-t1-abc"},
    "apiBaseUrl": {"type": "String", "value": "https://func-t1-abc.azurewebsites.net"},
    "previewBaseUrl": {"type": "String", "value": "https://func-t1-abc.azurewebsites.net"},
    "staticWebAppName": {"type": "String", "value": "swa-t1-abc"},
    "webUrl": {"type": "String", "value": "https://nice-sea-123.azurestaticapps.net"},
    "registryName": {"type": "String", "value": "crabc"},
    "registryLoginServer": {"type": "String", "value": "crabc.azurecr.io"},
    "buildJobName": {"type": "String", "value": "caj-build-t1"},
    "storageAccountName": {"type": "String", "value": "stabc"},
    "openAiEndpoint": {"type": "String", "value": "https://oai.openai.azure.com/"},
    "managedIdentityClientId": {"type": "String", "value": "11111111-2222-3333-4444-555555555555"},
}
LINKED_AUTH = {
    "id": "/subscriptions/sub/.../config/authsettingsV2",
    "properties": {
        "platform": {"enabled": True},
        "globalValidation": {"requireAuthentication": True, "unauthenticatedClientAction": "Return401"},
        "identityProviders": {"azureStaticWebApps": {"enabled": True, "registration": {"clientId": "swa-client"}}},
    },
}

AZ = r'''#!PYTHON -S
import json, os, sys
log = os.environ["STUB_LOG"]
args = sys.argv[1:]
with open(log, "a") as f:
    f.write(json.dumps({"tool": "az", "args": args, "token_env": os.environ.get("SWA_CLI_DEPLOYMENT_TOKEN")}) + "\n")
state = os.environ["STUB_STATE"]
line = " ".join(args)
def out(s): sys.stdout.write(s); sys.exit(0)
if line.startswith("account show --output none"): sys.exit(0)
if line.startswith("account show --query id"): out("sub-123\n")
if args[:2] == ["deployment", "group"] and args[2] == "show":
    if "properties.outputs --output json" in line:
        out(os.environ["STUB_OUTPUTS"])
    sys.stderr.write("DeploymentNotFound\n"); sys.exit(3)
if args[:3] == ["deployment", "group", "create"]:
    params = [a for a in args if a.startswith("@")]
    p = params[0][1:]
    mode = os.stat(p).st_mode & 0o777
    doc = json.load(open(p))
    with open(state + "/params.json", "a") as f:
        f.write(json.dumps({"mode": mode, "doc": doc}) + "\n")
    sys.exit(0)
if args[:2] == ["rest", "--method"] and args[2] == "get":
    out(os.environ["STUB_AUTH"])
if args[:2] == ["rest", "--method"] and args[2] == "put":
    body = args[args.index("--body") + 1][1:]
    open(state + "/auth-put.json", "w").write(open(body).read())
    sys.exit(0)
if args[:3] == ["staticwebapp", "secrets", "list"]: out(os.environ["STUB_TOKEN"] + "\n")
if args[:4] == ["functionapp", "deployment", "source", "config-zip"]:
    src = args[args.index("--src") + 1]
    import zipfile
    names = zipfile.ZipFile(src).namelist()
    open(state + "/zip.json", "w").write(json.dumps(names))
    sys.exit(0)
sys.exit(0)
'''

LOGGER = r'''#!PYTHON -S
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as f:
    f.write(json.dumps({"tool": os.path.basename(sys.argv[0]), "args": sys.argv[1:],
                        "token_env": os.environ.get("SWA_CLI_DEPLOYMENT_TOKEN"),
                        "vite": os.environ.get("VITE_API_BASE")}) + "\n")
'''

CARGO = LOGGER + r'''
if sys.argv[1:3] == ["build", "--release"]:
    os.makedirs("target/release", exist_ok=True)
    p = "target/release/appgen"
    open(p, "w").write("#!/bin/sh\n# stand-in for `appgen package --out DIR`\nmkdir -p \"$3\" && echo '{}' > \"$3/host.json\" && cp \"$0\" \"$3/appgen\"\n")
    os.chmod(p, 0o755)
'''


# Stand-ins start without site-packages (-S): this machine may be busy, and they need only the
# standard library.
PYTHON = shutil.which("python3") or "/usr/bin/python3"


def _write(path: Path, text: str) -> None:
    path.write_text(text.replace("#!PYTHON", "#!" + PYTHON, 1))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One real-mode run, shared by the tests below."""
    tmp_path = tmp_path_factory.mktemp("deploy")
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    shutil.copy2(DEPLOY_SH, repo / "infra" / "deploy.sh")
    (repo / "bicep").mkdir()
    (repo / "bicep" / "main.bicep").write_text("// stand-in\n")
    (repo / "infra" / "Dockerfile").write_text("FROM scratch\n")
    (repo / "web").mkdir()
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "."], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "x"], cwd=repo, check=True)

    bindir = tmp_path / "bin"
    bindir.mkdir()
    _write(bindir / "az", AZ)
    _write(bindir / "cargo", CARGO)
    _write(bindir / "npm", LOGGER)
    _write(bindir / "npx", LOGGER)
    state = tmp_path / "state"
    state.mkdir()
    env = {
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "STUB_LOG": str(state / "log.jsonl"),
        "STUB_STATE": str(state),
        "STUB_OUTPUTS": json.dumps(OUTPUTS),
        "STUB_AUTH": json.dumps(LINKED_AUTH),
        "STUB_TOKEN": SWA_TOKEN,
        "APPGEN_PREVIEW_SECRET": PREVIEW_KEY,
    }
    r = subprocess.run(
        ["bash", "infra/deploy.sh", "--env", "t1", "--location", "westeurope", "--tag", "v1"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )
    calls = [json.loads(l) for l in (state / "log.jsonl").read_text().splitlines()]
    return repo, state, r, calls


def test_real_mode_runs_end_to_end(scratch):
    repo, state, r, calls = scratch
    assert r.returncode == 0, r.stdout + r.stderr
    tools = [c["tool"] for c in calls]
    assert tools.count("npx") == 1 and "cargo" in tools and "npm" in tools


def test_secrets_stay_out_of_argv_and_output(scratch):
    repo, state, r, calls = scratch
    for c in calls:
        assert PREVIEW_KEY not in json.dumps(c["args"]), c
        assert SWA_TOKEN not in json.dumps(c["args"]), c
    assert PREVIEW_KEY not in r.stdout + r.stderr and SWA_TOKEN not in r.stdout + r.stderr
    # The token reaches the SWA CLI through its environment, and only the SWA CLI.
    (npx,) = [c for c in calls if c["tool"] == "npx"]
    assert npx["token_env"] == SWA_TOKEN
    assert all(c["token_env"] is None for c in calls if c["tool"] != "npx")
    # The preview key went through a 0600 parameters file, which is gone afterwards.
    passes = [json.loads(l) for l in (state / "params.json").read_text().splitlines()]
    assert len(passes) == 2
    for p in passes:
        assert p["mode"] == 0o600
        assert p["doc"]["parameters"]["previewSecret"]["value"] == PREVIEW_KEY
    assert not list(repo.glob("target/appgen-deploy/*.parameters.json"))


def test_second_pass_sets_the_image_just_built(scratch):
    repo, state, r, calls = scratch
    creates = [c["args"] for c in calls if c["tool"] == "az" and c["args"][:3] == ["deployment", "group", "create"]]
    assert "builderImage=" in creates[0]
    assert "builderImage=crabc.azurecr.io/appgen-builder:v1" in creates[1]
    acr = next(c["args"] for c in calls if c["tool"] == "az" and c["args"][:2] == ["acr", "build"])
    assert acr[acr.index("--registry") + 1] == "crabc"
    assert acr[acr.index("--image") + 1] == "appgen-builder:v1"
    context = Path(acr[-1]) if Path(acr[-1]).is_absolute() else repo / acr[-1]
    assert (context / "infra" / "Dockerfile").is_file(), "the build context is the git archive"


def test_function_package_is_zipped_with_host_json_at_the_root(scratch):
    repo, state, r, calls = scratch
    names = json.loads((state / "zip.json").read_text())
    assert "host.json" in names and "appgen" in names
    deploy = next(c["args"] for c in calls if c["tool"] == "az" and c["args"][:2] == ["functionapp", "deployment"])
    assert deploy[deploy.index("--name") + 1] == "func-t1-abc"


def test_authsettings_keep_the_link_and_exclude_only_previews(scratch):
    repo, state, r, calls = scratch
    put = json.loads((state / "auth-put.json").read_text())
    props = put["properties"]
    assert props["identityProviders"] == LINKED_AUTH["properties"]["identityProviders"]
    assert props["globalValidation"]["requireAuthentication"] is True
    assert props["globalValidation"]["excludedPaths"] == ["/data/", "/p/"]
    url = next(c["args"] for c in calls if c["tool"] == "az" and c["args"][:3] == ["rest", "--method", "put"])
    assert "/subscriptions/sub-123/resourceGroups/rg-t1/providers/Microsoft.Web/sites/func-t1-abc/config/authsettingsV2" in " ".join(url)


def test_web_is_built_for_same_origin_api_and_deployed_to_production(scratch):
    repo, state, r, calls = scratch
    build = next(c for c in calls if c["tool"] == "npm" and "build" in c["args"])
    assert build["vite"] == ""
    npx = next(c["args"] for c in calls if c["tool"] == "npx")
    assert npx[:2] == ["--yes", "@azure/static-web-apps-cli@2.0.10"]
    assert npx[2:] == ["deploy", "web/dist", "--env", "production"]


def test_real_mode_refuses_without_az_login(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _write(bindir / "az", "#!/bin/sh\nexit 1\n")
    for tool in ("cargo", "npm"):
        _write(bindir / tool, "#!/bin/sh\nexit 0\n")
    r = subprocess.run(
        ["bash", str(DEPLOY_SH)], env={"PATH": f"{bindir}:{os.environ['PATH']}", "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 1 and "az login" in r.stderr
