"""Checkov (the version pinned in infra/requirements-checkov.txt) scans every Bicep file: no
file it cannot parse, no failed check, and every skipped check carries a reason in the template
(`// checkov:skip=CKV_...: why`). Run offline (--skip-download)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import BICEP_DIR, ROOT

CHECKOV = Path(os.environ.get("APPGEN_CHECKOV", ROOT / "infra" / ".venv-checkov" / "bin" / "checkov"))
PINNED = next(
    line.split("==")[1].strip()
    for line in (ROOT / "infra" / "requirements-checkov.txt").read_text().splitlines()
    if line.startswith("checkov==")
)


def checkov(directory: Path) -> dict:
    if not CHECKOV.is_file():
        pytest.fail(f"{CHECKOV} is missing: run the suite through bash infra/tests/run.sh, which installs it")
    r = subprocess.run(
        [str(CHECKOV), "--directory", str(directory), "--framework", "bicep", "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Exit 1 means "some check failed"; anything else non-zero is Checkov itself failing.
    assert r.returncode in (0, 1), r.stderr[-2000:]
    doc = json.loads(r.stdout)
    # A directory with nothing scannable yields an empty summary list instead of a report.
    assert isinstance(doc, dict), r.stdout[:500]
    return doc


@pytest.fixture(scope="module")
def report() -> dict:
    return checkov(BICEP_DIR)


def test_the_pinned_version_ran(report):
    assert report["summary"]["checkov_version"] == PINNED


def test_every_bicep_file_parses_under_checkov(report):
    assert report["summary"]["parsing_errors"] == 0, report["results"]["parsing_errors"]
    scanned = {c["file_path"] for kind in ("passed_checks", "failed_checks", "skipped_checks") for c in report["results"][kind]}
    # Every module that declares a resource Checkov has checks for is scanned (storage included).
    for name in ("storage", "openai", "functionapp", "registry", "buildjob"):
        assert f"/modules/{name}.bicep" in scanned, f"{name}.bicep was not scanned: {sorted(scanned)}"


def test_no_check_fails(report):
    failed = [(c["check_id"], c["file_path"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert report["summary"]["failed"] == 0, failed


def test_every_skip_has_a_reason(report):
    skipped = report["results"]["skipped_checks"]
    assert skipped, "no skips at all: expected the documented Flex/registry/network exceptions"
    for c in skipped:
        reason = (c["check_result"].get("suppress_comment") or "").strip()
        assert len(reason.split()) >= 5, f"{c['check_id']} on {c['resource']} is skipped without a reason"


BAD_STORAGE = """resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stbad'
  location: 'eastus2'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_0'
    supportsHttpsTrafficOnly: false
  }
}
"""


def test_the_scan_can_fail(tmp_path):
    """The same invocation reports a failed check and an unparsable file (so 0 above means 0)."""
    (tmp_path / "bad.bicep").write_text(BAD_STORAGE)
    (tmp_path / "typed.bicep").write_text("param names string[]\n" + BAD_STORAGE.replace("stbad", "stbad2"))
    doc = checkov(tmp_path)
    failed = {c["check_id"] for c in doc["results"]["failed_checks"]}
    assert "CKV_AZURE_44" in failed  # TLS 1.2
    assert doc["summary"]["parsing_errors"] == 1
