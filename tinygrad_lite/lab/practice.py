"""The tutorial's worked example, built from the library: Dense 3→4, Dense 4→1, L = ½Σ(y − q)².

    DEFAULT_CONFIG     the embedded data and initial parameters (documented in the README)
    validate_config    check a config dict; a ConfigError names the key and what was expected
    load_config        read and validate a JSON config file
    PracticeNetwork    the two Dense layers with the tutorial's names (θ, b, δ, d)
    run_practice       forward, backward and plain gradient descent; every number by name

The network (exactly the tutorial's, X is 3×n: rows = attributes, columns = data points):
    P = W1·X + b1      W1 = [θij] (4×3), b1 = [bi]; identity activation; entries p_ik
    Q = W2·P + d1      W2 = [δ11 … δ14], bias d1; identity activation; entries q_1k
    L = ½ Σ_k (y_k − q_1k)²
    θ ← θ − η·∂L/∂θ for every one of the 21 parameters, full batch, for some epochs.
"""

import json
import math

from .. import files
from ..compiled import compile as compile_graph, placeholder
from ..engine import Value, no_grad
from ..losses import half_sum_of_squares
from ..nn import Dense, Sequential
from ..nn.dense import tutorial_name
from ..optim import SGD

__all__ = ["DEFAULT_CONFIG", "ConfigError", "validate_config", "load_config", "PracticeNetwork",
           "run_practice", "parameter_names", "Practice", "Divergence"]

N_INPUTS, N_HIDDEN = 3, 4

DEFAULT_CONFIG = {
    "X": [[1.0, 2.0],          # X11 X12   (attribute 1 of data points 1 and 2)
          [0.5, -1.0],         # X21 X22
          [-1.5, 0.5]],        # X31 X32
    "y": [1.0, -0.5],
    "theta": [[0.1, 0.2, -0.1],
              [0.0, -0.3, 0.2],
              [0.4, 0.1, 0.0],
              [-0.2, 0.3, 0.1]],
    "b": [0.1, 0.0, -0.1, 0.25],
    "delta": [0.3, -0.2, 0.5, 0.1],
    "d1": 0.05,
    "lr": 0.1,
    "epochs": 1,
}


class ConfigError(ValueError):
    """A practice config that does not fit: names the key and what was expected."""


def _number(key, x):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ConfigError(f'"{key}": expected a finite number, got {json.dumps(x)}')
    return float(x)


def _vector(key, xs, length=None):
    if not isinstance(xs, list) or (length is not None and len(xs) != length) or not xs:
        expected = f"a list of {length} numbers" if length else "a non-empty list of numbers"
        raise ConfigError(f'"{key}": expected {expected}, got {json.dumps(xs)}')
    return [_number(f"{key}[{i}]", x) for i, x in enumerate(xs)]


def _matrix(key, rows, n_rows, n_cols=None):
    if not isinstance(rows, list) or len(rows) != n_rows:
        shape = f"{n_rows}×{n_cols}" if n_cols else f"{n_rows} rows"
        raise ConfigError(f'"{key}": expected a {shape} list of lists, got {json.dumps(rows)}')
    out = [_vector(f"{key}[{i}]", row, n_cols) for i, row in enumerate(rows)]
    if n_cols is None and len({len(row) for row in out}) != 1:
        raise ConfigError(f'"{key}": every row needs the same number of columns (data points), '
                          f"got rows of {[len(row) for row in out]}")
    return out


def validate_config(raw):
    """The default config updated with ``raw``; a ConfigError for anything that does not fit."""
    if not isinstance(raw, dict):
        raise ConfigError(f"the config must be a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULT_CONFIG))
    if unknown:
        raise ConfigError(f"unknown key {', '.join(map(repr, unknown))}; the keys are "
                          f"{', '.join(DEFAULT_CONFIG)}")
    merged = {**DEFAULT_CONFIG, **raw}
    config = {"X": _matrix("X", merged["X"], N_INPUTS)}
    n = len(config["X"][0])
    config["y"] = _vector("y", merged["y"], n)
    config["theta"] = _matrix("theta", merged["theta"], N_HIDDEN, N_INPUTS)
    config["b"] = _vector("b", merged["b"], N_HIDDEN)
    config["delta"] = _vector("delta", merged["delta"], N_HIDDEN)
    config["d1"] = _number("d1", merged["d1"])
    config["lr"] = _number("lr", merged["lr"])
    if config["lr"] < 0:
        raise ConfigError(f'"lr": expected a number >= 0, got {merged["lr"]}')
    epochs = merged["epochs"]
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ConfigError(f'"epochs": expected a whole number >= 0, got {json.dumps(epochs)}')
    config["epochs"] = epochs
    return config


def load_config(path):
    """Read a JSON config file (at most files.CONFIG_LIMIT bytes) and validate it; a
    ConfigError says what is wrong."""
    try:
        raw = files.read_json(path, files.CONFIG_LIMIT, "config")
    except files.FileProblem as error:
        raise ConfigError(str(error)) from None
    return validate_config(raw)


def parameter_names():
    """The 21 parameter names in the tutorial's order: θ11…θ43, b1…b4, δ11…δ14, d1."""
    return ([tutorial_name("θ", i, j) for i in range(1, 5) for j in range(1, 4)]
            + [tutorial_name("b", i) for i in range(1, 5)]
            + [tutorial_name("δ", 1, j) for j in range(1, 5)] + ["d1"])


class PracticeNetwork(Sequential):
    """Dense(3→4, names θ/b) then Dense(4→1, names δ/d), identity activations, set from a config."""

    def __init__(self, config):
        super().__init__(Dense(N_INPUTS, N_HIDDEN, names=("θ", "b")),
                         Dense(N_HIDDEN, 1, names=("δ", "d")))
        self.load_state_dict({"0.weight": config["theta"], "0.bias": config["b"],
                              "1.weight": [config["delta"]], "1.bias": [config["d1"]]})

    def named(self):
        """The 21 parameters by their tutorial names, in the tutorial's order."""
        by_name = {v.name: v for v in self.parameters()}
        return {name: by_name[name] for name in parameter_names()}

    def predict(self, x):
        """The network's output for one input vector of 3 numbers."""
        with no_grad():
            return self(x)[0].data


class Practice:
    """One forward pass of the worked example as a graph of named Values.

    Attributes: X (3×n named leaves X_ik), y (named leaves y_k), P (4×n, p_ik), Q (q_1k),
    L, and ``nodes``: every named quantity by name (data, parameters, p, q, L).
    """

    def __init__(self, network, X, y, placeholders=False):
        n = len(y)
        self.network = network
        leaf = placeholder if placeholders else (lambda name, value: Value(value, name=name))
        self.X = [[leaf(tutorial_name("X", i + 1, k + 1), X[i][k]) for k in range(n)]
                  for i in range(N_INPUTS)]
        self.y = [leaf(tutorial_name("y", k + 1), y[k]) for k in range(n)]
        hidden, output = network[0], network[1]
        self.P = [[None] * n for _ in range(N_HIDDEN)]
        self.Q = []
        for k in range(n):
            p = hidden([self.X[i][k] for i in range(N_INPUTS)])
            for i in range(N_HIDDEN):
                p[i].name = tutorial_name("p", i + 1, k + 1)
                self.P[i][k] = p[i]
            q = output(p)[0]
            q.name = tutorial_name("q", 1, k + 1)
            self.Q.append(q)
        self.L = half_sum_of_squares(self.Q, self.y)
        self.L.name = "L"
        self.nodes = {}
        for v in [v for row in self.X for v in row] + self.y:
            self.nodes[v.name] = v
        self.nodes.update(network.named())
        for v in [v for row in self.P for v in row] + self.Q + [self.L]:
            self.nodes[v.name] = v

    def forward_values(self):
        """Every p_ik, q_1k and L by name."""
        names = [v.name for row in self.P for v in row] + [q.name for q in self.Q] + ["L"]
        return {name: self.nodes[name].data for name in names}


def run_practice(config=None, predict=(), compiled=False):
    """Train the worked example for config["epochs"] epochs of plain gradient descent.

    Returns a dict with the keys of ``tinygrad-lite practice --json``: X, y, lr, epochs,
    params (initial), forward and grads (at the initial parameters), updated, losses (L before
    each epoch's update) and predictions; plus "final_loss" and the objects "network" and
    "practice" (the first epoch's graph) for further inspection.  ``compiled=True`` records
    the graph once with X and y as placeholders and reruns it each epoch: the same numbers.

    A run whose loss or gradient stops being a finite number (too large a learning rate: the
    tutorial's exploding gradients) is not an error but a finding: training stops before the
    update that would use it, and "diverged" describes it (see ``Divergence``); the losses
    are the finite ones before it, and forward/grads are None if even the first pass failed.
    """
    config = validate_config(config or {})
    network = PracticeNetwork(config)
    params = network.named()
    initial = {name: v.data for name, v in params.items()}
    optimizer = SGD(list(params.items()), lr=config["lr"])
    evaluate = _CompiledSteps(network, config) if compiled else _DynamicSteps(network, config)

    losses, forward, grads, diverged = [], None, None, None
    for epoch in range(max(config["epochs"], 1)):
        try:
            loss, values = evaluate.step()
        except (OverflowError, ValueError, ZeroDivisionError) as error:
            diverged = Divergence(epoch + 1, losses, params, config["lr"], str(error))
            break
        if epoch == 0:                         # L and ∇L at the initial parameters
            forward, grads = values, {name: v.grad for name, v in params.items()}
        if not _finite(loss, params):
            diverged = Divergence(epoch + 1, losses, params, config["lr"])
            break
        if epoch < config["epochs"]:
            losses.append(loss)
            optimizer.step()
    if not config["epochs"]:
        network.zero_grad()                    # epochs = 0: report the gradient, change nothing
    final_loss = None
    if diverged is None:
        try:
            final_loss = evaluate.loss()
        except (OverflowError, ValueError, ZeroDivisionError) as error:
            diverged = Divergence(config["epochs"] + 1, losses, params, config["lr"],
                                  str(error))
        else:
            if not math.isfinite(final_loss):
                diverged = Divergence(config["epochs"] + 1, losses, params, config["lr"])
                final_loss = None
    predictions = [{"input": list(x), "output": network.predict(list(x))} for x in predict] \
        if diverged is None else []
    return {"X": config["X"], "y": config["y"], "lr": config["lr"], "epochs": config["epochs"],
            "params": initial, "forward": forward, "grads": grads,
            "updated": {name: v.data for name, v in params.items()},
            "losses": losses, "predictions": predictions, "final_loss": final_loss,
            "diverged": diverged, "network": network, "practice": evaluate.first}


def _finite(loss, params):
    return math.isfinite(loss) and all(math.isfinite(v.grad) for v in params.values())


class Divergence:
    """Training that went off to infinity (or NaN): when, the loss so far, the largest gradient.

    ``epoch``: the epoch whose pass failed (1 = the first); ``losses``: the finite losses before
    it; ``largest``: (name, value) of the gradient entry largest in size at that moment (a
    non-finite one first), or None if the forward pass itself failed; ``reason``: what failed;
    ``hint``: what to try instead.
    """

    def __init__(self, epoch, losses, params, lr, error=None):
        self.epoch, self.losses, self.lr = epoch, list(losses), lr
        self.largest = None
        if error is None:
            entries = [(name, v.grad) for name, v in params.items()]
            bad = [(name, g) for name, g in entries if not math.isfinite(g)]
            self.largest = bad[0] if bad else max(entries, key=lambda e: abs(e[1]))
            self.reason = (f"the gradient of {self.largest[0]} is {self.largest[1]!r}" if bad
                           else "the loss is no longer a finite number")
        else:
            self.reason = f"the forward pass failed: {error}"
        smaller = lr / 10 if lr > 0 else 0.01
        self.hint = (f"a smaller learning rate, such as --lr {smaller:g}" if epoch > 1
                     else "smaller inputs or initial parameters (the first pass already fails)")

    def to_json(self):
        largest = None if self.largest is None else \
            {"name": self.largest[0], "value": _json_number(self.largest[1]),
             "nonfinite": None if math.isfinite(self.largest[1]) else repr(self.largest[1])}
        return {"epoch": self.epoch, "reason": self.reason, "losses": self.losses,
                "largest_gradient": largest, "hint": self.hint}


def _json_number(x):
    return x if math.isfinite(x) else None


class _DynamicSteps:
    """Each step builds the graph anew from the current parameters (the first is kept)."""

    def __init__(self, network, config):
        self.network, self.config = network, config
        self.first = None

    def _build(self):
        return Practice(self.network, self.config["X"], self.config["y"])

    def step(self):
        """(L, the forward values) at the current parameters; their gradients in .grad."""
        practice = self._build()
        self.first = self.first or practice
        self.network.zero_grad()
        practice.L.backward()
        return practice.L.data, practice.forward_values()

    def loss(self):
        with no_grad():
            return self._build().L.data


class _CompiledSteps:
    """The graph recorded once, X and y as placeholders, rerun at every step."""

    def __init__(self, network, config):
        self.network = network
        self.first = Practice(network, config["X"], config["y"], placeholders=True)
        inputs = [v for row in self.first.X for v in row] + self.first.y
        self.graph = compile_graph(self.first.L, inputs=inputs, params=network)
        self.feed = [v.data for v in inputs]
        self.names = list(self.first.forward_values())

    def step(self):
        loss = self.graph.run(self.feed)
        self.network.zero_grad()
        self.graph.backward()
        return loss, {name: self.graph.value(name) for name in self.names}

    def loss(self):
        return self.graph.run(self.feed)
