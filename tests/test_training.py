"""Mini-batches without replacement, the training helper, and resuming a run exactly."""

import json

import pytest
from hypothesis import given, strategies as st

from tinygrad_lite import nn, optim, manual_seed
from tinygrad_lite.data import DataLoader, make_moons
from tinygrad_lite.losses import mse_loss
from tinygrad_lite.training import fit


@given(st.integers(0, 60), st.integers(1, 17), st.integers(0, 2 ** 32 - 1), st.booleans())
def test_every_example_once_per_epoch(size, batch_size, seed, drop_last):
    loader = DataLoader(list(range(size)), batch_size=batch_size, seed=seed, drop_last=drop_last)
    for _ in range(3):
        batches = list(loader)
        seen = [i for batch in batches for i in batch]
        assert len(batches) == len(loader)
        if drop_last:
            assert len(seen) == size - size % batch_size
            assert len(set(seen)) == len(seen)        # still without replacement
        else:
            assert sorted(seen) == list(range(size))  # every example exactly once
        assert all(len(b) == batch_size for b in batches[:-1])


def test_epochs_differ_and_a_seed_reproduces_them():
    a = DataLoader(list(range(20)), batch_size=20, seed=7)
    b = DataLoader(list(range(20)), batch_size=20, seed=7)
    epochs_a = [next(iter(a)) for _ in range(3)]
    epochs_b = [next(iter(b)) for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    assert next(iter(DataLoader(list(range(20)), batch_size=20, seed=8))) != epochs_a[0]


def test_pairs_are_collated_and_no_shuffle_keeps_order():
    loader = DataLoader(list(zip([1, 2, 3], "abc")), batch_size=2, shuffle=False)
    assert list(loader) == [([1, 2], ["a", "b"]), ([3], ["c"])]


def test_loader_errors():
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader([1, 2], batch_size=0)
    with pytest.raises(TypeError, match="must be a sequence"):
        DataLoader(iter([1, 2]))


def regression_data():
    # y = 2 x1 - x2 + 0.5, exactly learnable by one Dense layer
    xs = [[i / 10, (i % 7) / 7 - 0.5] for i in range(24)]
    return [(x, 2 * x[0] - x[1] + 0.5) for x in xs]


def squared_error(outputs, targets):
    return mse_loss([o[0] for o in outputs], targets)


def test_fit_drives_a_learnable_problem_to_low_loss():
    manual_seed(0)
    model = nn.Dense(2, 1)
    loader = DataLoader(regression_data(), batch_size=4, seed=1)
    history = fit(model, squared_error, optim.Adam(model.parameters(), lr=0.05), loader,
                  epochs=60, progress=False)
    assert len(history) == 60 and history[-1] < 1e-4 < history[0]
    w = model.weight[0]
    assert [w[0].data, w[1].data, model.bias[0].data] == pytest.approx([2, -1, 0.5], abs=0.02)


def test_fit_prints_a_line_per_epoch_without_tqdm(capsys, monkeypatch):
    import tinygrad_lite.training as training
    monkeypatch.setattr(training, "_tqdm", lambda: None)
    model = nn.Dense(2, 1)
    fit(model, squared_error, optim.SGD(model.parameters(), lr=0.01),
        DataLoader(regression_data(), batch_size=8, seed=0), epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/2: loss" in err and "epoch 2/2: loss" in err
    fit(model, squared_error, optim.SGD(model.parameters(), lr=0.01),
        DataLoader(regression_data(), batch_size=8, seed=0), epochs=1, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_errors():
    model = nn.Dense(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be"):
        fit(model, squared_error, opt, DataLoader(regression_data()), epochs=-1)
    with pytest.raises(TypeError, match=r"\(inputs, targets\) batches"):
        fit(model, squared_error, opt, DataLoader([1, 2, 3]), epochs=1, progress=False)


def test_resuming_from_saved_state_equals_an_uninterrupted_run(tmp_path):
    def setup():
        manual_seed(3)
        model = nn.Sequential(nn.Dense(2, 4, activation="tanh"), nn.Dense(4, 1))
        return model, optim.Adam(model.parameters(), lr=0.02), \
            DataLoader(regression_data(), batch_size=5, seed=11)

    model, opt, loader = setup()
    straight = fit(model, squared_error, opt, loader, epochs=6, progress=False)
    final = model.state_dict()

    model, opt, loader = setup()
    first = fit(model, squared_error, opt, loader, epochs=3, progress=False)
    model.save(str(tmp_path / "model.json"))
    (tmp_path / "rest.json").write_text(json.dumps({"optimizer": opt.state_dict(),
                                                    "loader": loader.state_dict()}))
    model, opt, loader = setup()          # a fresh process would start like this
    model.load(str(tmp_path / "model.json"))
    saved = json.loads((tmp_path / "rest.json").read_text())
    opt.load_state_dict(saved["optimizer"])
    loader.load_state_dict(saved["loader"])
    second = fit(model, squared_error, opt, loader, epochs=3, progress=False)
    assert first + second == straight
    assert model.state_dict() == final     # bit for bit


def test_moons_are_reproducible_and_balanced():
    X, y = make_moons(50, noise=0.1, seed=4)
    assert (X, y) == make_moons(50, noise=0.1, seed=4)
    assert len(X) == 50 and sorted(set(y)) == [-1, 1] and y.count(1) == 25


def test_fit_drives_a_tqdm_bar_with_the_running_loss(monkeypatch):
    import tinygrad_lite.training as training
    bars = []

    class FakeBar:
        def __init__(self, iterable, desc, leave, file):
            self.iterable, self.desc, self.postfix = iterable, desc, []
            bars.append(self)

        def __iter__(self):
            return iter(self.iterable)

        def set_postfix(self, **values):
            self.postfix.append(values["loss"])

    monkeypatch.setattr(training, "_tqdm", lambda: FakeBar)
    model = nn.Dense(2, 1)
    history = fit(model, squared_error, optim.SGD(model.parameters(), lr=0.01),
                  DataLoader(regression_data(), batch_size=8, seed=0), epochs=2)
    assert [bar.desc for bar in bars] == ["epoch 1/2", "epoch 2/2"]
    assert len(bars[0].postfix) == 3 and float(bars[1].postfix[-1]) == pytest.approx(
        history[1], rel=1e-3)
