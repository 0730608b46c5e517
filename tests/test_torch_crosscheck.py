"""Cross-checks against PyTorch (the optional `torch` extra; skipped, and reported as skipped,
where torch is not installed): the same model, data and optimizer must agree step for step."""

import pytest

torch = pytest.importorskip("torch")

from tinygrad_lite import nn, optim  # noqa: E402
from tinygrad_lite.losses import mse_loss  # noqa: E402

X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-1.0, 1.0, 1.0], [0.0, -2.0, 0.5]]
Y = [1.0, -0.5, 0.25, 2.0]

OPTIMIZERS = [
    ("SGD", dict(lr=0.05), dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.2), dict(lr=0.05, momentum=0.8, dampening=0.2)),
    ("AdaGrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1),
     dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("RMSProp", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
     dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True), dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True),
     dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]
TORCH_NAMES = {"SGD": "SGD", "AdaGrad": "Adagrad", "RMSProp": "RMSprop", "Adam": "Adam",
               "AdamW": "AdamW"}


@pytest.mark.parametrize("name, ours_kwargs, torch_kwargs", OPTIMIZERS)
def test_training_agrees_with_pytorch_step_for_step(name, ours_kwargs, torch_kwargs):
    ours = nn.Sequential(nn.Dense(3, 4, activation="tanh"), nn.Dense(4, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 1)).double()
    state = ours.state_dict()
    theirs.load_state_dict({"0.weight": torch.tensor(state["0.weight"], dtype=torch.float64),
                            "0.bias": torch.tensor(state["0.bias"], dtype=torch.float64),
                            "2.weight": torch.tensor(state["1.weight"], dtype=torch.float64),
                            "2.bias": torch.tensor(state["1.bias"], dtype=torch.float64)})
    opt = getattr(optim, name)(ours.parameters(), **ours_kwargs)
    topt = getattr(torch.optim, TORCH_NAMES[name])(theirs.parameters(), **torch_kwargs)
    x_t, y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    for _ in range(10):
        opt.zero_grad()
        loss = mse_loss([ours(x)[0] for x in X], Y)
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = torch.nn.functional.mse_loss(theirs(x_t).squeeze(1), y_t)
        tloss.backward()
        topt.step()
        assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    final = ours.state_dict()
    flat = [w for row in final["0.weight"] for w in row] + final["1.bias"]
    expected = theirs[0].weight.flatten().tolist() + theirs[2].bias.tolist()
    assert flat == pytest.approx(expected, rel=1e-10)
