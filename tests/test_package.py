"""The package's promises about itself: a clean public API, a pytest-free core, lint and types."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_schema_registry

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pytest_schema_registry"


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def imported_by(statement: str, roots: set[str]) -> list[str]:
    """Return the modules under `roots` that a fresh interpreter has loaded after `statement`."""
    probe = f"import sys; {statement}; print(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r}))"
    result = run(sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    return list(ast.literal_eval(result.stdout.strip()))


def test_importing_the_package_pulls_in_no_test_tooling() -> None:
    roots = {"pytest", "_pytest", "hypothesis", "vcr", "jsonschema", "yaml"}

    assert imported_by("import pytest_schema_registry", roots) == []


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """The plugin loads in every pytest run: the runtime must wait until a test asks for it."""
    roots = {
        "httpx",
        "httpcore",
        "jsonschema_rs",
        "jsonschema",
        "prometheus_client",
        "packaging",
        "vcr",
        "filelock",
    }

    assert imported_by("import pytest, pytest_schema_registry.plugin", roots) == []


def test_public_api_is_sorted_and_complete() -> None:
    exported = pytest_schema_registry.__all__
    listed = [n for names in pytest_schema_registry._EXPORTED_FROM.values() for n in names]

    assert len(listed) == len(set(listed)), "a name is exported from two modules"
    assert not [name for name in exported if name.startswith("_") and name != "__version__"]
    for name in exported:
        assert hasattr(pytest_schema_registry, name), name


def test_private_modules_declare_what_they_export() -> None:
    modules = sorted(PACKAGE.glob("_*/*.py"))
    assert len(modules) > 20  # the parts' modules, not an empty glob
    for module in modules:
        if module.name == "__init__.py":
            continue
        tree = ast.parse(module.read_text())
        declared = [
            node
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "__all__" for t in node.targets)
        ]
        assert declared, f"{module.name} has no __all__"


def test_type_checkers_see_exactly_the_export_table() -> None:
    """The TYPE_CHECKING re-exports and the runtime table name the same things from the same places."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    seen = {
        alias.name: (node.module or "")
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }

    assert seen == pytest_schema_registry._EXPORTS


def test_every_public_name_has_a_docstring() -> None:
    for name in pytest_schema_registry.__all__:
        value = getattr(pytest_schema_registry, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"{name} has no docstring"


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "--no-cache", "."),
        ("ruff", "format", "--check", "--no-cache", "."),
        ("mypy",),
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_code_quality(command: tuple[str, ...]) -> None:
    result = run(sys.executable, "-m", *command)

    assert result.returncode == 0, result.stdout + result.stderr


def test_installing_the_package_brings_pytest() -> None:
    """A pytest plugin that installs without pytest gives a newcomer no `pytest` to run."""
    from importlib.metadata import requires

    required = [r for r in requires("pytest-schema-registry") or [] if "extra ==" not in r]

    assert any(r.replace(" ", "").startswith("pytest>=") for r in required), required
