"""Cloud previews are served by the handler on the Function App's host (see main.bicep), so the
headers that keep generated code away from the user's session come from
functions/handler/src/preview.rs. This checks them from the source."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

PREVIEW_RS = ROOT / "functions" / "handler" / "src" / "preview.rs"


def _csp() -> str:
    m = re.search(r'const CSP: &str = "([^"]+)";', PREVIEW_RS.read_text())
    assert m, "preview.rs no longer defines `const CSP`"
    return m.group(1)


def test_preview_sends_strict_csp_nosniff_and_no_cookies():
    src = PREVIEW_RS.read_text()
    csp = _csp()
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "header::CONTENT_SECURITY_POLICY" in src
    assert "header::X_CONTENT_TYPE_OPTIONS" in src and '"nosniff"' in src
    assert "SET_COOKIE" not in src.upper().replace("-", "_") or "remove(header::SET_COOKIE" in src


def test_preview_csp_sandboxes_even_outside_the_iframe():
    """Without `sandbox`, a preview URL opened in its own tab runs with the Function App's
    origin, which is also the API's host."""
    directives = {d.strip().split()[0] for d in _csp().split(";") if d.strip()}
    assert "sandbox" in directives
    assert "allow-same-origin" not in _csp()
