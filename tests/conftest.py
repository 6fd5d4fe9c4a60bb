import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from reportlab import rl_config  # noqa: E402

# the throwaway PostgreSQL cluster and a school on either engine (docs/server.md, step 5)
from tests.engines import (  # noqa: E402, F401
    _databases_back_to_the_pool,
    _file_only_stays_on_the_file,
    parametrise_by_engine,
    pg_cluster,
    pg_school_server,
    school_engine,
    school_on,
    school_store,
)

# In tests only: a PDF made twice from the same input has the same bytes (fixed creation date and
# document id), so golden files and "same file" checks can compare them. Real PDFs carry their date.
rl_config.invariant = 1


def pytest_generate_tests(metafunc):
    parametrise_by_engine(metafunc)


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path_factory, monkeypatch):
    """Tests never touch a real user's school file or logs: data, config, state (the log folder)
    and cache folders point at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # platformdirs' user_log_dir
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "runtime"))


# --- every command of the command line runs in some test ----------------------------------------
# Each command a test runs through attendance_desk.cli.main is recorded; when the whole suite ran
# (no -k, -m or chosen files), a command no test ran fails the run, naming it
# (tests/cli/test_every_command.py runs the ones no other test needs).
COMMANDS_RUN: set[str] = set()


def _all_commands() -> dict:
    from attendance_desk.cli import build_parser

    return _all_commands_of(build_parser())


@pytest.fixture(autouse=True, scope="session")
def _record_commands():
    import attendance_desk.cli as cli

    original = cli.build_parser

    def recording_parser():
        parser = original()
        for name, command in _all_commands_of(parser).items():
            _record_under(name, command)
        return parser

    cli.build_parser = recording_parser
    yield
    cli.build_parser = original


def _all_commands_of(parser) -> dict:
    import argparse

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def _record_under(name, parser) -> None:
    """Wrap the handler of a command, and of each of its actions (`leave request`, ...), to record
    the command's name when it runs."""
    import argparse

    func = parser.get_default("func")
    if func is not None:
        parser.set_defaults(func=_recorded(name, func))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _record_under(name, child)


def _recorded(name, func):
    def run(args):
        COMMANDS_RUN.add(name)
        return func(args)

    return run


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    whole = (
        not config.option.keyword
        and not config.option.markexpr
        and all(Path(a).resolve() == Path(__file__).resolve().parent for a in config.args)
    )
    if not whole or exitstatus != 0:
        return
    never = sorted(set(_all_commands()) - COMMANDS_RUN)
    if never:
        print(f"\nCommands no test ran (add one in tests/cli/): {', '.join(never)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
