"""The template declares every resource, role, app setting, queue and container the code
expects. Queue and container names are read from the Rust sources (StepName::queue(),
StepName::poison_queue(), Container::name()), never copied into this test."""

from __future__ import annotations

import re

import pytest

from conftest import (
    BICEP_DIR,
    MAIN_BICEP,
    body,
    parse_bicep,
    resources,
    rust_containers,
    rust_deploy_function,
    rust_deploy_queue,
    rust_queue_functions,
    rust_poison_suffix,
    rust_step_queues,
    walk,
)

MODULES = BICEP_DIR / "modules"

# App settings the code reads in the cloud (see the issue and docs/api.md).
REQUIRED_APP_SETTINGS = {
    "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPGEN_LLM",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_VERSION",
    "APPGEN_MODEL_FAST",
    "APPGEN_MODEL_STRONG",
    "AZURE_CLIENT_ID",
    "APPGEN_AUTH",
    "APPGEN_PREVIEW_BASE_URL",
    "APPGEN_WEB_ORIGIN",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPGEN_PREVIEW_SECRET",
    "APPGEN_APPS_DOMAIN",
}

# Built-in role definition ids (MS Docs built-in roles; /work/shared/research/azure-functions.md).
ROLES = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Cognitive Services OpenAI User",
    "b9a307c4-5aa3-4b52-ba60-2b17c136cd7b": "Container Apps Jobs Operator",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}
# Where each role must be granted (the `existing` resource type its assignment is scoped to).
ROLE_SCOPES = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Microsoft.Storage/storageAccounts",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Microsoft.Storage/storageAccounts",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Microsoft.CognitiveServices/accounts",
    "b9a307c4-5aa3-4b52-ba60-2b17c136cd7b": "Microsoft.App/jobs",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "Microsoft.ContainerRegistry/registries",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Microsoft.Insights/components",
}

REQUIRED_RESOURCE_TYPES = {
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Storage/storageAccounts/blobServices",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    "Microsoft.Storage/storageAccounts/queueServices",
    "Microsoft.Storage/storageAccounts/queueServices/queues",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/components",
    "Microsoft.Web/serverfarms",
    "Microsoft.Web/sites",
    "Microsoft.CognitiveServices/accounts",
    "Microsoft.CognitiveServices/accounts/deployments",
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Web/staticSites",
    "Microsoft.Web/staticSites/linkedBackends",
    "Microsoft.App/managedEnvironments",
    "Microsoft.App/jobs",
    "Microsoft.ContainerRegistry/registries",
}


def _main():
    return parse_bicep(MAIN_BICEP)


def _module(name: str):
    return parse_bicep(MODULES / f"{name}.bicep")


def _main_var_passed_to(module_symbol: str, param: str) -> list[str]:
    """The literal list main.bicep passes to a module parameter (through a `var`)."""
    main = _main()
    passed = body(main["modules"][module_symbol])["params"][param]
    assert isinstance(passed, str) and passed in main["variables"], (
        f"main.bicep should pass a var to {module_symbol}.{param}, got {passed!r}"
    )
    value = main["variables"][passed]["value"]
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def _looped_resource(doc, rtype: str, array: str):
    for symbol, res in resources(doc):
        if res["type"] == rtype:
            loop = res["config"].get("loop_type") or {}
            if (loop.get("detail") or {}).get("array_name") == array:
                item = loop["detail"]["item_name"]
                assert body(res)["name"] == item, f"{symbol} is not named after the loop item"
                return symbol
    return None


# ---- queues and containers -------------------------------------------------------------------

def test_every_step_queue_the_deploy_queue_and_their_poison_queues_are_declared():
    expected = set()
    for queue in [*rust_step_queues().values(), rust_deploy_queue()]:
        expected |= {queue, queue + rust_poison_suffix()}
    declared = _main_var_passed_to("storage", "queueNames")
    assert len(declared) == len(set(declared)), "duplicate queue names"
    assert set(declared) == expected, (
        f"missing: {sorted(expected - set(declared))}, unknown to the code: {sorted(set(declared) - expected)}"
    )
    storage = _module("storage")
    assert _looped_resource(storage, "Microsoft.Storage/storageAccounts/queueServices/queues", "queueNames"), (
        "storage.bicep must create one queue per entry of param queueNames"
    )


def test_every_blob_container_is_declared():
    expected = set(rust_containers().values())
    declared = _main_var_passed_to("storage", "containerNames")
    assert set(declared) == expected
    storage = _module("storage")
    assert _looped_resource(storage, "Microsoft.Storage/storageAccounts/blobServices/containers", "containerNames")


def test_queue_names_are_valid_azure_queue_names():
    for q in _main_var_passed_to("storage", "queueNames"):
        assert re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", q), q


def test_build_job_is_triggered_by_the_build_queue_and_signs_previews_like_the_api():
    queues = rust_step_queues()
    main = _main()
    params = body(main["modules"]["buildJob"])["params"]
    assert main["variables"][params["buildQueueName"]]["value"] == queues["Build"]
    # The build step renders preview URLs: same base and key as the Function App.
    assert params["previewBaseUrl"] == "previewBaseUrl" and params["previewSecret"] == "previewSecret"

    job = _module("buildjob")
    jobs = [r for _, r in resources(job) if r["type"] == "Microsoft.App/jobs"]
    assert len(jobs) == 1
    cfg = body(jobs[0])["properties"]["configuration"]
    assert cfg["triggerType"] == "Event"
    (rule,) = cfg["eventTriggerConfig"]["scale"]["rules"]
    assert rule["type"] == "azure-queue"
    assert rule["metadata"]["queueName"] == "buildQueueName"
    assert rule["metadata"]["accountName"] == "storageAccountName"
    # Managed identity, not a connection-string secret.
    assert rule["identity"] == "identityId"
    assert "auth" not in rule, "the scale rule uses the identity, not a connection secret"
    assert jobs[0]["api_version"] >= "2025-01-01", "scale-rule `identity` needs Microsoft.App 2025-01-01"
    registries = cfg["registries"]["operator"]
    assert registries["type"] == "conditional" and registries["operands"]["true_value"] == []
    (registry,) = registries["operands"]["false_value"]
    assert registry["identity"] == "identityId" and "passwordSecretRef" not in registry
    (container,) = body(jobs[0])["properties"]["template"]["containers"]
    assert container["command"] == ["appgen-builder", "job"]
    env = {e["name"]: e.get("value", e.get("secretRef")) for e in container["env"]}
    assert env["APPGEN_PREVIEW_SECRET"] == "preview-secret", "the key comes from the job's secret"
    assert env["APPGEN_PREVIEW_BASE_URL"] == "previewBaseUrl"
    for name in (
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "AZURE_CLIENT_ID",
    ):
        assert name in env, f"build job env lacks {name}"
    assert env["AzureWebJobsStorage__credential"] == "managedidentity"


# ---- resources ---------------------------------------------------------------------------------

def test_every_resource_type_is_declared(parsed):
    declared = {res["type"] for doc in parsed.values() for _, res in resources(doc)}
    missing = REQUIRED_RESOURCE_TYPES - declared
    assert not missing, f"not declared: {sorted(missing)}"


def test_every_module_is_used_by_main():
    used = {m["detail"]["path"] for m in _main()["modules"].values()}
    for path in MODULES.glob("*.bicep"):
        assert f"modules/{path.name}" in used, f"{path.name} is not deployed by main.bicep"


# ---- roles ---------------------------------------------------------------------------------------

def _role_assignments(parsed):
    for path, doc in parsed.items():
        existing = {s: r["type"] for s, r in (doc.get("resources") or {}).items() if r.get("existing")}
        for symbol, res in resources(doc):
            if res["type"] == "Microsoft.Authorization/roleAssignments":
                yield path, symbol, body(res), existing


def _role_id(props) -> str:
    fn = props["roleDefinitionId"]["function"]
    assert fn["type"] == "subscription_resource_id"
    assert fn["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions"
    return fn["parameters"]["resource_name_1"]


def test_the_identity_holds_exactly_the_roles_it_needs(parsed):
    granted = {}
    for path, symbol, cfg, existing in _role_assignments(parsed):
        props = cfg["properties"]
        role = _role_id(props)
        assert role in ROLES, f"{path.name}:{symbol} grants an unexpected role {role}"
        assert props["principalType"] == "ServicePrincipal"
        assert props["principalId"] == "principalId"
        # Scoped to one resource of the right type, never the resource group.
        scope = cfg.get("scope")
        assert scope in existing, f"{path.name}:{symbol} must be scoped to a resource, got {scope!r}"
        assert existing[scope] == ROLE_SCOPES[role], f"{ROLES[role]} scoped to {existing[scope]}"
        # Deterministic name: guid(scope, principal, role).
        name = cfg["name"]["function"]
        assert name["type"] == "guid"
        granted[role] = symbol
    missing = set(ROLES) - set(granted)
    assert not missing, f"roles not granted: {[ROLES[r] for r in missing]}"


def test_roles_are_granted_to_the_managed_identity():
    roles = body(_main()["modules"]["roles"])["params"]
    principal = roles["principalId"]
    assert principal["operator"]["operands"]["operand_1"] == "identity"


# ---- the Function App ------------------------------------------------------------------------------

def _site():
    fa = _module("functionapp")
    sites = [r for _, r in resources(fa) if r["type"] == "Microsoft.Web/sites"]
    plans = [r for _, r in resources(fa) if r["type"] == "Microsoft.Web/serverfarms"]
    assert len(sites) == 1 and len(plans) == 1
    return fa, body(sites[0]), body(plans[0])


def test_function_app_is_flex_consumption_with_the_custom_runtime():
    _, site, plan = _site()
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    assert plan["properties"]["reserved"] is True
    assert site["kind"] == "functionapp,linux"
    cfg = site["properties"]["functionAppConfig"]
    assert cfg["runtime"] == {"name": "custom", "version": "1.0"}
    storage = cfg["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"]["type"] == "UserAssignedIdentity"
    assert storage["authentication"]["userAssignedIdentityResourceId"] == "identityId"
    assert site["identity"]["type"] == "UserAssigned"


def test_function_app_settings_cover_everything_the_code_reads():
    _, site, _ = _site()
    settings = {}
    for s in site["properties"]["siteConfig"]["appSettings"]:
        assert s["name"] not in settings, f"duplicate app setting {s['name']}"
        settings[s["name"]] = s["value"]
    missing = REQUIRED_APP_SETTINGS - set(settings)
    assert not missing, f"app settings missing: {sorted(missing)}"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["APPGEN_AUTH"] == "swa"
    assert settings["APPGEN_LLM"] == "azure-openai"
    assert settings["AZURE_CLIENT_ID"] == settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["APPGEN_PREVIEW_SECRET"] == "previewSecret"
    # Shared keys are off, so a key-based connection string must not appear; Flex takes the
    # runtime from functionAppConfig, not FUNCTIONS_WORKER_RUNTIME.
    assert "AzureWebJobsStorage" not in settings
    assert "FUNCTIONS_WORKER_RUNTIME" not in settings
    assert "WEBSITE_RUN_FROM_PACKAGE" not in settings


def test_function_app_leaves_cors_to_the_handler_and_sets_no_cookies():
    fa, site, _ = _site()
    # Platform CORS would answer preflights before the handler and refuse the generated apps'
    # origins on /data; the handler allows the web origin on /api from APPGEN_WEB_ORIGIN.
    assert "cors" not in site["properties"]["siteConfig"]
    settings = {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}
    assert settings["APPGEN_WEB_ORIGIN"] == "webOrigin"
    assert site["properties"]["clientAffinityEnabled"] is False
    assert site["properties"]["httpsOnly"] is True
    # main.bicep passes the Static Web App's hostname as the web origin.
    web_origin = body(_main()["modules"]["functionApp"])["params"]["webOrigin"]
    assert web_origin == "https://${staticWebApp.outputs.defaultHostname}"


def test_preview_origin_is_the_function_app_host_not_the_web_origin():
    main = _main()
    assert main["variables"]["previewBaseUrl"]["value"] == "https://${functionAppName}.azurewebsites.net"
    assert body(main["modules"]["functionApp"])["params"]["name"] == "functionAppName"
    assert main["outputs"]["previewBaseUrl"]["value"] == "previewBaseUrl"
    assert body(main["modules"]["functionApp"])["params"]["previewBaseUrl"] == "previewBaseUrl"
    _, site, _ = _site()
    settings = {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}
    assert settings["APPGEN_PREVIEW_BASE_URL"] == "previewBaseUrl"
    assert settings["APPGEN_WEB_ORIGIN"] == "webOrigin"  # https://<swa host>: a different site


def test_static_web_app_is_standard_and_linked_to_the_function_app():
    swa = [r for _, r in resources(_module("staticwebapp")) if r["type"] == "Microsoft.Web/staticSites"]
    assert body(swa[0])["sku"]["name"] == "Standard"
    link = [r for _, r in resources(_module("staticwebapp-link")) if r["type"] == "Microsoft.Web/staticSites/linkedBackends"]
    assert body(link[0])["properties"]["backendResourceId"] == "functionAppId"


def test_openai_deployments_are_parameters():
    main = _main()
    params = main["parameters"]
    for p in ("fastModelDeploymentName", "strongModelDeploymentName"):
        assert p in params
    fa = body(main["modules"]["functionApp"])["params"]
    assert fa["modelFast"] == "fastModelDeploymentName"
    assert fa["modelStrong"] == "strongModelDeploymentName"
    oai = _module("openai")
    deps = [r for _, r in resources(oai) if r["type"] == "Microsoft.CognitiveServices/accounts/deployments"]
    assert len(deps) == 1
    assert body(deps[0])["name"] == {"operator": {"type": "property_accessor", "operands": {"operand_1": "d", "operand_2": "name"}}}
    passed = body(main["modules"]["openAi"])["params"]
    assert passed["fastDeployment"]["name"] == "fastModelDeploymentName"
    assert passed["strongDeployment"]["name"] == "strongModelDeploymentName"
    # Both are created, by one loop over the module's `deployments` var.
    assert oai["variables"]["deployments"]["value"] == ["fastDeployment", "strongDeployment"]
    assert deps[0]["config"]["loop_type"]["detail"]["array_name"] == "deployments"


@pytest.mark.parametrize("param", ["environmentName", "location"])
def test_main_is_parameterised_by_environment_and_location(param):
    assert param in _main()["parameters"]


def test_main_outputs_what_deploy_sh_reads():
    outputs = set(_main()["outputs"])
    script = (BICEP_DIR.parent / "infra" / "deploy.sh").read_text()
    read = set(re.findall(r"\$\(output (\w+)\)", script))
    assert read, "deploy.sh reads no outputs?"
    assert read <= outputs, f"deploy.sh reads outputs main.bicep lacks: {sorted(read - outputs)}"


def test_json_walk_helper_sees_everything():
    # Guard for the helpers above: the parser output is a plain JSON tree.
    assert any(v == "Microsoft.App/jobs" for v in walk(_module("buildjob")))


# Settings the platform reads, or that this template proposes to the code (not in
# local.settings.example.json because they mean nothing locally).
PLATFORM_OR_PROPOSED = {
    "AzureWebJobs.${buildFunctionName}.Disabled",  # Functions host: disables one function
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",  # Functions host: Entra ID auth to App Insights
    "APPGEN_BUILD_JOB_ID",  # resource ID of the build job, for a direct start (Jobs Operator role)
    "APPGEN_BUILD_QUEUE",  # build job: the queue it was triggered from
    "APPGEN_REVIEW_QUEUE",  # build job: the queue it enqueues to
    "AzureFunctionsJobHost__extensions__queues__maxPollingInterval",  # Functions host: host.json override
}


def test_every_setting_the_template_sets_is_known_to_the_code():
    """No typos: each app setting / job env var is in local.settings.example.json (the lead's
    list of every setting the code reads) or is a platform setting listed above."""
    import json

    known = set(json.loads((BICEP_DIR.parent / "local.settings.example.json").read_text())["Values"])
    _, site, _ = _site()
    names = {s["name"] for s in site["properties"]["siteConfig"]["appSettings"]}
    job = _module("buildjob")
    for _, r in resources(job):
        if r["type"] == "Microsoft.App/jobs":
            for c in body(r)["properties"]["template"]["containers"]:
                names |= {e["name"] for e in c["env"]}
    unknown = names - known - PLATFORM_OR_PROPOSED
    assert not unknown, f"settings the code does not know: {sorted(unknown)}"
    assert REQUIRED_APP_SETTINGS <= known, "the issue's settings should all be in local.settings.example.json"


def test_only_the_build_job_consumes_the_build_queue():
    """functions.rs gives the Function App a queue-triggered function for every step, build
    included; in Azure the build runs in the Container Apps job, so the template must disable
    that function (AzureWebJobs.<name>.Disabled) or the two would race for step-build."""
    functions = rust_queue_functions()
    assert set(functions) == set(rust_step_queues()), f"could not read FUNCTIONS: {functions}"
    main = _main()
    assert main["variables"]["buildFunctionName"]["value"] == functions["Build"]
    assert body(main["modules"]["functionApp"])["params"]["buildFunctionName"] == "buildFunctionName"
    _, site, _ = _site()
    settings = {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}
    # Disabled unless buildInFunctionApp (off by default and in every profile: docs/cloud-model.md).
    assert settings.get("AzureWebJobs.${buildFunctionName}.Disabled") == {
        "operator": {"type": "conditional", "operands": {"condition": "buildInFunctionApp", "true_value": "false", "false_value": "true"}}
    }
    assert parse_bicep(MODULES / "functionapp.bicep")["parameters"]["buildInFunctionApp"]["default"] is False
    assert main["parameters"]["buildInFunctionApp"]["default"] is False
    # ...and no other step is disabled, nor the deploys' function (nothing else takes deploys).
    assert [n for n in settings if n.endswith(".Disabled")] == ["AzureWebJobs.${buildFunctionName}.Disabled"]
    assert f"AzureWebJobs.{rust_deploy_function()}.Disabled" not in settings
