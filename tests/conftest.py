"""Shared pytest setup: slow tests run only with --runslow (CI passes it; see README)."""

import json

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


@pytest.fixture
def mini_batch_config(tmp_path):
    """A configured network trained in mini-batches: 3 samples, batch_size 2, two epochs
    (so a page has steps of two sizes and more than one epoch)."""
    config = tmp_path / "mini_batch.json"
    config.write_text(json.dumps({"layers": [2, 1], "activation": ["tanh", "identity"],
                                  "loss": "mse", "X": [[1, 2, 0.5], [0.5, -1, 2]],
                                  "y": [1, -0.5, 0.25], "batch_size": 2, "epochs": 2}),
                      encoding="utf-8")
    return config
