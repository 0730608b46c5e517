"""Losses: values by hand, gradients against finite differences, reductions, edge cases."""

import math
import struct

import pytest

from tinygrad_lite import nn, Value, gradcheck
from tinygrad_lite import losses


def test_half_sum_of_squares_is_the_tutorials_L():
    q, y = [Value(0.5), Value(2.0)], [1.0, 1.5]
    L = losses.half_sum_of_squares(q, y)
    L.backward()
    assert L.data == 0.5 * (0.25 + 0.25)
    assert [v.grad for v in q] == [-(1.0 - 0.5), -(1.5 - 2.0)]    # -(y - q)


def test_mse_reductions():
    q, y = [1.0, 2.0, 4.0], [0.0, 2.0, 1.0]
    assert losses.mse_loss(q, y).data == (1 + 0 + 9) / 3
    assert losses.mse_loss(q, y, reduction="sum").data == 10
    assert [v.data for v in losses.mse_loss(q, y, reduction="none")] == [1, 0, 9]
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        losses.mse_loss(q, y, reduction="max")
    with pytest.raises(ValueError, match="input has 3 entries, target 2"):
        losses.mse_loss(q, y[:2])


def test_rmse_and_its_gradient_at_zero_error():
    assert losses.rmse_loss([3.0, 0.0], [0.0, 4.0]).data == pytest.approx(math.sqrt(12.5))
    q = [Value(1.0), Value(2.0)]
    loss = losses.rmse_loss(q, [1.0, 2.0])
    loss.backward()
    assert loss.data == 0.0 and [v.grad for v in q] == [0.0, 0.0]    # defined as 0, not NaN
    assert gradcheck(lambda a, b: losses.rmse_loss([a, b], [0.5, -1.0]), [1.0, 2.0])


def test_cross_entropy_by_hand_and_gradient():
    logits = [1.0, 2.0, 0.5]
    expected = -(2.0 - math.log(sum(math.exp(v) for v in logits)))
    assert losses.cross_entropy(logits, 1).data == pytest.approx(expected)
    xs = [Value(v) for v in logits]
    losses.cross_entropy(xs, 1).backward()
    total = sum(math.exp(v) for v in logits)
    assert [v.grad for v in xs] == pytest.approx(
        [math.exp(v) / total - (i == 1) for i, v in enumerate(logits)])   # softmax - one-hot
    assert losses.cross_entropy([1000.0, 0.0], 0).data == pytest.approx(0.0)  # stable
    batch = losses.cross_entropy([[1.0, 2.0], [3.0, 0.0]], [0, 0], reduction="sum")
    assert batch.data == pytest.approx(losses.cross_entropy([1.0, 2.0], 0).data
                                       + losses.cross_entropy([3.0, 0.0], 0).data)


def test_cross_entropy_errors():
    with pytest.raises(IndexError, match="class index 3 is out of range for 3 classes"):
        losses.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match=r"the target must be a class index \(int\)"):
        losses.cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="2 samples of logits need as many class indices"):
        losses.cross_entropy([[1.0], [2.0]], [0])


def test_binary_cross_entropy():
    p, y = [0.8, 0.3], [1.0, 0.0]
    expected = -(math.log(0.8) + math.log(0.7)) / 2
    assert losses.binary_cross_entropy(p, y).data == pytest.approx(expected)
    assert losses.binary_cross_entropy([0.0], [1.0]).data == 100.0     # log clamped at -100
    with pytest.raises(ValueError, match=r"input 0 is 1.5, not in \[0, 1\] \(use binary_cross"):
        losses.binary_cross_entropy([1.5], [1.0])
    assert gradcheck(lambda a, b: losses.binary_cross_entropy([a, b], [1.0, 0.0]), [0.7, 0.2])


@pytest.mark.parametrize("z", [-50.0, -2.0, 0.0, 3.0, 800.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_is_stable_with_gradient_sigmoid_minus_y(z, y):
    x = Value(z)
    loss = losses.binary_cross_entropy_with_logits(x, y)
    loss.backward()
    sig = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
    softplus = max(z, 0) + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(softplus - y * z, rel=1e-12, abs=1e-12)
    assert x.grad == pytest.approx(sig - y, rel=1e-12, abs=1e-12)


EPS = struct.unpack("f", struct.pack("f", 1e-12))[0]    # torch keeps 1e-12 in a C float


@pytest.mark.parametrize("p, y, expected", [
    # torch: ∂/∂p = (p - y) / max(p(1 - p), 1e-12), worked out by hand
    (0.0, 1.0, -1 / EPS),
    (1.0, 0.0, 1 / EPS),
    (1e-20, 0.5, (1e-20 - 0.5) / EPS),
    (0.25, 1.0, (0.25 - 1.0) / (0.25 * 0.75)),
])
def test_binary_cross_entropy_gradient_near_0_and_1_follows_torch(p, y, expected):
    x = Value(p)
    losses.binary_cross_entropy(x, y).backward()
    assert x.grad == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("target", [1.5, -0.1, math.nan])
def test_binary_cross_entropy_refuses_a_target_outside_0_1(target):
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target 0 is .*, not in \[0, 1\]"):
        losses.binary_cross_entropy([0.5], [target])


def test_binary_cross_entropy_value_floors_each_log_at_minus_100():
    assert losses.binary_cross_entropy([1.0], [0.0]).data == 100.0
    assert losses.binary_cross_entropy([1e-50], [1.0]).data == 100.0
    assert losses.binary_cross_entropy([0.5], [0.5]).data == pytest.approx(math.log(2))


def test_cross_entropy_of_no_logits_names_the_function():
    with pytest.raises(ValueError, match="cross_entropy: no logits"):
        losses.cross_entropy([], 0)


@pytest.mark.parametrize("p, expected", [(0.3, math.log(0.7) - math.log(0.3)),
                                         (1e-50, 50 * math.log(10)), (0.0, math.inf),
                                         (1.0, -math.inf)])
def test_binary_cross_entropy_gradient_for_the_target(p, expected):
    y = Value(0.4)
    losses.binary_cross_entropy(Value(p), y).backward()
    assert y.grad == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_second_derivative_by_hand():
    from tinygrad_lite.autograd import hessian
    # d²/dp² -(y log p + (1 - y) log(1 - p)) = y/p² + (1 - y)/(1 - p)²
    [[h]] = hessian(lambda p: losses.binary_cross_entropy(p, 0.25), [0.3])
    assert h == pytest.approx(0.25 / 0.3 ** 2 + 0.75 / 0.7 ** 2, rel=1e-12)


LOSS_MODULES = [
    (nn.MSELoss(), "values"), (nn.RMSELoss(), "values"), (nn.L1Loss(), "values"),
    (nn.HuberLoss(delta=0.4), "values"), (nn.CrossEntropyLoss(weight=[0.5, 2.0]), "classes"),
    (nn.CrossEntropyLoss(label_smoothing=0.2, ignore_index=0), "classes"),
    (nn.CrossEntropyLoss(), "probabilities"), (nn.NLLLoss(weight=[1.0, 3.0]), "classes"),
    (nn.BCEWithLogitsLoss(pos_weight=2.0, weight=[1.0, 0.5]), "binary"),
]


@pytest.mark.parametrize("module, kind", LOSS_MODULES,
                         ids=[f"{type(m).__name__}-{kind}" for m, kind in LOSS_MODULES])
def test_loss_modules_gradcheck(module, kind):
    target = {"values": [[0.2, -0.4], [1.0, 0.3]], "classes": [1, 0],
              "probabilities": [[0.3, 0.7], [1.0, 0.0]], "binary": [[0.0, 1.0], [0.5, 1.0]]}[kind]

    def f(a, b, c, d):
        out = module([[a, b], [c, d]], target)
        return out if not isinstance(out, list) else sum(out[1:], out[0])
    assert gradcheck(f, [0.7, -1.3, 0.45, 2.2])


def test_huber_compiled_follows_its_branch_at_every_input():
    from tinygrad_lite.compiled import compile, placeholder
    d = placeholder("d", 0.1)
    graph = compile(losses.huber_loss(d, 0.0, delta=1.0), inputs=[d])
    for x in (0.1, 3.0, -2.0, 0.5):
        assert graph.run({"d": x}) == (0.5 * x * x if abs(x) < 1 else abs(x) - 0.5)
        d.grad = 0.0
        graph.backward()
        assert d.grad == (x if abs(x) < 1 else math.copysign(1.0, x))


def test_loss_arguments_are_checked():
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="weight has 2 entries for 3 classes"):
        losses.cross_entropy([[1.0, 2.0, 3.0]], [0], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="delta must be a positive number"):
        losses.huber_loss([1.0], [0.0], delta=0.0)
