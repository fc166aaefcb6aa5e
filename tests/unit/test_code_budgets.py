"""The project's size budgets (DESIGN.md "Style"), checked so they stay true.

pyk8s is read by people learning Kubernetes: a module should fit in one sitting and a
function on one screen. Generated protobuf stubs are exempt.
"""

import ast
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 600
MEDIAN_MODULE_LINES = 200
MAX_FUNCTION_LINES = 80


def project_modules() -> list[Path]:
    return sorted(
        p for p in (ROOT / "pyk8s").rglob("*.py") if "_pb2" not in p.name and p.stat().st_size
    )


def test_no_module_is_longer_than_the_budget():
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in project_modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def test_median_module_is_short():
    sizes = [len(p.read_text().splitlines()) for p in project_modules()]
    assert statistics.median(sizes) <= MEDIAN_MODULE_LINES


def test_no_function_is_longer_than_the_budget():
    too_long = []
    for path in project_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})"
                    )
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: {too_long}"


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "pyk8s", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
