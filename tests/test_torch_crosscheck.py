"""Cross-checks against PyTorch (the optional `torch` extra; skipped, and reported as skipped,
where torch is not installed): the same model, data and optimizer must agree step for step."""

import math

import pytest

torch = pytest.importorskip("torch")

from tinygrad_lite import nn, optim  # noqa: E402
from tinygrad_lite.losses import mse_loss  # noqa: E402
from tinygrad_lite.nested import entries, shape_of  # noqa: E402

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


# ---- layers: same parameters (through the state dict) give the same outputs and gradients ----

def _t(x):
    return torch.tensor(x, dtype=torch.float64)


def _load_into_torch(ours, theirs):
    theirs = theirs.double()      # first, so that no float32 rounding touches the weights
    theirs.load_state_dict({k: _t(v) for k, v in ours.state_dict().items()})
    return theirs


def _flat(nested):
    from tinygrad_lite.nested import entries
    return [v.data if hasattr(v, "data") else v for _, v in entries(nested)]


def _grads(module):
    return [p.grad for p in module.parameters()]


def _torch_grads(module):
    return [g for p in module.parameters() for g in p.grad.flatten().tolist()]


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_conv2d_matches_torch(stride, padding):
    ours = nn.Conv2d(2, 3, (3, 2), stride=stride, padding=padding)
    theirs = _load_into_torch(ours, torch.nn.Conv2d(2, 3, (3, 2), stride=stride, padding=padding))
    x = [[[0.1 * (c + 1) * (i - j) + 0.05 * i * j for j in range(5)] for i in range(6)]
         for c in range(2)]
    out = ours(x)
    total = sum((v for v in _flat_values(out)), out[0][0][0] * 0)
    total.backward()
    tout = theirs(_t(x).unsqueeze(0))
    tout.sum().backward()
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12)
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-12)


def _flat_values(nested):
    from tinygrad_lite.nested import entries
    return [v for _, v in entries(nested)]


def test_conv1d_and_maxpool_match_torch():
    ours = nn.Conv1d(2, 3, 3, stride=2, padding=1)
    theirs = _load_into_torch(ours, torch.nn.Conv1d(2, 3, 3, stride=2, padding=1))
    x = [[0.3 * i - 1 for i in range(7)], [0.2 * i * i - 0.5 for i in range(7)]]
    assert _flat(ours(x)) == pytest.approx(theirs(_t(x).unsqueeze(0)).flatten().tolist(),
                                           rel=1e-12)
    pool = nn.MaxPool2d(2, stride=1, padding=1)
    image = [[[((i * 7 + j * 3) % 5) - 2.0 for j in range(4)] for i in range(3)]]
    expected = torch.nn.MaxPool2d(2, stride=1, padding=1)(_t(image).unsqueeze(0))
    assert _flat(pool(image)) == expected.flatten().tolist()


def test_rnn_matches_torch():
    ours = nn.RNN(3, 4)
    theirs = _load_into_torch(ours, torch.nn.RNN(3, 4))
    seq = [[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [-0.3, 0.8, 0.1]]
    outputs, (h,) = ours(seq, hx=[0.1, -0.2, 0.3, 0.0])
    sum(h[1:], h[0]).backward()
    tout, th = theirs(_t(seq), _t([[0.1, -0.2, 0.3, 0.0]]))
    th.sum().backward()
    assert _flat(outputs) == pytest.approx(tout.flatten().tolist(), rel=1e-12)
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-10)


def test_multihead_attention_matches_torch():
    ours = nn.MultiheadAttention(4, 2)
    theirs = _load_into_torch(ours, torch.nn.MultiheadAttention(4, 2))
    seq = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.0, -0.5, 0.3], [-0.3, 0.8, 0.1, -0.7]]
    out, weights = ours(seq, attn_mask=[[j > i for j in range(3)] for i in range(3)],
                        is_causal=True)
    total = sum(_flat_values(out)[1:], _flat_values(out)[0])
    total.backward()
    mask = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)   # True = masked
    tout, tweights = theirs(_t(seq), _t(seq), _t(seq), attn_mask=mask)
    tout.sum().backward()
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-10)
    assert _flat(weights) == pytest.approx(tweights.flatten().tolist(), rel=1e-10, abs=1e-15)
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)


ATTENTION_MASKS = {
    "bool": [[False, True, True], [False, False, True], [True, False, False]],
    "float": [[0.0, -1.5, 0.25], [0.5, 0.0, -2.0], [-0.75, 1.0, 0.0]],
}


@pytest.mark.parametrize("kind", sorted(ATTENTION_MASKS))
def test_multihead_attention_masks_match_torch(kind):
    mask = ATTENTION_MASKS[kind]           # bool: True = may NOT attend (torch's MHA meaning)
    ours = nn.MultiheadAttention(4, 2)
    for v in ours.parameters():
        v.data += 0.01
    theirs = _load_into_torch(ours, torch.nn.MultiheadAttention(4, 2))
    seq = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.0, -0.5, 0.3], [-0.3, 0.8, 0.1, -0.7]]
    values = [[nn_value(x) for x in row] for row in seq]
    out, weights = ours(values, attn_mask=mask)
    total = sum(_flat_values(out)[1:], _flat_values(out)[0])
    total.backward()
    tseq = _t(seq).requires_grad_()
    tmask = torch.tensor(mask) if kind == "bool" else _t(mask)
    tout, tweights = theirs(tseq, tseq, tseq, attn_mask=tmask)
    tout.sum().backward()
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-10)
    assert _flat(weights) == pytest.approx(tweights.flatten().tolist(), rel=1e-10, abs=1e-15)
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)
    assert [v.grad for row in values for v in row] == pytest.approx(
        tseq.grad.flatten().tolist(), rel=1e-8, abs=1e-12)


def nn_value(x):
    from tinygrad_lite import Value
    return Value(x)


@pytest.mark.parametrize("kind", sorted(ATTENTION_MASKS))
def test_scaled_dot_product_attention_masks_match_torch(kind):
    from tinygrad_lite.nn.attention import scaled_dot_product_attention
    mask = ATTENTION_MASKS[kind]
    if kind == "bool":                     # the functional form: True = takes part
        mask = [[not m for m in row] for row in mask]
    q = [[0.5, -1.0], [1.0, 0.0], [-0.3, 0.8]]
    k = [[0.2, 0.4], [-1.0, 0.5], [0.7, -0.1]]
    v = [[1.0, 2.0], [3.0, -4.0], [0.5, 0.25]]
    qs = [[nn_value(x) for x in row] for row in q]
    out = scaled_dot_product_attention(qs, k, v, attn_mask=mask)
    total = sum(_flat_values(out)[1:], _flat_values(out)[0])
    total.backward()
    tq = _t(q).requires_grad_()
    tmask = torch.tensor(mask) if kind == "bool" else _t(mask)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, _t(k), _t(v), attn_mask=tmask)
    tout.sum().backward()
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12)
    assert [x.grad for row in qs for x in row] == pytest.approx(tq.grad.flatten().tolist(),
                                                                rel=1e-10, abs=1e-14)


def test_losses_match_torch():
    from tinygrad_lite import losses, Value
    F = torch.nn.functional
    logits = [[1.0, -0.5, 2.0], [0.1, 0.2, -0.3]]
    assert losses.cross_entropy(logits, [2, 0]).data == pytest.approx(
        F.cross_entropy(_t(logits), torch.tensor([2, 0])).item(), rel=1e-12)
    p, y = [0.2, 0.9, 0.5], [0.0, 1.0, 1.0]
    assert losses.binary_cross_entropy(p, y).data == pytest.approx(
        F.binary_cross_entropy(_t(p), _t(y)).item(), rel=1e-12)
    z = [-3.0, 0.0, 40.0]
    xs = [Value(v) for v in z]
    loss = losses.binary_cross_entropy_with_logits(xs, y, reduction="sum")
    loss.backward()
    tz = _t(z).requires_grad_()
    tloss = F.binary_cross_entropy_with_logits(tz, _t(y), reduction="sum")
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    assert [v.grad for v in xs] == pytest.approx(tz.grad.tolist(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("p, y", [(0.0, 1.0), (1.0, 0.0), (1e-20, 0.5), (1 - 1e-16, 0.25),
                                  (1e-50, 0.2), (0.3, 0.6), (0.5, 0.0)])
def test_binary_cross_entropy_near_0_and_1_matches_torch(p, y):
    from tinygrad_lite import losses, Value
    ours_p, ours_y = Value(p), Value(y)
    loss = losses.binary_cross_entropy(ours_p, ours_y)
    loss.backward()
    tp, ty = _t(p).requires_grad_(), _t(y).requires_grad_()
    tloss = torch.nn.functional.binary_cross_entropy(tp, ty)
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    assert ours_p.grad == pytest.approx(tp.grad.item(), rel=1e-12)
    assert ours_y.grad == pytest.approx(ty.grad.item(), rel=1e-12)


@pytest.mark.parametrize("target", [1.5, -0.25])
def test_binary_cross_entropy_target_outside_0_1_is_refused_like_torch(target):
    from tinygrad_lite import losses
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(_t([0.5]), _t([target]))
    with pytest.raises(ValueError, match="not in"):
        losses.binary_cross_entropy([0.5], [target])


RAGGED = [
    [[1.0, 2.0, 3.0], [4.0, 5.0]],            # a short row
    [[1.0, 2.0, 3.0], [4.0, [5.0, 6.0], 7.0]],  # a list nested in a row
    [[1.0, 2.0, 3.0], 4.0],                   # a number for a row
]


@pytest.mark.parametrize("weight", RAGGED)
def test_ragged_state_dicts_are_refused_as_torch_refuses_them(weight):
    from tinygrad_lite.nn import StateDictError
    with pytest.raises((ValueError, TypeError)):
        torch.nn.Linear(3, 2).double().load_state_dict(
            {"weight": torch.tensor(weight, dtype=torch.float64), "bias": _t([0.0, 0.0])})
    ours = nn.Dense(3, 2)
    before = ours.state_dict()
    with pytest.raises(StateDictError):
        ours.load_state_dict({"weight": weight, "bias": [0.0, 0.0]})
    assert ours.state_dict() == before


@pytest.mark.parametrize("loss, y, layers", [
    ("cross_entropy", [2, 0, 1, 1], [4, 3]),
    ("mse", [[0.5, -1.0, 0.2, 0.0], [1.0, 0.3, -0.7, 0.4]], [3, 2]),
])
def test_a_configured_network_trains_as_torch_does(loss, y, layers):
    from tinygrad_lite.lab.practice import run_practice, validate_config
    raw = {"X": [[0.5, -1.0, 2.0, 0.3], [1.5, 0.25, -0.5, 0.8]], "y": y, "layers": layers,
           "activation": ["tanh", "identity"], "loss": loss,
           "optimizer": {"name": "adam", "betas": [0.8, 0.99]}, "lr": 0.05, "batch_size": 2,
           "epochs": 3, "seed": 7}
    config = validate_config(raw)
    result = run_practice(raw)
    model = torch.nn.Sequential(torch.nn.Linear(2, layers[0]), torch.nn.Tanh(),
                                torch.nn.Linear(layers[0], layers[1])).double()
    with torch.no_grad():
        for layer, w, b in zip((model[0], model[2]), config["weights"], config["biases"]):
            layer.weight.copy_(_t(w))
            layer.bias.copy_(_t(b))
    opt = torch.optim.Adam(model.parameters(), lr=0.05, betas=(0.8, 0.99))
    X = _t(config["X"]).T
    for step in result["steps"]:                      # the same batches, in the same order
        rows = [p - 1 for p in step["points"]]
        opt.zero_grad()
        out = model(X[rows])
        if loss == "cross_entropy":
            tloss = torch.nn.functional.cross_entropy(out, torch.tensor([y[r] for r in rows]))
        else:
            tloss = torch.nn.functional.mse_loss(out, _t(y).T[rows])
        tloss.backward()
        assert step["loss"] == pytest.approx(tloss.item(), rel=1e-12)
        opt.step()
    ours = [result["updated"][f"w1_{i + 1}{j + 1}"] for i in range(layers[0]) for j in range(2)]
    assert ours == pytest.approx(model[0].weight.flatten().tolist(), rel=1e-9)


@pytest.mark.parametrize("ours, theirs", [
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.ELU(), lambda: torch.nn.ELU()),
    (lambda: nn.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
], ids=["GELU", "ELU", "ELU(0.5)", "SiLU", "LeakyReLU", "Softmax", "LogSoftmax"])
def test_activation_modules_match_torch(ours, theirs):
    from tinygrad_lite import Value
    points = [[-3.0, -0.7, 0.0, 0.4, 2.5], [1.0, -1.0, 0.25, -0.125, 6.0]]
    values = [[Value(x) for x in row] for row in points]
    out = ours()(values)
    weights = [[0.3, -1.2, 0.7, 2.0, -0.4], [1.1, 0.2, -0.9, 0.5, 0.05]]
    total = sum((w * o for wr, orow in zip(weights, out) for w, o in zip(wr, orow)), Value(0.0))
    total.backward()
    t = _t(points).requires_grad_()
    tout = theirs()(t)
    (tout * _t(weights)).sum().backward()
    assert [o.data for row in out for o in row] == pytest.approx(tout.flatten().tolist(),
                                                                 rel=1e-12, abs=1e-15)
    assert [v.grad for row in values for v in row] == pytest.approx(t.grad.flatten().tolist(),
                                                                    rel=1e-12, abs=1e-15)


def test_item_and_the_mlp_match_torch():
    from tinygrad_lite import Value
    assert Value(2.5).item() == torch.tensor(2.5, dtype=torch.float64).item()
    ours = nn.MLP(2, [4, 3, 1])
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3),
                                 torch.nn.ReLU(), torch.nn.Linear(3, 1)).double()
    state = ours.state_dict()
    theirs.load_state_dict({f"{2 * int(k[0])}{k[1:]}": _t(v) for k, v in state.items()})
    assert list(ours.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight",
                                       "2.bias"]
    x = [0.5, -1.5]
    assert ours(x)[0].data == pytest.approx(theirs(_t([x])).item(), rel=1e-12)


LOGITS = [[1.0, -0.5, 2.0], [0.1, 0.2, -0.3], [-1.2, 0.7, 0.4], [0.0, 0.0, 3.0]]
CLASSES = [2, 0, 1, 1]
PROBS = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5]]
LOSS_CASES = [
    ("MSELoss", {}, "regression"), ("MSELoss", {"reduction": "sum"}, "regression"),
    ("L1Loss", {}, "regression"), ("L1Loss", {"reduction": "none"}, "regression"),
    ("HuberLoss", {}, "regression"), ("HuberLoss", {"delta": 0.3}, "regression"),
    ("CrossEntropyLoss", {}, "classes"),
    ("CrossEntropyLoss", {"weight": [0.5, 2.0, 1.0]}, "classes"),
    ("CrossEntropyLoss", {"ignore_index": 1}, "classes"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, "classes"),
    ("CrossEntropyLoss", {"weight": [0.5, 2.0, 1.0], "label_smoothing": 0.2,
                          "ignore_index": 0}, "classes"),
    ("CrossEntropyLoss", {"weight": [0.5, 2.0, 1.0], "reduction": "none"}, "classes"),
    ("CrossEntropyLoss", {"reduction": "sum", "label_smoothing": 0.1}, "classes"),
    ("CrossEntropyLoss", {}, "probabilities"),
    ("CrossEntropyLoss", {"weight": [0.5, 2.0, 1.0], "label_smoothing": 0.1}, "probabilities"),
    ("NLLLoss", {"weight": [0.5, 2.0, 1.0], "ignore_index": 2}, "log_probs"),
    ("BCELoss", {"weight": [1.0, 0.5, 2.0]}, "binary"),
    ("BCEWithLogitsLoss", {"pos_weight": [2.0, 0.5, 1.0]}, "binary_logits"),
    ("BCEWithLogitsLoss", {"weight": [1.0, 0.5, 2.0], "reduction": "sum"}, "binary_logits"),
]


@pytest.mark.parametrize("name, kwargs, kind", LOSS_CASES,
                         ids=[f"{n}-{'-'.join(k)}-{kind}" for n, k, kind in LOSS_CASES])
def test_loss_modules_match_torch(name, kwargs, kind):
    from tinygrad_lite import Value
    F = torch.nn
    torch_kwargs = {k: (_t(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    if kind == "regression":
        x, target = [[0.5, -1.0, 2.0], [0.3, 0.3, -0.2]], [[0.0, -0.5, 1.2], [0.3, 1.0, 0.0]]
        ttarget = _t(target)
    elif kind == "classes":
        x, target, ttarget = LOGITS, CLASSES, torch.tensor(CLASSES)
    elif kind == "probabilities":
        x, target, ttarget = LOGITS, PROBS, _t(PROBS)
    elif kind == "log_probs":
        x = [[v - math.log(sum(math.exp(u) for u in row)) for v in row] for row in LOGITS]
        target, ttarget = CLASSES, torch.tensor(CLASSES)
    elif kind == "binary":
        x, target = [[0.2, 0.9, 0.5], [0.6, 0.01, 0.99]], [[0.0, 1.0, 1.0], [0.5, 0.0, 1.0]]
        ttarget = _t(target)
    else:
        x, target = [[-2.0, 0.3, 4.0], [1.5, -0.7, 0.0]], [[0.0, 1.0, 1.0], [0.5, 0.0, 1.0]]
        ttarget = _t(target)
    values = [[Value(v) for v in row] for row in x]
    loss = getattr(nn, name)(**kwargs)(values, target)
    tx = _t(x).requires_grad_()
    tloss = getattr(F, name)(**torch_kwargs)(tx, ttarget)
    if isinstance(loss, list):
        assert shape_of(loss) == tuple(tloss.shape)           # reduction='none': torch's shape
        flat = [v for _, v in entries(loss)]
        assert [v.data for v in flat] == pytest.approx(tloss.flatten().tolist(), rel=1e-12)
        total = sum(flat[1:], flat[0])
        tloss = tloss.sum()
    else:
        assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
        total = loss
    total.backward()
    tloss.backward()
    assert [v.grad for row in values for v in row] == pytest.approx(
        tx.grad.flatten().tolist(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, False), (2, True)])
def test_recurrent_layers_match_torch(kind, layers, bidirectional):
    from tinygrad_lite import Value
    ours = getattr(nn, kind)(3, 4, num_layers=layers, bidirectional=bidirectional)
    theirs = _load_into_torch(ours, getattr(torch.nn, kind)(3, 4, num_layers=layers,
                                                           bidirectional=bidirectional))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in ours.state_dict().items():
        assert _shape_of(value) == tuple(theirs.state_dict()[key].shape), key
    seq = [[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [-0.3, 0.8, 0.1], [0.2, 0.2, -0.9]]
    values = [[Value(x) for x in row] for row in seq]
    directions = 2 if bidirectional else 1
    h0 = [[0.1 * (i + 1) - 0.2 * j for j in range(4)] for i in range(layers * directions)]
    if kind == "LSTM":
        c0 = [[0.05 * j - 0.1 * i for j in range(4)] for i in range(layers * directions)]
        outputs, (h, c) = ours(values, (h0, c0))
        tout, (th, tc) = theirs(_t(seq).requires_grad_(), (_t(h0), _t(c0)))
        finals, tfinals = h + c, torch.cat([th, tc])
    else:
        outputs, h = ours(values, h0)
        tout, th = theirs(_t(seq).requires_grad_(), _t(h0))
        finals, tfinals = h, th
    assert _flat(outputs) == pytest.approx(tout.flatten().tolist(), rel=1e-10)
    assert _flat(finals) == pytest.approx(tfinals.flatten().tolist(), rel=1e-10)
    weights = [[0.3 * ((i + j) % 5) - 0.6 for j in range(len(outputs[0]))]
               for i in range(len(outputs))]
    total = sum((w * o for wr, orow in zip(weights, outputs) for w, o in zip(wr, orow)),
                Value(0.0))
    total.backward()
    (tout * _t(weights)).sum().backward()
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)


def _shape_of(nested):
    from tinygrad_lite.nested import shape_of
    return shape_of(nested)


def test_embedding_with_padding_and_flatten_match_torch():
    ours = nn.Embedding(6, 3, padding_idx=2)
    theirs = _load_into_torch(ours, torch.nn.Embedding(6, 3, padding_idx=2))
    indices = [[0, 2, 5], [2, 1, 0]]
    out = ours(indices)
    weights = [[[0.1 * (i + j + k) - 0.3 for k in range(3)] for j in range(3)] for i in range(2)]
    total = sum((w * v for wi, oi in zip(weights, out) for wj, oj in zip(wi, oi)
                 for w, v in zip(wj, oj)), out[0][0][0] * 0)
    total.backward()
    tout = theirs(torch.tensor(indices))
    (tout * _t(weights)).sum().backward()
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12)
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-12, abs=1e-15)
    x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]
    for start, end in ((0, -1), (1, 2), (0, 1), (-2, -1)):
        assert _flat(nn.Flatten(start, end)(x)) == torch.flatten(_t(x), start, end).flatten().tolist()
        assert len(nn.Flatten(start, end)(x)) == torch.flatten(_t(x), start, end).shape[0]


CONV_CASES = [
    ("Conv1d", dict(kernel_size=(3,), dilation=2, padding=2)),
    ("Conv1d", dict(kernel_size=3, padding="same", dilation=2)),
    ("Conv1d", dict(kernel_size=2, padding="same")),               # an odd total: right side
    ("Conv1d", dict(kernel_size=3, padding="valid", stride=2, groups=2)),
    ("Conv2d", dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 0), groups=2)),
    ("Conv2d", dict(kernel_size=3, padding="same", bias=False)),
    ("Conv2d", dict(kernel_size=2, stride=(2, 1), padding_mode="zeros")),
]


@pytest.mark.parametrize("name, kwargs", CONV_CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                              for n, kw in CONV_CASES])
def test_convolution_options_match_torch(name, kwargs):
    from tinygrad_lite import Value
    ours = getattr(nn, name)(2, 4, **kwargs)
    theirs = _load_into_torch(ours, getattr(torch.nn, name)(2, 4, **kwargs))
    if name == "Conv1d":
        x = [[0.3 * i - 1 for i in range(7)], [0.2 * i * i - 0.5 for i in range(7)]]
    else:
        x = [[[0.1 * (c + 1) * (i - j) + 0.05 * i * j for j in range(5)] for i in range(6)]
             for c in range(2)]
    values = map_leaves_value(x)
    out = ours(values)
    tx = _t(x).requires_grad_()
    tout = theirs(tx)
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12, abs=1e-15)
    weights = [0.1 * ((i * 7) % 11) - 0.5 for i in range(len(_flat(out)))]
    total = sum((w * v for w, v in zip(weights, _flat_values(out))), Value(0.0))
    total.backward()
    (tout * _t(weights).reshape(tout.shape)).sum().backward()
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-10, abs=1e-14)
    assert [v.grad for v in _flat_values(values)] == pytest.approx(tx.grad.flatten().tolist(),
                                                                   rel=1e-10, abs=1e-14)


def map_leaves_value(x):
    from tinygrad_lite import Value
    from tinygrad_lite.nested import map_leaves
    return map_leaves(Value, x)


POOL_CASES = [
    ("MaxPool1d", dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ("MaxPool1d", dict(kernel_size=(2,), ceil_mode=True)),
    ("MaxPool2d", dict(kernel_size=(2, 3), stride=2, dilation=(2, 1), ceil_mode=True)),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool1d", dict(kernel_size=3, padding=1, count_include_pad=False)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=(2, 3), padding=(1, 1), count_include_pad=False)),
]


@pytest.mark.parametrize("name, kwargs", POOL_CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                              for n, kw in POOL_CASES])
def test_pooling_options_match_torch(name, kwargs):
    if name.endswith("1d"):
        x = [[((i * 7) % 5) - 2.0 + 0.01 * i for i in range(8)],
             [((i * 3) % 4) * 0.5 for i in range(8)]]
    else:
        x = [[[((i * 7 + j * 3) % 5) - 2.0 + 0.01 * i * j for j in range(7)] for i in range(6)]]
    values = map_leaves_value(x)
    out = getattr(nn, name)(**kwargs)(values)
    tx = _t(x).requires_grad_()
    tout = getattr(torch.nn, name)(**kwargs)(tx.unsqueeze(0)).squeeze(0)
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12)
    flat = _flat_values(out)
    total = sum((0.1 * (k % 7 - 3) * v for k, v in enumerate(flat)), flat[0] * 0)
    total.backward()
    (tout * _t([0.1 * (k % 7 - 3) for k in range(len(flat))]).reshape(tout.shape)).sum().backward()
    assert [v.grad for v in _flat_values(values)] == pytest.approx(tx.grad.flatten().tolist(),
                                                                   rel=1e-12, abs=1e-15)


BRIDGE_CASES = [
    ("MLP", lambda: nn.MLP(3, [4, 2], activation="tanh"), [0.5, -1.0, 2.0]),
    ("Dense+GELU", lambda: nn.Sequential(nn.Dense(3, 4, activation="gelu"), nn.LeakyReLU(0.2),
                                         nn.Dense(4, 2)), [0.5, -1.0, 2.0]),
    ("Conv1d", lambda: nn.Conv1d(2, 3, 3, dilation=2, padding="same", groups=1),
     [[0.1 * i for i in range(6)], [0.3 - 0.2 * i for i in range(6)]]),
    ("Conv2d+pool", lambda: nn.Sequential(nn.Conv2d(1, 2, 2, padding=1), nn.MaxPool2d(2),
                                          nn.AvgPool2d(1), nn.Flatten(0)),
     [[[0.1 * (i - j) for j in range(4)] for i in range(4)]]),
    ("Embedding", lambda: nn.Embedding(5, 3, padding_idx=0), [1, 0, 4]),
    ("Softmax", lambda: nn.Sequential(nn.Dense(3, 3), nn.LogSoftmax(), nn.Dropout(0.3).eval()),
     [0.5, -1.0, 2.0]),
]


@pytest.mark.parametrize("name, make, x", BRIDGE_CASES, ids=[c[0] for c in BRIDGE_CASES])
def test_to_torch_and_back_compute_the_same(name, make, x):
    ours = make().eval()
    theirs = nn.to_torch(ours).eval()
    tx = torch.tensor(x) if name == "Embedding" else _t(x)
    expected = theirs(tx).flatten().tolist()
    assert _flat(ours(x)) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    back = nn.from_torch(theirs).eval()
    assert _flat(back(x)) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "MultiheadAttention"])
def test_to_torch_and_back_for_sequences(kind):
    if kind == "MultiheadAttention":
        ours = nn.MultiheadAttention(4, 2)
        seq = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.0, -0.5, 0.3]]
        theirs = nn.to_torch(ours)
        expected = theirs(_t(seq), _t(seq), _t(seq))[0].flatten().tolist()
        assert _flat(ours(seq)[0]) == pytest.approx(expected, rel=1e-10)
        assert _flat(nn.from_torch(theirs)(seq)[0]) == pytest.approx(expected, rel=1e-10)
        return
    ours = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
    seq = [[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [-0.3, 0.8, 0.1]]
    theirs = nn.to_torch(ours)
    expected = theirs(_t(seq))[0].flatten().tolist()
    assert _flat(ours(seq)[0]) == pytest.approx(expected, rel=1e-10)
    assert _flat(nn.from_torch(theirs)(seq)[0]) == pytest.approx(expected, rel=1e-10)


def test_from_torch_refuses_what_has_no_equivalent():
    with pytest.raises(TypeError, match="no tinygrad_lite module for BatchNorm3d"):
        nn.from_torch(torch.nn.BatchNorm3d(3))
    assert nn.from_torch(torch.nn.GELU(approximate="tanh")).approximate == "tanh"


MHA_CASES = [
    ("kdim-vdim", dict(kdim=3, vdim=5), {}),
    ("key_padding_mask-bool", {}, dict(key_padding_mask=[False, True, False])),
    ("key_padding_mask-float+attn_mask-bool", {},
     dict(key_padding_mask=[0.0, -1.5, 0.25], attn_mask=[[False, True, False],
                                                          [False, False, True]])),
    ("both-bool", {}, dict(key_padding_mask=[False, False, True],
                           attn_mask=[[False, True, False], [False, False, False]])),
    ("per-head-weights", {}, dict(average_attn_weights=False)),
    ("no-weights", {"bias": False}, dict(need_weights=False)),
]


@pytest.mark.parametrize("name, init, call", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_options_match_torch(name, init, call):
    from tinygrad_lite import Value
    ours = nn.MultiheadAttention(4, 2, **init)
    for v in ours.parameters():
        v.data += 0.01
    theirs = _load_into_torch(ours, torch.nn.MultiheadAttention(4, 2, **init))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    kdim, vdim = init.get("kdim", 4), init.get("vdim", 4)
    q = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.0, -0.5, 0.3]]
    k = [[0.1 * (i + j) - 0.2 for j in range(kdim)] for i in range(3)]
    v = [[0.3 - 0.1 * i * j for j in range(vdim)] for i in range(3)]
    values = [[Value(x) for x in row] for row in q]
    out, weights = ours(values, k, v, **call)
    tq = _t(q).requires_grad_()
    tcall = {key: (torch.tensor(val) if key.endswith("mask") and isinstance(val[0], bool)
                   or (key == "attn_mask" and isinstance(val[0][0], bool))
                   else _t(val) if key.endswith("mask") else val) for key, val in call.items()}
    tout, tweights = theirs(tq, _t(k), _t(v), **tcall)
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-10, abs=1e-14)
    if call.get("need_weights", True):
        assert _flat(weights) == pytest.approx(tweights.flatten().tolist(), rel=1e-10,
                                               abs=1e-14)
    else:
        assert weights is None and tweights is None
    total = sum(_flat_values(out)[1:], _flat_values(out)[0])
    total.backward()
    tout.sum().backward()
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)
    assert [x.grad for row in values for x in row] == pytest.approx(tq.grad.flatten().tolist(),
                                                                   rel=1e-8, abs=1e-12)


def _batched_values(x):
    return map_leaves_value(x)


@pytest.mark.parametrize("name", ["Dense", "Conv1d", "Conv2d", "MaxPool2d", "AvgPool1d"])
def test_batched_inputs_match_torch(name):
    from tinygrad_lite import Value
    ours = {"Dense": lambda: nn.Dense(3, 2), "Conv1d": lambda: nn.Conv1d(2, 3, 2),
            "Conv2d": lambda: nn.Conv2d(1, 2, 2, padding=1),
            "MaxPool2d": lambda: nn.MaxPool2d(2), "AvgPool1d": lambda: nn.AvgPool1d(2)}[name]()
    theirs = {"Dense": lambda: torch.nn.Linear(3, 2), "Conv1d": lambda: torch.nn.Conv1d(2, 3, 2),
              "Conv2d": lambda: torch.nn.Conv2d(1, 2, 2, padding=1),
              "MaxPool2d": lambda: torch.nn.MaxPool2d(2),
              "AvgPool1d": lambda: torch.nn.AvgPool1d(2)}[name]()
    if list(ours.state_dict()):
        theirs = _load_into_torch(ours, theirs)
    shape = {"Dense": (4, 3), "Conv1d": (3, 2, 5), "Conv2d": (2, 1, 3, 4),
             "MaxPool2d": (2, 2, 4, 4), "AvgPool1d": (3, 2, 6)}[name]
    from tinygrad_lite.nested import full
    x = full(shape, lambda index: 0.1 * sum((i + 1) * (j + 2) for j, i in enumerate(index)) - 0.7)
    values = _batched_values(x)
    out = ours(values)
    tx = _t(x).requires_grad_()
    tout = theirs(tx)
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-12, abs=1e-15)
    flat = _flat_values(out)
    sum((0.1 * (k % 5 - 2) * v for k, v in enumerate(flat)), Value(0.0)).backward()
    (tout * _t([0.1 * (k % 5 - 2) for k in range(len(flat))]).reshape(tout.shape)).sum().backward()
    assert [v.grad for v in _flat_values(values)] == pytest.approx(tx.grad.flatten().tolist(),
                                                                   rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_batched_recurrent_layers_match_torch(kind, batch_first):
    ours = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, batch_first=batch_first)
    theirs = _load_into_torch(ours, getattr(torch.nn, kind)(2, 3, num_layers=2,
                                                           bidirectional=True,
                                                           batch_first=batch_first))
    N, L = 2, 3
    x = [[[0.1 * (n + 1) * (t - 1) + 0.05 * i for i in range(2)] for n in range(N)]
         for t in range(L)]                                             # (L, N, 2)
    if batch_first:
        x = [[x[t][n] for t in range(L)] for n in range(N)]             # (N, L, 2)
    h0 = [[[0.1 * (l - n) + 0.02 * j for j in range(3)] for n in range(N)] for l in range(4)]
    if kind == "LSTM":
        outputs, (h, c) = ours(x, (h0, h0))
        tout, (th, tc) = theirs(_t(x), (_t(h0), _t(h0)))
        assert _flat(c) == pytest.approx(tc.flatten().tolist(), rel=1e-10)
    else:
        outputs, h = ours(x, h0)
        tout, th = theirs(_t(x), _t(h0))
    assert _flat(outputs) == pytest.approx(tout.flatten().tolist(), rel=1e-10)
    assert _flat(h) == pytest.approx(th.flatten().tolist(), rel=1e-10)
    flat = _flat_values(outputs)
    sum((0.1 * (k % 5 - 2) * v for k, v in enumerate(flat)), flat[0] * 0).backward()
    (tout * _t([0.1 * (k % 5 - 2) for k in range(len(flat))]).reshape(tout.shape)).sum().backward()
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_batched_multihead_attention_matches_torch(batch_first):
    ours = nn.MultiheadAttention(4, 2, batch_first=batch_first)
    for v in ours.parameters():
        v.data += 0.01
    theirs = _load_into_torch(ours, torch.nn.MultiheadAttention(4, 2, batch_first=batch_first))
    N, L = 2, 3
    x = [[[0.1 * (n + 1) * (t - j) for j in range(4)] for n in range(N)] for t in range(L)]
    if batch_first:
        x = [[x[t][n] for t in range(L)] for n in range(N)]
    kpm = [[False, False, True], [False, True, False]]
    attn = [[[0.0, -0.5 * h, 0.2 * n] for _ in range(L)] for n in range(N) for h in range(2)]
    out, weights = ours(x, x, x, key_padding_mask=kpm, attn_mask=attn)
    tout, tweights = theirs(_t(x), _t(x), _t(x), key_padding_mask=torch.tensor(kpm),
                            attn_mask=_t(attn))
    assert _flat(out) == pytest.approx(tout.flatten().tolist(), rel=1e-10, abs=1e-14)
    assert _flat(weights) == pytest.approx(tweights.flatten().tolist(), rel=1e-10, abs=1e-14)
    flat = _flat_values(out)
    sum((0.1 * (k % 5 - 2) * v for k, v in enumerate(flat)), flat[0] * 0).backward()
    (tout * _t([0.1 * (k % 5 - 2) for k in range(len(flat))]).reshape(tout.shape)).sum().backward()
    assert _grads(ours) == pytest.approx(_torch_grads(theirs), rel=1e-8, abs=1e-12)


def test_batched_losses_match_torch():
    from tinygrad_lite import losses as ours_losses
    F = torch.nn.functional
    x, y = [[0.5, -1.0], [2.0, 0.3], [0.1, 0.0]], [[0.0, -0.5], [1.2, 0.3], [1.0, 0.0]]
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        for reduction in ("mean", "sum", "none"):
            ours = getattr(ours_losses, name)(x, y, reduction=reduction)
            theirs = getattr(F, name)(_t(x), _t(y), reduction=reduction)
            got = [v.data for _, v in entries(ours)] if isinstance(ours, list) else [ours.data]
            assert got == pytest.approx(theirs.flatten().tolist(), rel=1e-12)
            assert (shape_of(ours) if isinstance(ours, list) else ()) == tuple(theirs.shape)


def test_an_inner_gradient_keeps_a_negative_zero_first_share_as_torch_does():
    from tinygrad_lite import Value
    x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    (y * w).backward(torch.tensor(-1.0, dtype=torch.float64))
    ours_x, ours_w = Value(3.0), Value(0.0)
    ours_y = ours_x * 1.0
    (ours_y * ours_w).backward(-1.0)
    assert math.copysign(1.0, ours_y.grad) == math.copysign(1.0, y.grad.item()) == -1.0
    assert ours_w.grad == w.grad.item()
