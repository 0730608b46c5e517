"""Shared pytest setup: slow tests run only with --runslow (CI passes it; see README)."""

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("dev")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (CI does)")


def pytest_configure(config):
    if config.getoption("--runslow"):
        settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    """The tests read the English report; a Korean locale on the test machine must not change it
    (tests of the Korean report ask for it with --lang or their own environment)."""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LANG", raising=False)
