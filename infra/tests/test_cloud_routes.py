"""Routes as the Functions host will expose them in Azure, from host.json (routePrefix) and the
FUNCTIONS table in functions/handler/src/functions.rs (which `appgen package` turns into the
function.json files):
  * every API function sits under /api/ -- the only prefix a Static Web Apps linked backend
    forwards, and what the UI calls;
  * previews need a function on /p/ at the root of the Function App's host, the origin
    main.bicep sets as APPGEN_PREVIEW_BASE_URL and deploy.sh exempts from the SWA-link auth;
    the generated apps' data API (/data/) sits beside them on the same origin;
  * published apps need one catch-all function (`apps`, every path of the wildcard apps
    domain); the handler routes it by host, so it never answers for the API's routes."""

from __future__ import annotations

import json
import re

import pytest

from conftest import FUNCTIONS_RS, ROOT


def _route_prefix() -> str:
    host = json.loads((ROOT / "host.json").read_text())
    return ((host.get("extensions") or {}).get("http") or {}).get("routePrefix", "api").strip("/")


def _http_routes() -> dict[str, str]:
    src = FUNCTIONS_RS.read_text()
    table = src[src.index("pub const FUNCTIONS"):]
    table = table[: table.index("\n];")]
    pairs = re.findall(r'name:\s*"([^"]+)",\s*trigger:\s*Trigger::Http\s*\{\s*route:\s*"([^"]*)"', table)
    assert pairs, "no HTTP functions found in FUNCTIONS"
    prefix = _route_prefix()
    return {name: "/" + "/".join(p for p in (prefix, route.strip("/")) if p) for name, route in pairs}


def test_host_json_uses_the_custom_handler_with_proxying():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["customHandler"]["enableProxyingHttpRequest"] is True
    assert host["customHandler"]["description"]["defaultExecutablePath"] == "appgen"


def test_api_functions_sit_under_api():
    routes = _http_routes()
    api = {n: r for n, r in routes.items() if not r.startswith(("/p/", "/data/")) and n != "apps"}
    assert api and all(r.startswith("/api/") for r in api.values()), api


def test_previews_have_a_function_at_the_root_of_the_host():
    assert any(r.startswith("/p/") for r in _http_routes().values()), _http_routes()


def test_the_apps_data_api_sits_beside_the_previews():
    assert _http_routes().get("appdata") == "/data/{*path}", _http_routes()


def test_published_apps_have_one_catch_all_function():
    assert _http_routes()["apps"] == "/{*path}"
