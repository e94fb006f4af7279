"""Every .bicep file parses with the offline parser, modules are wired correctly, and the
parser check can fail (a broken file is rejected)."""

from __future__ import annotations

import pytest
from pycep import BicepParser

from conftest import BICEP_DIR, MAIN_BICEP, bicep_files, body, parse_bicep


def test_there_is_a_main_template_and_modules():
    assert MAIN_BICEP.is_file()
    assert len(list((BICEP_DIR / "modules").glob("*.bicep"))) >= 5


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(BICEP_DIR)))
def test_every_bicep_file_parses(path):
    doc = parse_bicep(path)
    assert doc.get("resources") or doc.get("modules"), f"{path} declares nothing"


BROKEN = [
    # unbalanced object
    "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n",
    # missing `=` between resource type and body
    "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' {\n  name: 'x'\n}\n",
    # property without a value
    "param p string\nresource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name:\n}\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_a_broken_file_is_rejected(text):
    with pytest.raises(Exception):
        BicepParser().parse(text=text)


def test_the_same_snippet_fixed_is_accepted():
    BicepParser().parse(text="resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n}\n")


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(BICEP_DIR)))
def test_module_calls_match_module_parameters(path):
    """What the Bicep compiler would check and pycep does not: every module path exists, every
    parameter passed is declared, and every parameter without a default is passed."""
    for symbol, module in (parse_bicep(path).get("modules") or {}).items():
        target = (path.parent / module["detail"]["path"]).resolve()
        assert target.is_file(), f"{path.name}: module {symbol} -> missing {target}"
        declared = parse_bicep(target)["parameters"]
        passed = set((body(module).get("params") or {}).keys())
        unknown = passed - set(declared)
        assert not unknown, f"{path.name}: module {symbol} passes undeclared params {sorted(unknown)}"
        required = {n for n, p in declared.items() if p.get("default") is None}
        missing = required - passed
        assert not missing, f"{path.name}: module {symbol} misses required params {sorted(missing)}"


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(BICEP_DIR)))
def test_params_and_outputs_are_described(path):
    """Azure Verified Modules style: every parameter and output has a @description."""
    doc = parse_bicep(path)
    for kind in ("parameters", "outputs"):
        for name, item in (doc.get(kind) or {}).items():
            kinds = {d.get("type") for d in item.get("decorators") or []}
            assert "description" in kinds, f"{path.name}: {kind[:-1]} {name} has no @description"
