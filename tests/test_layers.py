"""The layers hold: the import contract catches an import against the grain, and no app hides
one inside a function."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "config",
    "demo",
    "administration",
    "notifications",
    "stats",
    "archives",
    "api",
    "sso",
    "visa",
    "scanner_hotfolders",
    "templates_office",
    "indexing",
    "capture",
    "courrier",
    "ocr",
    "dropfolders",
]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("bannette")
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tree


def test_the_contract_holds_on_the_code_as_it_is(copy_of_the_code):
    result = _lint_imports(copy_of_the_code)
    assert result.returncode == 0, result.stdout
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("courrier/selectors.py", "from visa.models import VisaStep"),
        ("courrier/services/journal.py", "import indexing.services"),
        ("ocr/pdf.py", "from courrier.models import Mail"),
        ("capture/pipeline.py", "from scanner_hotfolders.models import HotFolder"),
    ],
)
def test_an_import_against_the_grain_fails_the_build(copy_of_the_code, tmp_path, module, line):
    tree = tmp_path / "tree"
    shutil.copytree(copy_of_the_code, tree)
    target = tree / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert (
        "BROKEN" in result.stdout and module.removesuffix(".py").replace("/", ".") in result.stdout
    )


def _imports_inside_functions(path: Path) -> list[str]:
    own = path.relative_to(ROOT).parts[0]
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] in PACKAGES and name.split(".")[0] != own:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return found


def test_no_app_imports_another_inside_a_function():
    modules = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]
    assert [hit for path in modules for hit in _imports_inside_functions(path)] == []
