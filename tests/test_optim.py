"""Optimizers: the first steps against the documented equations written out here by hand
(the textbook forms, not the code under test), the variants, state_dict resume, and errors."""

import math

import pytest

from tinygrad_lite import Value, optim
from tinygrad_lite.optim import NonFiniteGradientError

GRADS = [0.5, -1.0, 2.0, 0.25, -0.75]   # the gradient fed at each step
THETA0 = 1.5


def trajectory(make, grads=GRADS, theta0=THETA0):
    """Feed a fixed gradient sequence to a one-parameter optimizer; the values after each step."""
    p = Value(theta0, name="w")
    opt = make([p])
    values = []
    for g in grads:
        p.grad = g
        opt.step()
        values.append(p.data)
    return values


# ---- the documented algorithms, by hand ------------------------------------------------------

def sgd_by_hand(lr, momentum=0.0, dampening=0.0, nesterov=False, wd=0.0):
    theta, b, out = THETA0, None, []
    for g in GRADS:
        g = g + wd * theta
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def adagrad_by_hand(lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10):
    theta, s, out = THETA0, init, []
    for t, g in enumerate(GRADS, 1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        g = g + wd * theta
        s = s + g * g
        theta = theta - lr_t * g / (math.sqrt(s) + eps)
        out.append(theta)
    return out


def rmsprop_by_hand(lr, alpha=0.99, eps=1e-8, wd=0.0, momentum=0.0, centered=False):
    theta, v, mean, b, out = THETA0, 0.0, 0.0, 0.0, []
    for g in GRADS:
        g = g + wd * theta
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            v_tilde = v - mean * mean
        if momentum > 0:
            b = momentum * b + g / (math.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (math.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def adam_by_hand(lr, betas=(0.9, 0.999), eps=1e-8, wd=0.0, amsgrad=False, decoupled=False):
    b1, b2 = betas
    theta, m, v, v_max, out = THETA0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, 1):
        if decoupled:
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            v_max = max(v_max, v)
            v_hat = v_max / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(theta)
    return out


CASES = [
    ("SGD", lambda p: optim.SGD(p, lr=0.1), sgd_by_hand(0.1)),
    ("SGD momentum", lambda p: optim.SGD(p, lr=0.1, momentum=0.9), sgd_by_hand(0.1, 0.9)),
    ("SGD dampening", lambda p: optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3),
     sgd_by_hand(0.1, 0.8, 0.3)),
    ("SGD nesterov", lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
     sgd_by_hand(0.1, 0.9, nesterov=True)),
    ("SGD weight decay", lambda p: optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.01),
     sgd_by_hand(0.1, 0.5, wd=0.01)),
    ("Momentum", lambda p: optim.Momentum(p, lr=0.05), sgd_by_hand(0.05, 0.9)),
    ("Nesterov", lambda p: optim.Nesterov(p, lr=0.05), sgd_by_hand(0.05, 0.9, nesterov=True)),
    ("AdaGrad", lambda p: optim.AdaGrad(p, lr=0.1), adagrad_by_hand(0.1)),
    ("AdaGrad decay", lambda p: optim.AdaGrad(p, lr=0.1, lr_decay=0.1, weight_decay=0.05,
                                              initial_accumulator_value=0.2),
     adagrad_by_hand(0.1, 0.1, 0.05, 0.2)),
    ("RMSProp", lambda p: optim.RMSProp(p, lr=0.01), rmsprop_by_hand(0.01)),
    ("RMSProp centered", lambda p: optim.RMSProp(p, lr=0.01, centered=True),
     rmsprop_by_hand(0.01, centered=True)),
    ("RMSProp momentum", lambda p: optim.RMSProp(p, lr=0.01, momentum=0.9, weight_decay=0.1,
                                                 alpha=0.9, centered=True),
     rmsprop_by_hand(0.01, alpha=0.9, wd=0.1, momentum=0.9, centered=True)),
    ("Adam", lambda p: optim.Adam(p, lr=0.01), adam_by_hand(0.01)),
    ("Adam weight decay", lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
     adam_by_hand(0.01, wd=0.1)),
    ("Adam amsgrad", lambda p: optim.Adam(p, lr=0.01, betas=(0.5, 0.9), amsgrad=True),
     adam_by_hand(0.01, betas=(0.5, 0.9), amsgrad=True)),
    ("AdamW", lambda p: optim.AdamW(p, lr=0.01), adam_by_hand(0.01, wd=0.01, decoupled=True)),
    ("AdamW amsgrad", lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.2, amsgrad=True),
     adam_by_hand(0.1, wd=0.2, amsgrad=True, decoupled=True)),
]


@pytest.mark.parametrize("name, make, expected", CASES, ids=[c[0] for c in CASES])
def test_steps_follow_the_documented_equations(name, make, expected):
    assert trajectory(make) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_amsgrad_differs_from_adam_when_the_second_moment_shrinks():
    # a big gradient then small ones: v falls, v_max does not
    grads = [5.0, 0.1, 0.1, 0.1]
    plain = trajectory(lambda p: optim.Adam(p, lr=0.1), grads)
    ams = trajectory(lambda p: optim.Adam(p, lr=0.1, amsgrad=True), grads)
    assert plain[0] == ams[0] and plain[-1] != ams[-1]


def test_plain_sgd_is_the_tutorials_rule():
    w = Value(2.0)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * 3.0 - 1.0) ** 2          # dL/dw = 6(3w - 1) = 30
    loss.backward()
    opt.step()
    assert w.data == pytest.approx(2.0 - 0.1 * 30)


def test_zero_grad_and_named_parameters():
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 3.0, 4.0
    opt = optim.Adam([("first", a), ("second", b)])
    opt.zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0) and opt.names == ["first", "second"]


@pytest.mark.parametrize("name, make, _", CASES, ids=[c[0] for c in CASES])
def test_state_dict_resume_gives_the_same_trajectory(name, make, _):
    straight = trajectory(make)
    p = Value(THETA0)
    opt = make([p])
    for g in GRADS[:2]:
        p.grad = g
        opt.step()
    saved, value = opt.state_dict(), p.data
    q = Value(value)
    resumed = make([q])
    resumed.load_state_dict(saved)
    rest = []
    for g in GRADS[2:]:
        q.grad = g
        resumed.step()
        rest.append(q.data)
    assert rest == straight[2:]            # bit for bit


def test_load_state_dict_checks_its_input():
    opt = optim.Adam([Value(1.0)])
    with pytest.raises(ValueError, match="not a Adam state dict"):
        opt.load_state_dict(optim.SGD([Value(1.0)], lr=0.1).state_dict())
    state = opt.state_dict()
    state["state"]["exp_avg"] = [0.0, 0.0]
    with pytest.raises(ValueError, match="exp_avg has 2 entries for 1 parameters"):
        opt.load_state_dict(state)


def test_non_finite_gradient_raises_naming_the_parameter_and_changes_nothing():
    a, b = Value(1.0, name="a"), Value(2.0, name="b")
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(NonFiniteGradientError, match="the gradient of b is nan"):
        opt.step()
    assert (a.data, b.data, opt.steps) == (1.0, 2.0, 0)


def test_non_finite_gradient_can_skip_the_step():
    a = Value(1.0)
    opt = optim.Adam([a], nonfinite="skip")
    a.grad = math.inf
    assert opt.step() is False and a.data == 1.0 and opt.skipped_steps == 1
    a.grad = 1.0
    assert opt.step() is True and a.data != 1.0 and opt.steps == 1


@pytest.mark.parametrize("make, message", [
    (lambda: optim.SGD([Value(1.0)], lr=-0.1), r"SGD: invalid lr: -0.1 \(must be >= 0.0\)"),
    (lambda: optim.SGD([Value(1.0)], lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda: optim.SGD([Value(1.0)], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "dampening = 0"),
    (lambda: optim.Adam([Value(1.0)], betas=(1.0, 0.999)), r"invalid betas\[0\]: 1.0"),
    (lambda: optim.Adam([Value(1.0)], betas=(0.9, -0.1)), r"invalid betas\[1\]: -0.1"),
    (lambda: optim.Adam([Value(1.0)], betas=0.9), "betas must be a pair"),
    (lambda: optim.Adam([Value(1.0)], eps=-1.0), "invalid eps"),
    (lambda: optim.RMSProp([Value(1.0)], alpha=1.5), "invalid alpha"),
    (lambda: optim.AdaGrad([Value(1.0)], lr_decay=-1), "invalid lr_decay"),
    (lambda: optim.SGD([], lr=0.1), "the parameter list is empty"),
    (lambda: optim.SGD([1.0], lr=0.1), "parameter 0 is float, not a Value"),
    (lambda: optim.SGD([Value(1.0)], lr="fast"), "lr must be a number"),
    (lambda: optim.Adam([Value(1.0)], nonfinite="ignore"), "nonfinite must be"),
])
def test_invalid_hyperparameters(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_parameter_twice_is_an_error():
    v = Value(1.0)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([v, v], lr=0.1)


def test_lr_can_be_changed_and_is_checked():
    v = Value(1.0)
    opt = optim.SGD([v], lr=0.1)
    opt.lr = 0.5
    v.grad = 1.0
    opt.step()
    assert v.data == 0.5
    with pytest.raises(ValueError, match="invalid lr"):
        opt.lr = -1
