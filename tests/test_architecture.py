"""The house rules, checked from the import graph: which part may import which, and who imports pytest.

Each part's `__init__` docstring has a line `May import: ...` naming, in backticks, the parts (or
single modules) it may use; that line is the rule, and this test reads it, so the docstring and the
check cannot drift apart. Every import counts: module level, lazy (inside a function) and
TYPE_CHECKING alike, because each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import pytest_schema_registry

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_schema_registry"
PARTS = (
    "_core",
    "_wire",
    "_runtime",
    "_offline",
    "_server",
    "_generation",
    "_compat",
    "_harness",
)

# Third-party modules only some files may import: the core stays free of test tooling.
ONLY_IN = {
    "pytest": ("plugin.py",),
    "_pytest": (),  # public pytest types only
    "hypothesis": ("strategies.py", "_generation/"),
    "vcr": ("_offline/cassettes.py",),
}


@dataclass(frozen=True)
class Import:
    importer: str  # path relative to the package, e.g. "_runtime/manager.py"
    line: int
    target: str  # absolute dotted module, e.g. "pytest_schema_registry._core.errors" or "httpx"


def imports_of(package: Path) -> list[Import]:
    """Return every import statement in the package, relative ones made absolute."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        here = [package.name, *relative.with_suffix("").parts]
        if relative.name == "__init__.py":
            here.append("__init__")
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _targets(node, here):
                found.append(Import(relative.as_posix(), node.lineno, target))
    return found


def _targets(node: ast.AST, here: list[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        return [node.module or ""]
    base = here[: len(here) - node.level]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]  # `from . import strategies`


def allowed_by_docstring(package: Path, part: str) -> tuple[str, ...]:
    """Return the parts and modules the part's docstring allows (`May import: ...`)."""
    docstring = ast.get_docstring(ast.parse((package / part / "__init__.py").read_text())) or ""
    match = re.search(r"May import:(.*?)\.(\s|$)", docstring, re.S)
    assert match, f"{part}/__init__.py has no 'May import:' line"
    return tuple(re.findall(r"`([\w.]+)`", match.group(1)))


def violations(package: Path) -> list[str]:
    """Return one line per import that breaks a house rule."""
    rules = {part: allowed_by_docstring(package, part) for part in PARTS}
    found = []
    for imp in imports_of(package):
        part = imp.importer.split("/")[0]
        where = f"{imp.importer}:{imp.line} imports {imp.target}"
        if imp.target.startswith(package.name + "."):
            inner = imp.target.removeprefix(package.name + ".")
            if part in rules and not _part_may_import(part, inner, rules[part]):
                found.append(f"{where}, but {part} may import only {', '.join(rules[part])}")
        else:
            root = imp.target.split(".")[0]
            homes = ONLY_IN.get(root)
            if homes is not None and not imp.importer.startswith(homes or ("\0",)):
                found.append(f"{where}, which only {', '.join(homes) or 'nobody'} may import")
    return found


def _part_may_import(part: str, inner: str, allowed: tuple[str, ...]) -> bool:
    if not inner.startswith("_") or inner.split(".")[0] == part:
        return (
            inner.split(".")[0] == part
        )  # a public face (plugin, cli, strategies) is never allowed
    return any(inner == rule or inner.startswith(rule + ".") for rule in allowed)


def test_every_part_declares_its_rule_in_its_docstring() -> None:
    on_disk = sorted(p.parent.name for p in PACKAGE.glob("_*/__init__.py"))

    assert on_disk == sorted(PARTS)
    assert allowed_by_docstring(PACKAGE, "_core") == ()
    assert allowed_by_docstring(PACKAGE, "_runtime") == ("_core", "_wire")
    assert allowed_by_docstring(PACKAGE, "_server") == ("_core", "_compat")
    assert "_compat" in allowed_by_docstring(PACKAGE, "_harness")  # assert_compatible, drift


def test_the_package_keeps_the_house_rules() -> None:
    assert imports_of(PACKAGE), "the import graph came out empty"

    assert violations(PACKAGE) == []


@pytest.mark.parametrize(
    ("importer", "statement", "complaint"),
    [
        (
            "_runtime/manager.py",
            "from .._offline.snapshots import SnapshotStore",
            "_runtime/manager.py:1 imports pytest_schema_registry._offline.snapshots, "
            "but _runtime may import only _core, _wire",
        ),
        (
            "_server/routes.py",
            "    from .._runtime.validation import PayloadValidator",
            "_server/routes.py:2 imports pytest_schema_registry._runtime.validation, "
            "but _server may import only _core, _compat",
        ),
        (
            "_core/errors.py",
            "from ..plugin import SETTINGS_KEY",
            "_core/errors.py:1 imports pytest_schema_registry.plugin, but _core may import only ",
        ),
        (
            "_runtime/gate.py",
            "import pytest",
            "_runtime/gate.py:1 imports pytest, which only plugin.py may import",
        ),
        (
            "_offline/snapshots.py",
            "from vcr.cassette import Cassette",
            "_offline/snapshots.py:1 imports vcr.cassette, which only _offline/cassettes.py may import",
        ),
    ],
    ids=[
        "runtime-imports-offline",
        "lazy-server-imports-runtime",
        "core-imports-plugin",
        "pytest",
        "vcr",
    ],
)
def test_a_broken_rule_is_named(
    tmp_path: Path, importer: str, statement: str, complaint: str
) -> None:
    """Prove the check can fail: add one forbidden import to a copy of the package."""
    copy = tmp_path / PACKAGE.name
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    victim = copy / importer
    body = "def _probe() -> None:\n" + statement + "\n" if statement.startswith(" ") else statement
    victim.write_text(body + "\n" + victim.read_text())

    found = violations(copy)

    assert len(found) == 1, found
    assert found[0].startswith(complaint)


# Exceptions that carry control flow inside one part and never leave the package.
INTERNAL_SIGNALS = {
    "pytest_schema_registry._wire.transport._AttemptFailedError",  # one retry attempt failed
    "pytest_schema_registry._runtime.framing.FramingError",  # becomes a MalformedRecordError
    "pytest_schema_registry._server.routes.HTTPError",  # a route's HTTP answer, sent by the server
    "pytest_schema_registry._server.confluent_schema.BundleTooLargeError",  # answered 42201
    "pytest_schema_registry.cli._common.UsageError",  # printed to stderr by main(), exit 2
    "pytest_schema_registry._runtime.gate._MalformedEnvelopeError",  # becomes a reject GateResult
    "pytest_schema_registry._core.bodies.UndecodableBodyError",  # becomes a RegistryResponseError
    "pytest_schema_registry._compat.confluent.DiffDeadlineExceeded",  # a Confluent diff timed out
    "pytest_schema_registry._generation.search._OutOfTimeError",  # ends a search, keeps its best
    "pytest_schema_registry._generation.coverage._ImpossibleError",  # a node's fallback is tried
    "pytest_schema_registry._compat.isolation.WorkerTimedOutError",  # becomes an unknown verdict
    "pytest_schema_registry._compat.isolation.WorkerCrashedError",  # becomes an unknown verdict
}


def package_exceptions() -> dict[str, type[BaseException]]:
    """Import every module of the package; return each exception class by its defining module."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":  # importing it runs the CLI
            continue
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = importlib.import_module(dotted.removesuffix(".__init__"))
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def test_every_error_lives_in_the_one_tree() -> None:
    exceptions = package_exceptions()
    public = {name for name in exceptions if name not in INTERNAL_SIGNALS}
    tree = importlib.import_module("pytest_schema_registry._core.errors")
    drawn = tree.__doc__ or ""

    assert len(public) == 17  # the tree drawn in _core/errors.py
    for name in sorted(public):
        cls = exceptions[name]
        assert cls.__module__ == tree.__name__, f"{name} is defined outside _core/errors.py"
        assert issubclass(cls, pytest_schema_registry.SchemaRegistryError), name
        assert re.search(rf"^(\W* )?{cls.__name__} ", drawn, re.M), (
            f"{cls.__name__} is not drawn in the tree"
        )
        assert getattr(pytest_schema_registry, cls.__name__) is cls, f"{cls.__name__} not exported"
        assert (cls.__doc__ or "").startswith(("Raised ", "Root of")), f"{cls.__name__}'s docstring"


def test_nothing_raises_the_bare_root() -> None:
    raising_root = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and getattr(node.exc.func, "id", "") == "SchemaRegistryError"
    ]

    assert raising_root == []
