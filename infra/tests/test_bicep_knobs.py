"""The latency/cost knobs reach the resources they change: always-ready instances (Flex
functionAppConfig.scaleAndConcurrency.alwaysReady), the queue polling override, the build job's
polling interval and minimum executions. Their effects are modelled in infra/cloud/model.py."""

from __future__ import annotations

import json

from conftest import BICEP_DIR, MAIN_BICEP, body, parse_bicep, resources, rust_queue_functions

MODULES = BICEP_DIR / "modules"
HOST_JSON = BICEP_DIR.parent / "host.json"


def _site():
    doc = parse_bicep(MODULES / "functionapp.bicep")
    (site,) = [r for _, r in resources(doc) if r["type"] == "Microsoft.Web/sites"]
    return doc, body(site)


def test_main_passes_every_knob_to_its_module():
    main = parse_bicep(MAIN_BICEP)
    fa = body(main["modules"]["functionApp"])["params"]
    job = body(main["modules"]["buildJob"])["params"]
    assert fa["alwaysReadyHttp"] == "alwaysReadyHttp"
    assert fa["alwaysReadySteps"] == "alwaysReadySteps"
    assert fa["queueMaxPollingInterval"] == "queueMaxPollingInterval"
    assert fa["buildInFunctionApp"] == "buildInFunctionApp"
    assert job["pollingInterval"] == "buildPollingInterval"
    assert job["minExecutions"] == "buildMinExecutions"
    # Defaults are pure pay-per-use: nothing warm, nothing billed while idle.
    params = main["parameters"]
    for name in ("alwaysReadyHttp", "alwaysReadySteps", "buildMinExecutions"):
        assert params[name]["default"] == 0, name


def test_always_ready_covers_the_http_group_and_each_step_function():
    main = parse_bicep(MAIN_BICEP)
    steps = main["variables"]["stepFunctionNames"]["value"]
    functions = rust_queue_functions()
    # Names the Functions host knows; build runs in the job, and no test-only step is kept warm.
    assert set(steps) <= set(functions.values()), f"unknown functions: {set(steps) - set(functions.values())}"
    assert functions["Build"] not in steps
    for variant in ("Clarify", "Requirements", "Wireframe", "Code", "Review", "Fix", "Modify"):
        assert functions[variant] in steps
    doc, site = _site()
    scale = site["properties"]["functionAppConfig"]["scaleAndConcurrency"]
    assert scale["alwaysReady"] == "alwaysReady"
    concat = doc["variables"]["alwaysReady"]["value"]["function"]
    assert concat["type"] == "concat"
    assert concat["parameters"]["arg_1"] == [{"name": "http", "instanceCount": "alwaysReadyHttp"}]
    per_step = doc["variables"][concat["parameters"]["arg_2"]]["value"]
    assert per_step["loop_type"]["detail"]["array_name"] == "stepFunctionNames"
    assert per_step["config"] == {"name": "function:${f}", "instanceCount": "alwaysReadySteps"}


def test_queue_polling_is_overridden_by_app_setting_with_host_json_as_the_default():
    _, site = _site()
    settings = {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}
    assert settings["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] == "queueMaxPollingInterval"
    host = json.loads(HOST_JSON.read_text())
    main = parse_bicep(MAIN_BICEP)
    assert main["parameters"]["queueMaxPollingInterval"]["default"] == host["extensions"]["queues"]["maxPollingInterval"]


def test_build_job_scale_uses_the_knobs():
    doc = parse_bicep(MODULES / "buildjob.bicep")
    (job,) = [r for _, r in resources(doc) if r["type"] == "Microsoft.App/jobs"]
    scale = body(job)["properties"]["configuration"]["eventTriggerConfig"]["scale"]
    assert scale["pollingInterval"] == "pollingInterval"
    assert scale["minExecutions"] == "minExecutions"
