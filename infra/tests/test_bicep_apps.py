"""Published apps on Azure: main.bicep takes the wildcard apps domain and passes it to the
Function App, which gets APPGEN_APPS_DOMAIN and a `*.<domain>` host name binding (only when a
domain is given), and the host routes every path of that domain to the handler through the
catch-all `apps` HTTP function (functions/handler/src/functions.rs, published.rs)."""

from __future__ import annotations

import re

from conftest import BICEP_DIR, FUNCTIONS_RS, MAIN_BICEP, body, parse_bicep, resources

MODULES = BICEP_DIR / "modules"


def _fa():
    return parse_bicep(MODULES / "functionapp.bicep")


def test_main_takes_the_apps_domain_and_passes_it_on():
    main = parse_bicep(MAIN_BICEP)
    params = main["parameters"]
    assert params["appsDomain"]["default"] == "", "publishing needs no domain to deploy"
    assert params["appsCertificateThumbprint"]["default"] == ""
    fa = body(main["modules"]["functionApp"])["params"]
    assert fa["appsDomain"] == "appsDomain"
    assert fa["appsCertificateThumbprint"] == "appsCertificateThumbprint"
    assert "appsUrlPattern" in main["outputs"]


def test_the_function_app_reads_the_domain_and_binds_its_wildcard():
    doc = _fa()
    (site,) = [r for _, r in resources(doc) if r["type"] == "Microsoft.Web/sites"]
    settings = {s["name"]: s["value"] for s in body(site)["properties"]["siteConfig"]["appSettings"]}
    assert settings["APPGEN_APPS_DOMAIN"] == "appsDomain"
    (binding,) = [r for _, r in resources(doc) if r["type"] == "Microsoft.Web/sites/hostNameBindings"]
    assert "condition" in binding["config"], "bound only when a domain is given"
    b = body(binding)
    assert b["name"] == "*.${appsDomain}"
    assert b["properties"]["customHostNameDnsRecordType"] == "CName"


def test_a_catch_all_http_function_reaches_the_apps_router():
    src = FUNCTIONS_RS.read_text()
    m = re.search(r'name: "apps",\s*trigger: Trigger::Http \{\s*route: "([^"]+)",\s*methods: &\[([^\]]*)\]', src)
    assert m, "no `apps` HTTP function"
    assert m.group(1) == "{*path}"
    assert '"get"' in m.group(2)
