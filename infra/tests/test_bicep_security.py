"""No secret leaves a deployment through an output, no key is ever listed, shared-key and
local auth are off everywhere, and secure inputs are marked @secure()."""

from __future__ import annotations

import re

import pytest

from conftest import BICEP_DIR, MAIN_BICEP, bicep_files, body, parse_bicep, resources, walk

SECRETISH_NAME = re.compile(r"(secret|password|key|token|connectionstring|credential|sas)", re.I)
LIST_FUNCTION = re.compile(r"\blist[A-Z]?\w*\s*\(", re.I)


def _ids(p):
    return str(p.relative_to(BICEP_DIR))


def _is_list_call(node) -> bool:
    if not isinstance(node, dict):
        return False
    fn = node.get("function") or {}
    if isinstance(fn, dict) and str(fn.get("type", "")).lower().startswith("list"):
        return True
    acc = node.get("operator") or {}
    if isinstance(acc, dict) and acc.get("type") == "function_accessor":
        return True  # resource.listKeys() and friends
    return False


@pytest.mark.parametrize("path", bicep_files(), ids=_ids)
def test_no_key_listing_anywhere(path):
    """listKeys/listSecrets/listCredentials/... appear nowhere: every caller uses Entra ID."""
    text = re.sub(r"//.*", "", path.read_text())
    assert not LIST_FUNCTION.search(text), f"{path.name} lists keys"
    assert not any(_is_list_call(n) for n in walk(parse_bicep(path)))


@pytest.mark.parametrize("path", bicep_files(), ids=_ids)
def test_outputs_carry_no_secrets(path):
    doc = parse_bicep(path)
    secure_params = {
        n for n, p in (doc.get("parameters") or {}).items()
        if any(d.get("type") == "secure" for d in p.get("decorators") or [])
    }
    for name, out in (doc.get("outputs") or {}).items():
        assert not any(d.get("type") == "secure" for d in out.get("decorators") or []), f"@secure output {name}"
        assert not SECRETISH_NAME.search(name) or name == "managedIdentityClientId", f"output {name} looks like a secret"
        values = [v for v in walk(out["value"]) if isinstance(v, str)]
        for p in secure_params:
            assert not any(re.search(rf"\b{p}\b", v) for v in values), f"output {name} exposes @secure param {p}"
        assert not any(_is_list_call(n) for n in walk(out["value"]))
        assert not any(LIST_FUNCTION.search(v) for v in values), f"output {name} lists keys"
        assert not any(re.search(r"AccountKey|SharedAccessSignature|sig=", v) for v in values), f"output {name}"
        assert not any("ConnectionString" in v or "InstrumentationKey" in v for v in values), f"output {name}"


def test_the_preview_secret_is_a_secure_parameter_all_the_way_down():
    main = parse_bicep(MAIN_BICEP)
    decorators = {d["type"] for d in main["parameters"]["previewSecret"]["decorators"]}
    assert "secure" in decorators
    assert main["parameters"]["previewSecret"]["default"] is None, "no secret default in the template"
    fa = parse_bicep(BICEP_DIR / "modules" / "functionapp.bicep")
    assert "secure" in {d["type"] for d in fa["parameters"]["previewSecret"]["decorators"]}


@pytest.mark.parametrize("path", bicep_files(), ids=_ids)
def test_secretish_params_are_secure(path):
    for name, p in (parse_bicep(path).get("parameters") or {}).items():
        if SECRETISH_NAME.search(name):
            assert any(d.get("type") == "secure" for d in p.get("decorators") or []), f"{path.name}: {name}"


def _all(rtype):
    for path in bicep_files():
        for _, res in resources(parse_bicep(path)):
            if res["type"] == rtype:
                yield body(res)


def test_storage_accounts_disable_shared_keys_and_public_blobs():
    accounts = list(_all("Microsoft.Storage/storageAccounts"))
    assert accounts
    for acc in accounts:
        props = acc["properties"]
        assert props["allowSharedKeyAccess"] is False
        assert props["allowBlobPublicAccess"] is False
        assert props["minimumTlsVersion"] == "TLS1_2"
        assert props["supportsHttpsTrafficOnly"] is True


def test_local_auth_is_disabled_on_openai_and_app_insights():
    for acc in _all("Microsoft.CognitiveServices/accounts"):
        assert acc["properties"]["disableLocalAuth"] is True
    for ai in _all("Microsoft.Insights/components"):
        assert ai["properties"]["DisableLocalAuth"] is True


def test_registry_has_no_admin_user():
    for reg in _all("Microsoft.ContainerRegistry/registries"):
        assert reg["properties"]["adminUserEnabled"] is False
        # Anonymous pull exists only on Premium (and not in this API version's schema).
        assert "anonymousPullEnabled" not in reg["properties"]
    param = parse_bicep(BICEP_DIR / "modules" / "registry.bicep")["parameters"]["skuName"]
    allowed = next(d["argument"] for d in param["decorators"] if d["type"] == "allowed")
    assert "Premium" not in allowed and param["default"] == "Basic"


def test_blob_containers_are_private():
    containers = list(_all("Microsoft.Storage/storageAccounts/blobServices/containers"))
    assert containers
    for c in containers:
        assert c["properties"]["publicAccess"] == "None"


def test_no_secrets_in_container_app_job():
    # Storage is reached with the identity, never a key: the only secret the job holds is the
    # preview signing key, taken from the @secure() parameter.
    for job in _all("Microsoft.App/jobs"):
        secrets = job["properties"]["configuration"].get("secrets", [])
        assert [x["name"] for x in secrets] == ["preview-secret"], secrets
        assert secrets[0]["value"] == "previewSecret"
