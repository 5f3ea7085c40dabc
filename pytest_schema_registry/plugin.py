"""The pytest plugin: options in, fixtures out, one summary section. Every decision is the core's.

Loaded in every pytest session through the `pytest11` entry point, so this module imports only
pytest and its own light settings module at import time; the manager, httpx and the validator are
imported when a test first asks for a registry fixture.

Precedence of every setting: command line > ini file > environment variable > default.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

from ._core.errors import ConfigError, SchemaRegistryError
from ._generation.examples import label_of
from ._generation.sources import SchemaSource, pop_schema_source, push_schema_source
from ._harness.advice import DEGRADATION_MARKER
from ._harness.options import OPTIONS, resolve_settings
from ._harness.run_facts import (
    MARKERS,
    RegistryStrategies,
    RunFacts,
    marker_arguments,
    partial_run_reason,
)

if TYPE_CHECKING:
    from ._core.config import RegistryConfig
    from ._core.models import SchemaDocument
    from ._harness.contract import SchemaContract
    from ._harness.options import PluginSettings
    from ._harness.report import SessionReport
    from ._harness.session import RegistrySession
    from ._runtime.manager import SchemaManager
    from ._wire.client import RegistryClient

SETTINGS_KEY: pytest.StashKey[PluginSettings] = pytest.StashKey()
SESSION_KEY: pytest.StashKey[RegistrySession] = pytest.StashKey()
REPORT_KEY: pytest.StashKey[SessionReport] = pytest.StashKey()
COVERAGE_KEY: pytest.StashKey[_RunCoverage] = pytest.StashKey()
ENVIRONMENT_ERROR_KEY: pytest.StashKey[ConfigError] = pytest.StashKey()
SOURCE_KEY: pytest.StashKey[SchemaSource] = pytest.StashKey()
_WORKER_OUTPUT = "schema_registry_report"
_RUN_ID = "schema_registry_run_id"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schema-registry", "contract testing against a schema registry")
    for option in OPTIONS:
        help_text = option.help + (f" [env: {option.env}]" if option.env else "")
        if option.flag_only:  # no value: `--flag=x` or `--flag x` would swallow a test path
            group.addoption(
                option.flag,
                dest=option.dest,
                action="store_const",
                const="true",
                default=None,
                help=help_text,
            )
        else:
            group.addoption(
                option.flag, dest=option.dest, metavar=option.metavar, default=None, help=help_text
            )
        parser.addini(option.ini, help_text, default=None)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    coverage = config.stash[COVERAGE_KEY] = _RunCoverage()
    config.pluginmanager.register(coverage, "schema-registry-run-coverage")
    cli = {o.dest: config.getoption(o.dest) for o in OPTIONS}
    ini = {o.ini: config.getini(o.ini) for o in OPTIONS}
    # One id per run, shared with xdist workers, so their cassette saves merge, not clobber.
    run_id = getattr(config, "workerinput", {}).get(_RUN_ID) or uuid.uuid4().hex
    resolve = functools.partial(resolve_settings, cli, ini, rootdir=config.rootpath, run_id=run_id)
    try:
        settings = resolve(os.environ)
    except ConfigError as exc:
        settings = _without_the_environment(config, resolve, exc)
    config.stash[SETTINGS_KEY] = settings
    source: SchemaSource = functools.partial(_schema_content, config)
    config.stash[SOURCE_KEY] = source
    push_schema_source(source)


def _without_the_environment(
    config: pytest.Config, resolve: Callable[..., PluginSettings], error: ConfigError
) -> PluginSettings:
    """Stop on a bad option or ini key; a bad variable only warns, until a test needs it.

    The environment is shared with every other tool, and a project that never uses the
    registry must not be stopped by a `REGISTRY_*` variable meant for something else.
    """
    try:
        settings = resolve({})
    except ConfigError:
        raise pytest.UsageError(f"schema registry: {error}") from None
    # Said in the summary, not as a warning: `filterwarnings = error` would turn it into the
    # very stop this avoids.
    config.stash[ENVIRONMENT_ERROR_KEY] = error
    return settings


def pytest_unconfigure(config: pytest.Config) -> None:
    if SOURCE_KEY in config.stash:
        pop_schema_source(config.stash[SOURCE_KEY])


def _schema_content(config: pytest.Config, name: str, track: str | None) -> Any:
    """Feed `registry_payloads(...)`: the session's registry, else the committed snapshots."""
    registry_session = _registry_session(config)
    settings = registry_session.settings
    if not settings.available:
        from ._offline.snapshots import SnapshotStore

        content = SnapshotStore(settings.snapshot_dir).content(
            name, track or settings.config.prefer_track
        )
        if content is not None:
            return content
        _skip_or_fail(registry_session)
    return registry_session.fetch_schema(name, track=track).content


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Name a case from `registry_coverage_payloads(...)` by its label: `[level=hard]`."""
    return label_of(val)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand the controller's run id to an xdist worker."""
    node.workerinput[_RUN_ID] = node.config.stash[SETTINGS_KEY].run_id


class _RunCoverage:
    """Notice what a run leaves out: deselected or skipped tests, collection errors."""

    def __init__(self) -> None:
        self.left_out: list[str] = []

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        if items:
            self.left_out.append("deselected tests")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.left_out.append("collection errors")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and "skipped tests" not in self.left_out:
            self.left_out.append("skipped tests")


def _partial_run(session: pytest.Session) -> str:
    """Say why this run left tests out, or "" (see `partial_run_reason`)."""
    option, config = session.config.option, session.config
    coverage = config.stash.get(COVERAGE_KEY, None)
    facts = RunFacts(
        keyword=bool(getattr(option, "keyword", "")),
        markexpr=bool(getattr(option, "markexpr", "")),
        named_paths=config.args_source == config.ArgsSource.ARGS,
        ignored=bool(option.ignore or option.ignore_glob or option.deselect),
        last_failed_or_stepwise=bool(
            getattr(option, "lf", False) or getattr(option, "stepwise", False)
        ),
        left_out=coverage.left_out if coverage is not None else (),
        stopped_early=bool(session.shouldstop or session.shouldfail),
        interrupted=session.exitstatus == pytest.ExitCode.INTERRUPTED,
    )
    return partial_run_reason(facts)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    registry_session = config.stash.get(SESSION_KEY, None)
    if registry_session is not None:
        own = registry_session.finish(partial_run=_partial_run(session))
        if hasattr(config, "workeroutput"):  # an xdist worker: the controller reports
            config.workeroutput[_WORKER_OUTPUT] = own.to_dict()
            return
        config.stash.setdefault(REPORT_KEY, own)
    report = config.stash.get(REPORT_KEY, None)
    if report is None:
        return
    from ._harness.drift import judge_drift
    from ._harness.session import settle_unused_snapshots

    judge_drift(report)  # once per drifted schema, after the workers' reports are merged
    report.partial_run = report.partial_run or _partial_run(session)
    settle_unused_snapshots(report, config.stash[SETTINGS_KEY])
    if report.failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # drift, or a stale cassette


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Merge an xdist worker's figures into the controller's report."""
    data = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if data is None:
        return
    from ._harness.report import SessionReport

    worker = SessionReport.from_dict(data)
    report = node.config.stash.get(REPORT_KEY, None)
    if report is None:
        worker.workers = 1
        node.config.stash[REPORT_KEY] = worker
    else:
        report.merge(worker)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    error = config.stash.get(ENVIRONMENT_ERROR_KEY, None)
    if error is not None:
        terminalreporter.section("schema registry")
        terminalreporter.line(
            f"warning: {error}; registry tests fail on it, the rest ran (fix or unset it)"
        )
        return
    report = config.stash.get(REPORT_KEY, None)
    if report is None or not report.used:
        return
    terminalreporter.section("schema registry")
    for line in report.lines():
        terminalreporter.line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Watch fixture setup too: a fixture can validate (and degrade) on a test's behalf."""
    return (yield from _watching_degradation(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that met an answer given without a schema, unless it expects one.

    The manager degrades on purpose in production (a payload passes while the registry is down);
    a contract test that passed on such an answer would be a green that lies. When the test
    failed anyway (an assertion on the degraded answer), the registry's error is the reason.
    """
    return (yield from _watching_degradation(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _watching_degradation(item))


def _watching_degradation(item: pytest.Item) -> Generator[None, None, None]:
    registry_session = item.config.stash.get(SESSION_KEY, None)
    if registry_session is not None:  # a session made during this phase starts clean anyway
        registry_session.reset_degradation()
    try:
        result = yield
    except Exception:
        reason = _degradation_reason(item)
        if reason is None:
            raise
        # The registry's trouble is why the test failed: say that, in one line.
        raise pytest.fail.Exception(reason, pytrace=False) from None
    reason = _degradation_reason(item)
    if reason is not None:
        pytest.fail(reason, pytrace=False)
    return result


def _degradation_reason(item: pytest.Item) -> str | None:
    """Say why degraded answers in this phase fail the test; None if none, or expected."""
    registry_session = item.config.stash.get(SESSION_KEY, None)
    if registry_session is None or item.get_closest_marker(DEGRADATION_MARKER):
        return None
    reason = registry_session.degradation_failure()
    if reason is not None and item.nodeid not in registry_session.registry_failures:
        registry_session.registry_failures.append(item.nodeid)
    return reason


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report registry errors as their message alone (plus a fix hint): a traceback is noise."""
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, SchemaRegistryError):
        error = call.excinfo.value
        registry_session = item.config.stash.get(SESSION_KEY, None)
        hint = ""
        if registry_session is not None:
            hint = registry_session.hint_for(error)
            if item.nodeid not in registry_session.registry_failures:
                registry_session.registry_failures.append(item.nodeid)
        report.longrepr = f"{type(error).__name__}: {error}{hint}"
    elif report.skipped and call.excinfo is not None:
        _count_registry_skip(item.config, str(call.excinfo.value))
    return report


def _count_registry_skip(config: pytest.Config, reason: str) -> None:
    """Count a skip for want of a registry, per test (a session fixture's skip is re-raised)."""
    registry_session = config.stash.get(SESSION_KEY, None)
    if (
        registry_session is not None
        and reason == registry_session.settings.missing_registry_message()
    ):
        registry_session.skipped_tests += 1


# -- fixtures --------------------------------------------------------------------------------------


def _session(request: pytest.FixtureRequest) -> RegistrySession:
    return _registry_session(request.config)


def _registry_session(config: pytest.Config) -> RegistrySession:
    """Return the session's registry side, made when a test first needs one (free until then)."""
    if ENVIRONMENT_ERROR_KEY in config.stash:
        raise config.stash[ENVIRONMENT_ERROR_KEY]  # warned at start; a registry test fails on it
    if SESSION_KEY not in config.stash:
        from ._harness.session import RegistrySession

        config.stash[SESSION_KEY] = RegistrySession(config.stash[SETTINGS_KEY])
    return config.stash[SESSION_KEY]


def _needing_registry(request: pytest.FixtureRequest) -> RegistrySession:
    """Return the registry session, or skip/fail the test with what to pass."""
    registry_session = _session(request)
    if not registry_session.settings.available:
        _skip_or_fail(registry_session)
    return registry_session


def _skip_or_fail(registry_session: RegistrySession) -> None:
    message = registry_session.settings.missing_registry_message()
    if registry_session.settings.required:
        pytest.fail(message, pytrace=False)
    # At collection (`parametrize(..., registry_coverage_payloads(...))`) this skips the module
    # with the reason, as a test needing the registry is skipped; inside a test it changes nothing.
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="session")
def registry_config(request: pytest.FixtureRequest) -> RegistryConfig:
    """The resolved runtime settings (`RegistryConfig`) the session's manager runs with."""
    return _session(request).settings.config


@pytest.fixture(scope="session")
def schema_manager(request: pytest.FixtureRequest) -> SchemaManager:
    """The runtime `SchemaManager`, started once per session (per xdist worker).

    Await its methods in async tests (any event loop); in sync tests use the `*_sync` variants,
    e.g. `schema_manager.validate_payload_sync(name, payload)`.
    """
    return _needing_registry(request).manager()


@pytest.fixture(scope="session")
def registry_client(request: pytest.FixtureRequest) -> RegistryClient:
    """The session's `RegistryClient`; await it from async tests on any event loop."""
    return _needing_registry(request).client()


@pytest.fixture(scope="session")
def registry_schema(request: pytest.FixtureRequest) -> Callable[..., SchemaDocument]:
    """A factory: `registry_schema(name, track=None, version=None)` returns the `SchemaDocument`."""
    registry_session = _needing_registry(request)
    return registry_session.fetch_schema


@pytest.fixture
def schema_contract(request: pytest.FixtureRequest) -> SchemaContract:
    """`validate(name, payload)`, `assert_valid(...)`, `assert_invalid(..., match=...)`."""
    return _needing_registry(request).contract()


@pytest.fixture(scope="session")
def registry_strategies() -> Any:
    """Strategies for `st.data()`: `.valid(name, track=None)`, `.invalid(name, track=None)`."""
    from . import strategies

    return RegistryStrategies(strategies.registry_payloads, strategies.registry_invalid_payloads)


@pytest.fixture
def schema(request: pytest.FixtureRequest) -> SchemaDocument:
    """The schema named by the test's `@pytest.mark.registry_schema(...)` marker."""
    marker = request.node.get_closest_marker("registry_schema")
    if marker is None:
        pytest.fail(
            "the `schema` fixture needs a marker: "
            '@pytest.mark.registry_schema("telemetry.FeedbackEvent", track="v2")',
            pytrace=False,
        )
    try:
        name, track, version = marker_arguments(marker.args, marker.kwargs)
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    return _needing_registry(request).fetch_schema(name, track=track, version=version)
