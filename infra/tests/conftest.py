"""Shared helpers for the infrastructure tests.

Everything is read from the repository: the Bicep files (parsed offline with pycep-parser,
the same check CI runs), the Rust sources that own the storage names, the Dockerfile, the
local setup script and the workflows.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
BICEP_DIR = ROOT / "bicep"
MAIN_BICEP = BICEP_DIR / "main.bicep"
STEP_RS = ROOT / "functions" / "core" / "src" / "step.rs"
PORTS_RS = ROOT / "functions" / "core" / "src" / "ports.rs"
DEPLOY_RS = ROOT / "functions" / "core" / "src" / "deploy.rs"
FUNCTIONS_RS = ROOT / "functions" / "handler" / "src" / "functions.rs"
DOCKERFILE = ROOT / "infra" / "Dockerfile"
SETUP_SH = ROOT / "infra" / "local" / "setup.sh"
DEPLOY_SH = ROOT / "infra" / "deploy.sh"
WORKFLOWS = ROOT / ".github" / "workflows"


def bicep_files() -> list[Path]:
    return sorted(BICEP_DIR.rglob("*.bicep"))


@functools.lru_cache(maxsize=None)
def _parse(path: str) -> dict[str, Any]:
    return BicepParser().parse(file_path=Path(path))


def parse_bicep(path: Path) -> dict[str, Any]:
    """pycep-parser's JSON for one file (cached: the grammar is slow on big files)."""
    return _parse(str(path))


@pytest.fixture(scope="session")
def parsed() -> dict[Path, dict[str, Any]]:
    return {p: parse_bicep(p) for p in bicep_files()}


def resources(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Declared (not `existing`) resources of one parsed file: (symbol, resource)."""
    for symbol, res in (doc.get("resources") or {}).items():
        if not res.get("existing"):
            yield symbol, res


def body(res_or_module: dict[str, Any]) -> dict[str, Any]:
    """The object literal of a resource or module, looking through loops and `if (...)`."""
    cfg = res_or_module.get("config") or {}
    while isinstance(cfg, dict) and ("loop_type" in cfg or "condition" in cfg) and "config" in cfg:
        cfg = cfg["config"]
    return cfg


def walk(node: Any) -> Iterator[Any]:
    """Every value in a parsed JSON tree, depth first."""
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


# ---- names owned by the Rust code ----------------------------------------------------------

def _fn_body(source: str, signature: str) -> str:
    start = source.index(signature)
    # The function ends at the first line that closes its `{` at the same indentation.
    line_start = source.rfind("\n", 0, start) + 1
    indent = source[line_start:start]
    end = source.index("\n" + indent + "}", start)
    return source[start:end]


def _enum_variants(source: str, enum: str) -> list[str]:
    m = re.search(r"pub enum " + enum + r" \{(.*?)\n\}", source, re.S)
    assert m, f"enum {enum} not found"
    return re.findall(r"^\s+([A-Z][A-Za-z0-9]*),\s*$", m.group(1), re.M)


def _str_arms(fn_body: str, enum: str) -> dict[str, str]:
    return dict(re.findall(enum + r'::([A-Z][A-Za-z0-9]*)\s*=>\s*"([^"]+)"', fn_body))


def rust_step_queues() -> dict[str, str]:
    """StepName variant -> queue name, from `StepName::queue()` in functions/core/src/step.rs."""
    src = STEP_RS.read_text()
    arms = _str_arms(_fn_body(src, "pub fn queue(self) -> &'static str"), "StepName")
    variants = _enum_variants(src, "StepName")
    assert variants and sorted(arms) == sorted(variants), (
        f"could not read every arm of StepName::queue(): variants {variants}, arms {arms}"
    )
    return arms


def rust_poison_suffix() -> str:
    src = STEP_RS.read_text()
    m = re.search(r'format!\("\{\}(-[a-z]+)", self\.queue\(\)\)', _fn_body(src, "pub fn poison_queue(self)"))
    assert m, "StepName::poison_queue() no longer formats `<queue>-<suffix>`"
    return m.group(1)


def rust_deploy_queue() -> str:
    """The deploys' queue name: `DEPLOY_QUEUE` in functions/core/src/deploy.rs."""
    m = re.search(r'pub const DEPLOY_QUEUE: &str = "([^"]+)";', DEPLOY_RS.read_text())
    assert m, "DEPLOY_QUEUE not found in deploy.rs"
    return m.group(1)


def rust_deploy_function() -> str:
    """The Function App function on the deploys' queue, from FUNCTIONS in functions.rs
    (`Function { name: DEPLOY_FUNCTION, trigger: Trigger::DeployQueue }`)."""
    src = FUNCTIONS_RS.read_text()
    table = src[src.index("pub const FUNCTIONS"):]
    table = table[: table.index("\n];")]
    assert re.search(r"name:\s*DEPLOY_FUNCTION,\s*trigger:\s*Trigger::DeployQueue", table), (
        "FUNCTIONS has no DEPLOY_FUNCTION on Trigger::DeployQueue"
    )
    m = re.search(r'pub const DEPLOY_FUNCTION: &str = "([^"]+)";', src)
    assert m, "DEPLOY_FUNCTION not found in functions.rs"
    return m.group(1)


def rust_containers() -> dict[str, str]:
    """Container variant -> blob container name, from `Container::name()` in ports.rs."""
    src = PORTS_RS.read_text()
    arms = _str_arms(_fn_body(src, "pub fn name(self) -> &'static str"), "Container")
    variants = _enum_variants(src, "Container")
    assert variants and sorted(arms) == sorted(variants), (
        f"could not read every arm of Container::name(): variants {variants}, arms {arms}"
    )
    return arms


def rust_queue_functions() -> dict[str, str]:
    """StepName variant -> Function App function name, from FUNCTIONS in functions.rs
    (`Function { name: "...", trigger: Trigger::Queue(StepName::X) }`)."""
    src = FUNCTIONS_RS.read_text()
    table = src[src.index("pub const FUNCTIONS"):]
    table = table[: table.index("\n];")]
    pairs = re.findall(
        r'name:\s*"([^"]+)",\s*trigger:\s*Trigger::Queue\(StepName::([A-Z][A-Za-z0-9]*)\)', table
    )
    return {variant: name for name, variant in pairs}
