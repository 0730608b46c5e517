"""Every example runs (small) and says what it should."""

import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_practice_example():
    from test_practice import hand_gradients
    from tinygrad_lite.practice import DEFAULT_CONFIG
    g = hand_gradients(DEFAULT_CONFIG)          # the chain-rule algebra, by hand
    text = load("practice").main()
    for name in ("θ12", "b2", "δ13", "d1"):
        assert f"∂L/∂{name} = {g[name]:+.6f}" in text
    theta12 = DEFAULT_CONFIG["theta"][0][1] - 0.1 * g["θ12"]
    assert f"θ12 after one step: {theta12:.6f}" in text


def test_newton_example_converges_to_the_closed_form():
    newton = load("newton")
    assert newton.newton()[-1] == pytest.approx(2.25, abs=1e-12)
    library, by_hand = newton.curvature_of_practice_loss()
    assert library == pytest.approx(by_hand, rel=1e-12)
    assert "∂²L/∂θ12²" in newton.main()
