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
    from tinygrad_lite.lab.practice import DEFAULT_CONFIG
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


def test_moons_example_quick_run(tmp_path):
    moons = load("moons")
    text, history = moons.main(["--steps", "6", "--out", str(tmp_path)])
    assert history[-1][1] < history[0][1]                     # the loss falls
    assert "step   loss      accuracy" in text
    art = [line for line in text.splitlines() if set(line) <= set(".#ox") and len(line) == 64]
    assert len(art) == 24 and any("x" in line for line in art) and any("o" in line for line in art)
    try:
        import matplotlib  # noqa: F401
        assert (tmp_path / "moons.png").exists() and "wrote" in text
    except ImportError:
        assert "matplotlib is not installed" in text


@pytest.mark.slow
def test_moons_example_reaches_full_training_accuracy():
    moons = load("moons")
    _, _, _, history = moons.train()
    assert history[-1][2] == 1.0


def test_optimizers_example_supports_what_the_readme_says(tmp_path):
    optimizers = load("optimizers")
    text, curves = optimizers.main(["--out", str(tmp_path)])
    assert list(curves) == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]
    final = {name: losses[-1] for name, losses in curves.items()}
    # the README's reading of the table:
    assert final["Nesterov"] < final["SGD"] and final["Momentum"] < final["SGD"]
    assert min(curves["Nesterov"][:5]) < min(curves["SGD"][:5]) / 2   # momentum is fast early
    assert any(b > a for a, b in zip(curves["Momentum"], curves["Momentum"][1:]))  # overshoots
    assert final["AdaGrad"] > final["SGD"]                  # AdaGrad's steps shrink and stall
    assert curves["AdaGrad"][-2] - curves["AdaGrad"][-1] < 0.01
    assert final["Adam"] == max(final.values())            # Adam's lr=0.001 default is slow here


def test_vanishing_gradients_example_shows_decay_and_growth(tmp_path):
    example = load("vanishing_gradients")
    text, norms = example.main(["--depth", "12", "--png", str(tmp_path / "g.png")])
    ratio = {key: signal[0] / signal[-1] for key, (signal, _) in norms.items()}
    assert ratio[("sigmoid", "default")] < 1e-6          # vanishes
    assert ratio[("relu", "large")] > 100                 # explodes
    assert ratio[("tanh", "large")] > 1 > ratio[("tanh", "default")]
    assert "The gradient arriving at each layer" in text and "Remedies, measured:" in text
    remedies = dict(example.remedies(12))
    he = remedies["ReLU with He initialisation (gain √6, Var(w) = 2/fan_in)"]
    assert 0.1 < he < 10 and ratio[("relu", "default")] < he
    assert remedies["  the same after clip_grad_norm(params, max_norm=1)"] < 0.011
    assert remedies["  largest weight change of one SGD step (lr 0.01) without clipping"] > 10


def test_the_chain_explanation_is_a_product_of_small_factors():
    e = load("vanishing_gradients").chain_explanation(depth=8)
    assert e.path_count == 1 and all(f.data <= 0.25 for f in e.paths[0].factors)
    assert e.agrees


def test_plotting_without_matplotlib_says_so(monkeypatch, tmp_path):
    import builtins
    from tinygrad_lite import plotting
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert plotting.figure(str(tmp_path / "p.png"), lambda ax: None) == plotting.MISSING
    assert not (tmp_path / "p.png").exists()


def test_examples_write_figures_only_into_their_output_folder(tmp_path, monkeypatch):
    # run from an unrelated folder: nothing may appear there, nor in the repository's root
    monkeypatch.chdir(tmp_path)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    before = set(os.listdir(root))
    out = tmp_path / "figures"
    load("optimizers").main(["--epochs", "2", "--out", str(out)])
    load("moons").main(["--steps", "2", "--out", str(out)])
    assert set(os.listdir(tmp_path)) <= {"figures"}
    assert set(os.listdir(root)) == before
    assert not os.path.exists(os.path.join(root, "optimizers.png"))
    from tinygrad_lite.plotting import EXAMPLES_OUT
    assert EXAMPLES_OUT == os.path.join(root, "examples", "output")


class RecordingAxes:
    """Stands in for matplotlib's axes: records what a figure would show."""

    def __init__(self):
        self.calls = []
        self.xaxis, self.yaxis = object(), object()

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


def test_the_optimizer_figure_labels_its_axes_and_learning_rates(monkeypatch):
    optimizers = load("optimizers")
    axes = RecordingAxes()
    monkeypatch.setattr(optimizers, "figure", lambda path, draw, size: draw(axes) or "drawn")
    monkeypatch.setattr(optimizers, "integer_ticks", lambda axis: axes.calls.append(
        ("integer_ticks", (axis,), {})))
    optimizers.write_png({"SGD": [1.0, 0.5], "Adam": [1.0, 0.9]}, "unused.png")
    names = [c[0] for c in axes.calls]
    assert {"set_xlabel", "set_ylabel", "set_title", "legend", "integer_ticks"} <= set(names)
    labels = [c[2]["label"] for c in axes.calls if c[0] == "plot"]
    assert labels == ["SGD (lr 0.1)", "Adam (lr 0.001)"]
    legend = next(c for c in axes.calls if c[0] == "legend")
    assert legend[2]["bbox_to_anchor"][0] > 1                 # outside the plot, off the curves


def test_the_moons_figure_has_a_legend_for_each_class(monkeypatch):
    moons = load("moons")
    model, X, y, _ = moons.train(2)
    axes = RecordingAxes()
    monkeypatch.setattr(moons, "figure", lambda path, draw, size: draw(axes) or "drawn")
    moons.write_png(model, X, y, "unused.png")
    labels = [c[2]["label"] for c in axes.calls if c[0] == "scatter"]
    assert len(labels) == 2 and labels[0].startswith("class +1") and labels[1].startswith("class -1")
    assert {"set_xlabel", "set_ylabel", "set_title", "legend"} <= {c[0] for c in axes.calls}


def test_the_notebook_runs_top_to_bottom():
    nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat "
                                   "(pip install -e '.[test]')")
    nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient "
                                   "(pip install -e '.[test]')")
    pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel")
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples",
                        "worked_example.ipynb")
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "θ12 =" in text and "WRONG" in text and "after training: L =" in text
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert html and "<iframe" in html[0]["data"]["text/html"]        # the page, inline
