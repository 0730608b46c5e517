"""Optimizers: turn each parameter's gradient into an update, as torch.optim does.

Ordered from simple to complex:
    Optimizer      the base: parameters, state, zero_grad, state_dict, non-finite checks
    SGD            gradient descent, with momentum / dampening / Nesterov / weight decay
    Momentum       SGD(momentum=0.9)
    Nesterov       SGD(momentum=0.9, nesterov=True)
    AdaGrad        per-parameter steps shrinking with the sum of squared gradients
    RMSProp        steps scaled by a running mean of squared gradients
    Adam, AdamW    running means of the gradient and its square, bias-corrected

Each update rule is the algorithm of PyTorch's torch.optim documentation, written in the
class docstring as the equations it implements and computed in the same order as PyTorch's
implementation, so a run here and the same run in PyTorch (float64) agree step for step to
rounding.  Notation: θ parameter, g gradient, γ lr, λ weight_decay, μ momentum, t step count.

Parameters may be given as Values, or as (name, Value) pairs such as
``model.named_parameters()``; the names then appear in error messages.
"""

import math

from .engine import Value

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "AdamW",
           "NonFiniteGradientError"]


class NonFiniteGradientError(FloatingPointError):
    """A parameter's gradient is inf or NaN: stepping would corrupt the weights."""


def _check_number(name, value, low=None, high=None, high_open=False, where=""):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{where}: invalid {name}: {value!r} (must be >= {low})")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{where}: invalid {name}: {value!r} (must be "
                         f"{'<' if high_open else '<='} {high})")
    return float(value)


def _lerp(start, end, weight):
    """start + weight·(end - start), computed as torch.lerp does on the CPU."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


class Optimizer:
    """Base class: holds the parameters, per-parameter state and the step count.

    ``step()`` first checks every gradient: a non-finite one raises
    ``NonFiniteGradientError`` naming the parameter (nonfinite="raise", the default) or skips
    the whole step, leaving weights and state untouched (nonfinite="skip"; counted in
    ``skipped_steps``).
    """

    def __init__(self, params, hyperparameters, nonfinite="raise"):
        where = type(self).__name__
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{where}: got the module {type(params).__name__} itself; pass its "
                            f"parameters: {where}(model.parameters(), …) (as in torch)")
        self.names, self.params = [], []
        for i, item in enumerate(params if not isinstance(params, Value) else [params]):
            name, value = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
            if not isinstance(value, Value):
                raise TypeError(f"{where}: parameter {i} is {type(value).__name__}, not a Value")
            self.names.append(name or value.name or f"parameter {i}")
            self.params.append(value)
        if not self.params:
            raise ValueError(f"{where}: the parameter list is empty")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{where}: a parameter appears more than once")
        if nonfinite not in ("raise", "skip"):
            raise ValueError(f"{where}: nonfinite must be 'raise' or 'skip', got {nonfinite!r}")
        self.hyperparameters = hyperparameters
        self.nonfinite = nonfinite
        self.steps = 0
        self.skipped_steps = 0
        self.state = {key: [0.0] * len(self.params) for key in self.state_keys()}

    def state_keys(self):
        """The names of the per-parameter state lists (e.g. "exp_avg")."""
        return ()

    def zero_grad(self):
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self):
        """Update every parameter once; returns False if the step was skipped.  A parameter
        whose ``.grad`` is None (no gradient, as torch has it) is left as it is, as torch's
        optimizers leave it.  (Unlike torch, the step count is the optimizer's, not each
        parameter's: a parameter skipped on some steps gets Adam's bias correction and its
        momentum buffer's first step from the shared count.)"""
        for name, p in zip(self.names, self.params):
            if p.grad is not None and not math.isfinite(p.grad):
                if self.nonfinite == "skip":
                    self.skipped_steps += 1
                    return False
                raise NonFiniteGradientError(
                    f"{type(self).__name__}.step(): the gradient of {name} is {p.grad!r}; "
                    "no parameter was updated (nonfinite='skip' skips such steps)")
        self.steps += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                p.data = self.update(i, p.data, p.grad)
        return True

    def update(self, i, theta, g):
        """The new value of parameter i from its value θ and gradient g (and self.state)."""
        raise NotImplementedError

    def state_dict(self):
        """Hyperparameters, step counts and per-parameter state, as plain JSON-able data."""
        return {"optimizer": type(self).__name__, "hyperparameters": dict(self.hyperparameters),
                "steps": self.steps, "skipped_steps": self.skipped_steps,
                "state": {key: list(values) for key, values in self.state.items()}}

    def load_state_dict(self, state):
        """Restore what ``state_dict`` returned, checking that it fits this optimizer."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict) or state.get("optimizer") != type(self).__name__:
            raise ValueError(f"{where}: not a {type(self).__name__} state dict")
        saved = state.get("state", {})
        if set(saved) != set(self.state):
            raise ValueError(f"{where}: state entries {sorted(saved)}, expected "
                             f"{sorted(self.state)}")
        for key, values in saved.items():
            if len(values) != len(self.params):
                raise ValueError(f"{where}: {key} has {len(values)} entries for "
                                 f"{len(self.params)} parameters")
        self.hyperparameters = dict(state["hyperparameters"])
        self.steps = int(state["steps"])
        self.skipped_steps = int(state.get("skipped_steps", 0))
        self.state = {key: [float(x) for x in values] for key, values in saved.items()}

    @property
    def lr(self):
        return self.hyperparameters["lr"]

    @lr.setter
    def lr(self, value):
        self.hyperparameters["lr"] = _check_number("lr", value, 0.0, where=type(self).__name__)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {args})"


class SGD(Optimizer):
    """Stochastic gradient descent (torch.optim.SGD):

        g ← g + λθ                                   if λ ≠ 0
        b ← g  (first step),  b ← μb + (1 - τ)g     if μ ≠ 0      (τ = dampening)
        g ← g + μb  if nesterov,  else g ← b         if μ ≠ 0
        θ ← θ - γg

    With the defaults it is the tutorial's plain rule θ ← θ - η·∂L/∂θ.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, nonfinite="raise"):
        where = type(self).__name__
        hyper = {"lr": _check_number("lr", lr, 0.0, where=where),
                 "momentum": _check_number("momentum", momentum, 0.0, where=where),
                 "dampening": _check_number("dampening", dampening, 0.0, 1.0, where=where),
                 "nesterov": bool(nesterov),
                 "weight_decay": _check_number("weight_decay", weight_decay, 0.0, where=where)}
        if nesterov and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError(f"{where}: Nesterov momentum requires momentum > 0 and "
                             f"dampening = 0, got momentum={momentum!r}, dampening={dampening!r}")
        super().__init__(params, hyper, nonfinite)

    def state_keys(self):
        return ("momentum_buffer",)

    def update(self, i, theta, g):
        h = self.hyperparameters
        if h["weight_decay"] != 0:
            g = g + h["weight_decay"] * theta
        if h["momentum"] != 0:
            buffer = self.state["momentum_buffer"]
            if self.steps == 1:
                buffer[i] = g
            else:
                buffer[i] = h["momentum"] * buffer[i] + (1 - h["dampening"]) * g
            g = g + h["momentum"] * buffer[i] if h["nesterov"] else buffer[i]
        return theta - h["lr"] * g


class Momentum(SGD):
    """SGD with momentum μ (default 0.9): b ← μb + g, θ ← θ - γb (the tutorial's Momentum)."""

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0, nonfinite="raise"):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay,
                         nonfinite=nonfinite)


class Nesterov(SGD):
    """SGD with Nesterov momentum μ (default 0.9): b ← μb + g, θ ← θ - γ(g + μb)."""

    def __init__(self, params, lr, momentum=0.9, weight_decay=0.0, nonfinite="raise"):
        super().__init__(params, lr, momentum=momentum, nesterov=True,
                         weight_decay=weight_decay, nonfinite=nonfinite)


class AdaGrad(Optimizer):
    """AdaGrad (torch.optim.Adagrad):

        γ̃ ← γ / (1 + (t - 1)η)                       (η = lr_decay)
        g ← g + λθ                                   if λ ≠ 0
        s ← s + g²                                   (s starts at initial_accumulator_value)
        θ ← θ - γ̃ g / (√s + ε)
    """

    def __init__(self, params, lr=0.01, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, nonfinite="raise"):
        where = type(self).__name__
        hyper = {"lr": _check_number("lr", lr, 0.0, where=where),
                 "lr_decay": _check_number("lr_decay", lr_decay, 0.0, where=where),
                 "weight_decay": _check_number("weight_decay", weight_decay, 0.0, where=where),
                 "initial_accumulator_value": _check_number(
                     "initial_accumulator_value", initial_accumulator_value, 0.0, where=where),
                 "eps": _check_number("eps", eps, 0.0, where=where)}
        super().__init__(params, hyper, nonfinite)
        self.state["sum"] = [hyper["initial_accumulator_value"]] * len(self.params)

    def state_keys(self):
        return ("sum",)

    def update(self, i, theta, g):
        h = self.hyperparameters
        clr = h["lr"] / (1 + (self.steps - 1) * h["lr_decay"])
        if h["weight_decay"] != 0:
            g = g + h["weight_decay"] * theta
        s = self.state["sum"][i] = self.state["sum"][i] + g * g
        return theta - clr * (g / (math.sqrt(s) + h["eps"]))


class RMSProp(Optimizer):
    """RMSProp (torch.optim.RMSprop):

        g ← g + λθ                                   if λ ≠ 0
        v ← αv + (1 - α)g²
        ṽ ← v;  if centered: ḡ ← ḡ + (1 - α)(g - ḡ),  ṽ ← v - ḡ²
        b ← μb + g / (√ṽ + ε),  θ ← θ - γb           if μ > 0
        θ ← θ - γ g / (√ṽ + ε)                        otherwise
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, nonfinite="raise"):
        where = type(self).__name__
        hyper = {"lr": _check_number("lr", lr, 0.0, where=where),
                 "alpha": _check_number("alpha", alpha, 0.0, 1.0, where=where),
                 "eps": _check_number("eps", eps, 0.0, where=where),
                 "weight_decay": _check_number("weight_decay", weight_decay, 0.0, where=where),
                 "momentum": _check_number("momentum", momentum, 0.0, where=where),
                 "centered": bool(centered)}
        super().__init__(params, hyper, nonfinite)

    def state_keys(self):
        return ("square_avg", "grad_avg", "momentum_buffer")

    def update(self, i, theta, g):
        h, state = self.hyperparameters, self.state
        if h["weight_decay"] != 0:
            g = g + h["weight_decay"] * theta
        alpha = h["alpha"]
        v = state["square_avg"][i] = alpha * state["square_avg"][i] + (1 - alpha) * (g * g)
        if h["centered"]:
            mean = state["grad_avg"][i] = _lerp(state["grad_avg"][i], g, 1 - h["alpha"])
            denominator = math.sqrt(v - mean * mean) + h["eps"]
        else:
            denominator = math.sqrt(v) + h["eps"]
        if h["momentum"] > 0:
            b = state["momentum_buffer"][i] = h["momentum"] * state["momentum_buffer"][i] \
                + g / denominator
            return theta - h["lr"] * b
        return theta - h["lr"] * (g / denominator)


class Adam(Optimizer):
    """Adam (torch.optim.Adam):

        g ← g + λθ                                   if λ ≠ 0
        m ← m + (1 - β₁)(g - m)                      (= β₁m + (1 - β₁)g)
        v ← β₂v + (1 - β₂)g²
        v_max ← max(v_max, v);  v ← v_max           if amsgrad
        θ ← θ - (γ / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, nonfinite="raise"):
        where = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
        hyper = {"lr": _check_number("lr", lr, 0.0, where=where),
                 "betas": (_check_number("betas[0]", betas[0], 0.0, 1.0, True, where),
                           _check_number("betas[1]", betas[1], 0.0, 1.0, True, where)),
                 "eps": _check_number("eps", eps, 0.0, where=where),
                 "weight_decay": _check_number("weight_decay", weight_decay, 0.0, where=where),
                 "amsgrad": bool(amsgrad)}
        super().__init__(params, hyper, nonfinite)

    def state_keys(self):
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def update(self, i, theta, g):
        h, state = self.hyperparameters, self.state
        beta1, beta2 = h["betas"]
        if h["weight_decay"] != 0:
            if self.decoupled_weight_decay:
                theta = theta * (1 - h["lr"] * h["weight_decay"])
            else:
                g = g + h["weight_decay"] * theta
        m = state["exp_avg"][i] = _lerp(state["exp_avg"][i], g, 1 - beta1)
        v = state["exp_avg_sq"][i] = beta2 * state["exp_avg_sq"][i] + (1 - beta2) * (g * g)
        if h["amsgrad"]:
            v = state["max_exp_avg_sq"][i] = max(state["max_exp_avg_sq"][i], v)
        step_size = h["lr"] / (1 - beta1 ** self.steps)
        denominator = math.sqrt(v) / math.sqrt(1 - beta2 ** self.steps) + h["eps"]
        return theta - step_size * (m / denominator)


class AdamW(Adam):
    """AdamW (torch.optim.AdamW): decoupled weight decay, then Adam without λ in the gradient:

        θ ← θ(1 - γλ)                                (weight_decay default 0.01)
        then Adam's update with λ = 0.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 amsgrad=False, nonfinite="raise"):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, nonfinite)
