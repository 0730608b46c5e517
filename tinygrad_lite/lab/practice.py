"""The worked example, and any exercise like it: a configured network, every number by name.

    DEFAULT_CONFIG     the tutorial's network, data and initial parameters (the README's table)
    validate_config    check a config dict; a ConfigError names the key and what was expected
    load_config        read and validate a JSON config file (bounded size)
    PracticeNetwork    the configured Dense layers, with names for every parameter
    Practice           one forward pass as a graph of named Values (any subset of the points)
    run_practice       forward, backward and training; every number by name
    Divergence         a run whose loss or gradient stopped being a finite number

The tutorial's network (the default; X is 3×n, rows = attributes, columns = data points):
    P = W1·X + b1      W1 = [θij] (4×3), b1 = [bi]; identity activation; entries p_ik
    Q = W2·P + d1      W2 = [δ11 … δ14], bias d1; identity activation; entries q_1k
    L = ½ Σ_k (y_k − q_1k)²
    θ ← θ − η·∂L/∂θ for every one of the 21 parameters, full batch, for some epochs.

Any other network is configured with the keys below (all optional; the defaults are the
tutorial's): "layers" (the sizes after the input, [4, 1]), "activation" (one name or one per
layer: identity, tanh, relu, sigmoid, leaky_relu), "loss" (half_sse = ½·Σ(y − q)², mse,
rmse, cross_entropy, bce), "optimizer" (sgd, momentum, nesterov, adagrad, rmsprop, adam, or
{"name": …, hyperparameters}), "lr", "batch_size" with "seed" (mini-batches drawn without
replacement, a fresh permutation each epoch), "epochs", and the initial parameters: the
tutorial's "theta", "b", "delta", "d1" for its own network, or "weights" (one out×in matrix a
layer) and "biases" (one list a layer), or drawn from "seed" as PyTorch draws them.

Names.  The tutorial's network keeps the tutorial's names: X_jk, y_k, θ_ij, b_i, δ_1i, d1,
p_ik (the hidden layer's output), q_1k (the network's output) and L; where an activation is
not the identity, the sums before it are z1_ik and z2_1k.  Any other network is named as
textbooks do (layer l = 1, 2, …; unit i; input j; data point k): inputs X_jk, labels y_k (y_ik
with several outputs), weights w{l}_ij, biases b{l}_i, pre-activations z{l}_ik, activations
a{l}_ik (z and a are the same node for an identity layer), the loss of data point k L_k, and
L.  Past nine, indices are separated by commas (p1,10; w1_1,12).  Every name is accepted
by --check, --explain and --grad exactly as printed, in Unicode or ASCII (theta23 = θ23).
"""

import copy
import json
import math
import random

from .. import files
from ..compiled import compile as compile_graph, placeholder
from ..data import DataLoader
from ..engine import SQRT_ZERO_AT_ZERO, Value, _constants, apply, no_grad
from ..losses import binary_cross_entropy, half_sum_of_squares
from ..functional import log_softmax
from ..messages import Sentence, Translatable, message_of
from ..nn import Dense, Sequential
from ..nn.dense import tutorial_name
from .. import optim

__all__ = ["DEFAULT_CONFIG", "ConfigError", "validate_config", "load_config", "read_config",
           "PracticeNetwork",
           "run_practice", "parameter_names", "Practice", "Divergence", "ACTIVATIONS",
           "LOSSES", "OPTIMIZERS"]

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
# the keys that configure other networks; each absent key means the tutorial's choice
LAB_KEYS = ("layers", "activation", "loss", "optimizer", "batch_size", "seed", "weights",
            "biases", "source")      # source: where an exercise comes from (shown, not used)
TUTORIAL_KEYS = ("theta", "b", "delta", "d1")

ACTIVATIONS = ("identity", "tanh", "relu", "sigmoid", "leaky_relu")
LOSSES = ("half_sse", "mse", "rmse", "cross_entropy", "bce")
OPTIMIZERS = {"sgd": optim.SGD, "momentum": optim.Momentum, "nesterov": optim.Nesterov,
              "adagrad": optim.AdaGrad, "rmsprop": optim.RMSProp, "adam": optim.Adam}
MAX_UNITS = 10_000          # parameters plus data entries a config may ask for


class ConfigError(Translatable, ValueError):
    """A practice config that does not fit: names the key and what was expected."""


def _shown(x):
    from ..console import shorten
    return shorten(json.dumps(x), 120)


def _number(key, x):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ConfigError(Sentence("config.number", key=key, got=_shown(x)))
    return float(x)


def _vector(key, xs, length=None):
    if not isinstance(xs, list) or (length is not None and len(xs) != length) or not xs:
        expected = Sentence("config.numbers", n=length) if length else \
            Sentence("config.some_numbers")
        raise ConfigError(Sentence("config.expected", key=key, expected=expected, got=_shown(xs)))
    return [_number(f"{key}[{i}]", x) for i, x in enumerate(xs)]


def _matrix(key, rows, n_rows=None, n_cols=None):
    if not isinstance(rows, list) or not rows or (n_rows is not None and len(rows) != n_rows):
        shape = f"{n_rows}×{n_cols}" if n_cols else Sentence("config.rows", n=n_rows) \
            if n_rows else Sentence("config.non_empty")
        raise ConfigError(Sentence("config.matrix", key=key, shape=shape, got=_shown(rows)))
    out = [_vector(f"{key}[{i}]", row, n_cols) for i, row in enumerate(rows)]
    if n_cols is None and len({len(row) for row in out}) != 1:
        raise ConfigError(Sentence("config.ragged", key=key, rows=[len(row) for row in out]))
    return out


def _whole(key, x, low):
    if isinstance(x, bool) or not isinstance(x, int) or x < low:
        raise ConfigError(Sentence("config.whole", key=key, low=low, got=_shown(x)))
    return x


def validate_config(raw):
    """The default config updated with ``raw``; a ConfigError for anything that does not fit.

    The result has every key: the tutorial's network is the one with 3 inputs and layers
    [4, 1]; its parameters come from theta/b/delta/d1, any other network's from
    weights/biases or drawn from the seed."""
    if not isinstance(raw, dict):
        raise ConfigError(Sentence("config.object", got=type(raw).__name__))
    if "tutorial" in raw and "layers" in raw and "weights" in raw:
        return raw                                 # validated already (tutorial is ours)
    known = set(DEFAULT_CONFIG) | set(LAB_KEYS)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(Sentence("config.unknown", unknown=", ".join(map(repr, unknown)),
                                   keys=", ".join(list(DEFAULT_CONFIG) + list(LAB_KEYS))))
    merged = {**DEFAULT_CONFIG, **raw}
    X = _matrix("X", merged["X"])
    d, n = len(X), len(X[0])
    layers = raw.get("layers", [N_HIDDEN, 1])
    if not isinstance(layers, list) or not layers or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in layers):
        raise ConfigError(Sentence("config.layers", got=_shown(layers)))
    sizes = [d] + layers
    if sum(a * b + b for a, b in zip(sizes, sizes[1:])) + d * n > MAX_UNITS * 10:
        raise ConfigError(Sentence("config.too_big", limit=format(MAX_UNITS * 10, ",")))
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ConfigError(Sentence("config.source", got=_shown(source)))
    config = {"X": X, "layers": layers, "source": source, "lr": _number("lr", merged["lr"]),
              "epochs": _whole("epochs", merged["epochs"], 0)}
    if config["lr"] < 0:
        raise ConfigError(Sentence("config.lr", got=merged["lr"]))
    config["tutorial"] = d == N_INPUTS and layers == [N_HIDDEN, 1]
    activation = raw.get("activation", "identity")
    activations = [activation] * len(layers) if isinstance(activation, str) else activation
    if not isinstance(activations, list) or len(activations) != len(layers) or not all(
            a in ACTIVATIONS for a in activations):
        raise ConfigError(Sentence("config.activation", choices=", ".join(ACTIVATIONS),
                                   layers=len(layers), got=_shown(activation)))
    config["activation"] = activations
    loss = raw.get("loss", "half_sse")
    if loss not in LOSSES:
        raise ConfigError(Sentence("config.loss", choices=", ".join(LOSSES), got=_shown(loss)))
    config["loss"] = loss
    if loss == "bce" and activations[-1] != "sigmoid":
        raise ConfigError(Sentence("config.bce_activation"))
    config["y"] = _labels(merged["y"], loss, layers[-1], n)
    config["optimizer"] = _optimizer(raw.get("optimizer", "sgd"))
    config["seed"] = _whole("seed", raw.get("seed", 0), 0)
    config["batch_size"] = _whole("batch_size", raw.get("batch_size", n), 1)
    if config["batch_size"] > n:
        raise ConfigError(Sentence("config.batch_size", batch_size=config["batch_size"], n=n))
    links = graph_links(sizes, n)
    if links > MAX_GRAPH:                   # one graph over all the data is built at least once
        raise ConfigError(Sentence("config.graph_too_large", links=f"{links:,}",
                                   limit=f"{MAX_GRAPH:,}"))
    _parameters(config, raw, merged, sizes)
    return config


# ---- the budget: what a run may cost before it starts -------------------------------------------
# A step's graph has, per data point, out·(2·in + 1) operand links per layer (a linear node reads
# every weight and input, and the bias) and out more for the activation; the loss adds a few.
# The engine follows about LINKS_PER_SECOND links a second, forward and backward (3.3 M/s
# measured on a 10-100-100-1 tanh network on the 2-core build machine).  A run is refused up
# front when one graph would hold more than MAX_GRAPH links (about a GB) or the run would
# follow more than MAX_WORK in all (about five minutes), with the estimate in the message.

MAX_GRAPH = 10_000_000
MAX_WORK = 1_000_000_000
LINKS_PER_SECOND = 3_000_000


def graph_links(sizes, n):
    """Operand links in a graph of the layers ``sizes`` (inputs first) over n data points."""
    per_point = sum(b * (2 * a + 1) + b for a, b in zip(sizes, sizes[1:])) + 3 * sizes[-1]
    return per_point * n


def run_work(config):
    """Links the whole run follows: the first pass, every epoch over all the data, the last."""
    sizes = [len(config["X"])] + config["layers"]
    n = len(config["X"][0])
    return graph_links(sizes, n) * (config["epochs"] + 2)


def check_work(config):
    """A ConfigError, with the estimate, for a run that would take more than MAX_WORK."""
    work = run_work(config)
    if work > MAX_WORK:
        raise ConfigError(Sentence("config.too_much_work", links=f"{work:,}",
                                   minutes=f"{work / LINKS_PER_SECOND / 60:,.0f}",
                                   limit_minutes=f"{MAX_WORK / LINKS_PER_SECOND / 60:.0f}"))


def _labels(y, loss, m, n):
    """y as the loss needs it: a list of n numbers (one output), an m×n matrix, or n class
    indices (cross entropy)."""
    if loss == "cross_entropy" and isinstance(y, list) and y and all(
            isinstance(c, int) and not isinstance(c, bool) for c in y):
        if len(y) != n or not all(0 <= c < m for c in y):
            raise ConfigError(Sentence("config.classes", n=n, last=m - 1, got=_shown(y)))
        return list(y)
    if m == 1 and isinstance(y, list) and y and not isinstance(y[0], list):
        labels = _vector("y", y, n)
    else:
        labels = _matrix("y", y, m, n) if m > 1 else [row for row in _matrix("y", y, 1, n)][0]
    if loss == "bce" and not all(0.0 <= v <= 1.0 for v in _flat(labels)):
        raise ConfigError(Sentence("config.bce_labels"))
    return labels


def _flat(labels):
    return [v for row in labels for v in row] if labels and isinstance(labels[0], list) \
        else list(labels)


def _optimizer(spec):
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or \
            spec["name"] not in OPTIMIZERS:
        raise ConfigError(Sentence("config.optimizer", choices=", ".join(OPTIMIZERS),
                                   got=_shown(spec)))
    options = {k: v for k, v in spec.items() if k != "name"}
    try:                                      # let the optimizer check its own arguments
        OPTIMIZERS[spec["name"]]([Value(0.0)], lr=0.1, **options)
    except (TypeError, ValueError) as error:
        raise ConfigError(Sentence("config.optimizer_error", error=error)) from None
    return {"name": spec["name"], **options}


def _parameters(config, raw, merged, sizes):
    """The initial weights and biases, one pair a layer (out×in, out)."""
    tutorial = config["tutorial"]
    given_tutorial = [k for k in TUTORIAL_KEYS if k in raw]
    if not tutorial and given_tutorial:
        raise ConfigError(Sentence("config.tutorial_keys", key=given_tutorial[0]))
    if tutorial and ("weights" in raw or "biases" in raw) and given_tutorial:
        raise ConfigError(Sentence("config.both"))
    if tutorial and not ("weights" in raw or "biases" in raw):
        config["theta"] = _matrix("theta", merged["theta"], N_HIDDEN, N_INPUTS)
        config["b"] = _vector("b", merged["b"], N_HIDDEN)
        config["delta"] = _vector("delta", merged["delta"], N_HIDDEN)
        config["d1"] = _number("d1", merged["d1"])
        config["weights"] = [config["theta"], [config["delta"]]]
        config["biases"] = [config["b"], [config["d1"]]]
        return
    rng = random.Random(config["seed"])
    weights, biases = [], []
    for l, (a, b) in enumerate(zip(sizes, sizes[1:])):
        bound = 1.0 / math.sqrt(a)                # PyTorch's default: U(-1/√in, 1/√in)
        weights.append([[rng.uniform(-bound, bound) for _ in range(a)] for _ in range(b)])
        biases.append([rng.uniform(-bound, bound) for _ in range(b)])
    if "weights" in raw:
        given = raw["weights"]
        if not isinstance(given, list) or len(given) != len(sizes) - 1:
            raise ConfigError(Sentence("config.weights", count=len(sizes) - 1, got=_shown(given)))
        weights = [_matrix(f"weights[{l}]", w, b, a)
                   for l, (w, a, b) in enumerate(zip(given, sizes, sizes[1:]))]
    if "biases" in raw:
        given = raw["biases"]
        if not isinstance(given, list) or len(given) != len(sizes) - 1:
            raise ConfigError(Sentence("config.biases", count=len(sizes) - 1, got=_shown(given)))
        biases = [_vector(f"biases[{l}]", v, b) for l, (v, b) in enumerate(zip(given,
                                                                                sizes[1:]))]
    config["weights"], config["biases"] = weights, biases
    if tutorial:
        config["theta"], config["b"] = weights[0], biases[0]
        config["delta"], config["d1"] = weights[1][0], biases[1][0]


def read_config(path):
    """The JSON object of a config file (at most files.CONFIG_LIMIT bytes), not yet checked."""
    try:
        raw = files.read_json(path, files.CONFIG_LIMIT, "config")
    except files.FileProblem as error:
        raise ConfigError(error.args[0]) from None
    if not isinstance(raw, dict):
        raise ConfigError(Sentence("config.object", got=type(raw).__name__))
    return raw


def load_config(path):
    """Read a JSON config file and validate it; a ConfigError says what is wrong."""
    return validate_config(read_config(path))


def parameter_names():
    """The 21 parameter names in the tutorial's order: θ11…θ43, b1…b4, δ11…δ14, d1."""
    return ([tutorial_name("θ", i, j) for i in range(1, 5) for j in range(1, 4)]
            + [tutorial_name("b", i) for i in range(1, 5)]
            + [tutorial_name("δ", 1, j) for j in range(1, 5)] + ["d1"])


def is_default_exercise(config):
    """The tutorial's network trained as the tutorial trains it: identity activations, ½·SSE,
    plain gradient descent, full batch (the report the README shows)."""
    return (config["tutorial"] and config["activation"] == ["identity", "identity"]
            and config["loss"] == "half_sse" and config["optimizer"] == {"name": "sgd"}
            and config["batch_size"] == len(config["X"][0]))


# ================================================================================================
# The network and one forward pass
# ================================================================================================

class PracticeNetwork(Sequential):
    """The configured Dense layers, every parameter named (see the module docstring)."""

    def __init__(self, config):
        if "layers" not in config:
            config = validate_config(config)
        sizes = [len(config["X"])] + config["layers"]
        layers = []
        for l, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
            names = (("θ", "b") if l == 1 else ("δ", "d")) if config["tutorial"] else \
                (f"w{l}_", f"b{l}_")
            layers.append(Dense(a, b, activation=None, names=names, rng=random.Random(0)))
        super().__init__(*layers)
        self.config = config
        self.load_state_dict({f"{l}.{part}": values for l, (w, b) in
                              enumerate(zip(config["weights"], config["biases"]))
                              for part, values in (("weight", w), ("bias", b))})

    def named(self):
        """Every parameter by name, layer by layer (the tutorial's: θ11…θ43, b1…b4, δ…, d1)."""
        if self.config["tutorial"]:
            by_name = {v.name: v for v in self.parameters()}
            return {name: by_name[name] for name in parameter_names()}
        return {v.name: v for v in self.parameters()}

    def outputs(self, x):
        """[(pre-activations, activations)] of every layer for one input vector."""
        results = []
        for layer, activation in zip(self, self.config["activation"]):
            z = layer(x)
            x = _activate(z, activation)
            results.append((z, x))
        return results

    def predict(self, x):
        """The network's output for one input vector (a number, or a list for several)."""
        with no_grad():
            out = [v.data for v in self.outputs(list(x))[-1][1]]
        return out[0] if len(out) == 1 else out


def _activate(z, activation):
    if activation == "identity":
        return list(z)
    if activation == "leaky_relu":
        return [v.leaky_relu(0.01) for v in z]
    return [getattr(v, activation)() for v in z]


class Practice:
    """One forward pass of the configured network as a graph of named Values.

    Attributes: X (inputs, d×n named leaves), y (named label leaves, where labels are
    numbers), layers (per layer: Z and A, units × points), P and Q (the tutorial's names for
    the two layers' outputs), L_k (the loss of each data point, where it is its own node), L,
    and ``nodes``: every named quantity by name (see the module docstring for the names).
    ``points``: the data points (0-based) the pass uses (all by default; a mini-batch); names
    keep each point's own number.
    """

    def columns(self):
        """Where the page draws the leaves: the data in column 0, layer l's weights and
        biases in column 2l − 1, so the picture reads X → layer 1 → layer 2 → … → L."""
        placed = {id(v): 0 for row in self.X for v in row}
        for l, layer in enumerate(self.network, 1):
            placed.update({id(v): 2 * l - 1 for v in layer.parameters()})
        return placed

    def data_leaves(self):
        """The data the graph reads: every input X and every label y that is a Value."""
        labels = self.y if self.y and isinstance(self.y[0], list) else [self.y]
        return [v for row in self.X for v in row] + \
            [v for row in labels for v in row if isinstance(v, Value)]

    def bands(self):
        """Each data point's nodes (its inputs, layer outputs, label and loss) as one band of
        rows on the page, point 1 above point 2."""
        band = {}
        for c in range(len(self.points)):
            band.update({id(row[c]): c for row in self.X})
            for z, a in self.layers:
                band.update({id(row[c]): c for row in z + a if row[c] is not None})
        for c, v in enumerate(self.L_k):
            band[id(v)] = c
        for row in (self.y if self.y and isinstance(self.y[0], list) else [self.y]):
            band.update({id(v): c for c, v in enumerate(row) if isinstance(v, Value)})
        return band

    def __init__(self, network, X, y, placeholders=False, points=None):
        config = network.config
        n = len(X[0])
        points = list(range(n)) if points is None else list(points)
        self.network, self.points = network, points
        leaf = placeholder if placeholders else (lambda name, value: Value(value, name=name))
        self.X = [[leaf(tutorial_name("X", j + 1, k + 1), X[j][k]) for k in points]
                  for j in range(len(X))]
        self.y = self._label_leaves(config, y, points, leaf)
        tutorial, L_layers = config["tutorial"], len(config["layers"])
        self.layers = [([[None] * len(points) for _ in range(size)],
                        [[None] * len(points) for _ in range(size)]) for size in config["layers"]]
        self.nodes = {}
        for v in [v for row in self.X for v in row] + [v for v in _flat(self.y)
                                                       if isinstance(v, Value)]:
            self.nodes[v.name] = v
        self.nodes.update(network.named())
        for c, k in enumerate(points):
            for l, (z, a) in enumerate(network.outputs([row[c] for row in self.X]), 1):
                identity = config["activation"][l - 1] == "identity"
                for i, (zi, ai) in enumerate(zip(z, a)):
                    if tutorial:
                        a_name = tutorial_name("p", i + 1, k + 1) if l == 1 else \
                            tutorial_name("q", 1, k + 1)
                    else:
                        a_name = f"a{l}_" + _index(i + 1, k + 1)
                    z_name = f"z{l}_" + _index(i + 1, k + 1)
                    ai.name = a_name
                    if not identity:
                        zi.name = z_name
                    if not (tutorial and identity):        # z is a (or has its own name)
                        self.nodes[z_name] = zi
                    self.layers[l - 1][0][i][c], self.layers[l - 1][1][i][c] = zi, ai
        self.P = self.layers[0][1]
        self.Q = self.layers[-1][1] if L_layers > 1 else self.layers[0][1]
        outputs = [[row[c] for row in self.layers[-1][1]] for c in range(len(points))]
        self.L_k, self.L = self._loss(config, outputs, tutorial)
        self.L.name = "L"
        for v in [v for layer in self.layers for part in layer for row in part for v in row] \
                + self.L_k + [self.L]:
            self.nodes.setdefault(v.name, v)
        self.nodes["L"] = self.L

    @staticmethod
    def _label_leaves(config, y, points, leaf):
        if config["loss"] == "cross_entropy" and not isinstance(y[0], list) and \
                isinstance(y[0], int):
            return [y[k] for k in points]                 # class indices: not differentiable
        if isinstance(y[0], list):                        # m×n
            return [[leaf(tutorial_name("y", i + 1, k + 1), row[k]) for k in points]
                    for i, row in enumerate(y)]
        return [leaf(tutorial_name("y", k + 1), y[k]) for k in points]

    def _loss(self, config, outputs, tutorial):
        """(per-point losses L_k, L) for the configured loss."""
        loss, y = config["loss"], self.y
        count = len(outputs)
        if loss == "half_sse" and tutorial and config["layers"][-1] == 1:
            return [], half_sum_of_squares([o[0] for o in outputs], y)  # the tutorial's own L
        per_point = []
        for c, out in enumerate(outputs):
            labels = [y[c]] if not isinstance(y[0], list) else [row[c] for row in y]
            if loss == "cross_entropy":
                if isinstance(labels[0], int):
                    term = -log_softmax(out)[labels[0]]
                else:
                    logp = log_softmax(out)
                    term = -_sum([t * lp for t, lp in zip(labels, logp)])
            elif loss == "bce":
                term = binary_cross_entropy(out, labels, reduction="mean")
            elif loss == "half_sse":
                term = 0.5 * _sum([(t - o) ** 2 for o, t in zip(out, labels)])
            else:                                          # mse, rmse: the mean over outputs
                term = _sum([(o - t) ** 2 for o, t in zip(out, labels)]) * (1.0 / len(out))
            term.name = tutorial_name("L", self.points[c] + 1)
            per_point.append(term)
        total = _sum(per_point)
        if loss == "half_sse":
            return per_point, total
        mean = total * (1.0 / count)
        if loss == "rmse":
            return per_point, apply(SQRT_ZERO_AT_ZERO, mean)
        return per_point, mean

    def forward_values(self):
        """Every named node's value (activations, pre-activations, per-point losses, L)."""
        values = {}
        for layer in self.layers:
            for part in layer:
                for row in part:
                    for v in row:
                        if v.name is not None:
                            values[v.name] = v.data
        for v in self.L_k:
            values[v.name] = v.data
        values["L"] = self.L.data
        return values


def _index(*indices):
    """(1, 2) -> '12', (1, 12) -> '1,12': indices as the tutorial writes them."""
    return tutorial_name("", *indices)


def _sum(values):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


# ================================================================================================
# Training
# ================================================================================================

HISTORY_STEPS = 60        # steps of a run the page keeps (evenly spaced, the last kept)


def run_practice(config=None, predict=(), compiled=False, history=False, progress=None):
    """Train the configured network for config["epochs"] epochs.

    Returns a dict with the keys of ``tinygrad-lite practice --json``: X, y, lr, epochs,
    params (initial), forward and grads (at the initial parameters, over all the data),
    updated, losses (L before each epoch's update; the batch's L for mini-batches) and
    predictions; plus "steps" (each step's epoch, data points and loss), "nodes" (every named
    node's value and gradient at the initial parameters), "final_loss" and the objects
    "network" and "practice" (the graph at the initial parameters) for further inspection.
    ``compiled=True`` records the graph once with X and y as placeholders and reruns it each
    epoch (full batch only): the same numbers.  ``history=True`` (not compiled) adds "history"
    for the interactive page: {"graph": a copy of the first pass's graph over all the data,
    "copies": {id(node): its copy}, "practice": that pass, "steps": [each recorded step (at
    most HISTORY_STEPS, evenly spaced): its epoch, data points, a copy of its graph as it was
    before the update, the learning rate, the update rule, the parameters after the update
    and the loss over all the data after it]}.  ``progress(step, steps, epoch)``, if given, is
    called after each step.  A run that would cost more than MAX_WORK (see check_work) is a
    ConfigError before it starts.

    A run whose loss or gradient stops being a finite number (too large a learning rate: the
    tutorial's exploding gradients) is not an error but a finding: training stops before the
    update that would use it, and "diverged" describes it (see ``Divergence``); the losses
    are the finite ones before it, and forward/grads are None if even the first pass failed.
    """
    config = validate_config(config or {})
    check_work(config)
    n = len(config["X"][0])
    network = PracticeNetwork(config)
    params = network.named()
    initial = {name: v.data for name, v in params.items()}
    spec = dict(config["optimizer"])
    optimizer = OPTIMIZERS[spec.pop("name")](list(params.items()), lr=config["lr"], **spec)
    full_batch = config["batch_size"] == n
    if compiled and not full_batch:
        raise ConfigError(Sentence("config.compiled_batches"))
    evaluate = _CompiledSteps(network, config) if compiled else _DynamicSteps(network, config)

    losses, steps, forward, grads, nodes, diverged = [], [], None, None, None, None
    history_steps = []        # with history: the page's states, one per recorded step
    per_epoch = 1 if full_batch else math.ceil(n / config["batch_size"])
    stride = max(1, math.ceil(config["epochs"] * per_epoch / HISTORY_STEPS))
    rule = "sgd" if config["optimizer"] == {"name": "sgd"} else config["optimizer"]["name"]
    if history and compiled:
        raise ConfigError(Sentence("config.compiled_history"))
    try:
        loss, values = evaluate.step(None)                 # the initial parameters, all data
    except (OverflowError, ValueError, ZeroDivisionError) as error:
        diverged = Divergence(1, losses, params, config["lr"], message_of(error))
    else:
        forward, grads = values, {name: v.grad for name, v in params.items()}
        nodes = evaluate.node_gradients()
        if history:                             # the page draws this graph: all the data
            drawn = snapshot(evaluate.first.L)
        if not _finite(loss, params):
            diverged = Divergence(1, losses, params, config["lr"])
    loader = DataLoader(list(range(n)), batch_size=config["batch_size"], shuffle=not full_batch,
                        seed=config["seed"])
    previous = None           # (epoch, the largest gradient entry) of the last finite step
    for epoch in range(config["epochs"] if diverged is None else 0):
        for batch in (loader if not full_batch else [list(range(n))]):
            points = sorted(batch)
            try:
                if not (epoch == 0 and full_batch):       # the first full batch is done above
                    loss, _ = evaluate.step(None if full_batch else points)
            except (OverflowError, ValueError, ZeroDivisionError) as error:
                diverged = Divergence(epoch + 1, losses, params, config["lr"], message_of(error),
                                      previous)
                break
            if not _finite(loss, params):
                diverged = Divergence(epoch + 1, losses, params, config["lr"], previous=previous)
                break
            previous = (epoch + 1, max(((name, v.grad) for name, v in params.items()),
                                       key=lambda entry: abs(entry[1]), default=None))
            if progress is not None:
                progress(len(steps) + 1, config["epochs"] * per_epoch, epoch + 1)
            steps.append({"epoch": epoch + 1, "points": [k + 1 for k in points], "loss": loss})
            last = epoch + 1 == config["epochs"] and points == sorted(batch) and \
                len(steps) == config["epochs"] * per_epoch
            recorded = history and ((len(steps) - 1) % stride == 0 or last)
            if recorded:                # the step's graph as it is now, before the update
                history_steps.append(_page_step(evaluate.last, epoch + 1, points, n,
                                                config["lr"], rule))
            optimizer.step()
            if recorded:
                with no_grad():
                    history_steps[-1]["loss_after"] = evaluate._build().L.data
                history_steps[-1]["after"] = {name: v.data for name, v in params.items()}
        if diverged is not None:
            break
        losses.append(steps[-1]["loss"] if full_batch else
                      math.fsum(s["loss"] * len(s["points"]) for s in steps
                                if s["epoch"] == epoch + 1) / n)
    if not config["epochs"] and diverged is None:
        network.zero_grad()                    # epochs = 0: report the gradient, change nothing
    final_loss = None
    if diverged is None:
        try:
            final_loss = evaluate.loss()
        except (OverflowError, ValueError, ZeroDivisionError) as error:
            diverged = Divergence(config["epochs"] + 1, losses, params, config["lr"],
                                  message_of(error), previous)
        else:
            if not math.isfinite(final_loss):
                diverged = Divergence(config["epochs"] + 1, losses, params, config["lr"],
                                      previous=previous)
                final_loss = None
    predictions = [{"input": list(x), "output": network.predict(list(x))} for x in predict] \
        if diverged is None else []
    return {"X": config["X"], "y": config["y"], "lr": config["lr"], "epochs": config["epochs"],
            "params": Named(initial), "forward": _named(forward), "grads": _named(grads),
            "updated": Named({name: v.data for name, v in params.items()}),
            "losses": losses, "predictions": predictions, "final_loss": final_loss,
            "steps": steps, "nodes": Named(nodes or {}), "config": config,
            "diverged": diverged, "network": network, "practice": evaluate.first,
            **({"history": {"graph": drawn[0], "copies": drawn[1], "practice": evaluate.first,
                            "steps": history_steps} if history and forward is not None
                else None} if history else {})}


def _page_step(practice, epoch, points, n, lr, rule):
    """One step of the run for the page: a copy of its graph (values and gradients as they are
    before the update, which will change the parameters the graph shares), the data points
    and the update rule; the caller adds the parameters and the loss (all data) after it."""
    copy, copies = snapshot(practice.L)
    return {"epoch": epoch, "points": [k + 1 for k in points], "output": copy,
            "copies": copies, "practice": practice, "full": len(points) == n, "lr": lr,
            "rule": rule}


def snapshot(graph):
    """A copy of ``graph`` that keeps its numbers when the parameters change, and {id(node):
    its copy}; the engine's shared constants are kept as they are (they are not drawn)."""
    copies = {id(c): c for c in list(_constants.values())}
    return copy.deepcopy(graph, copies), copies


class Named(dict):
    """A dict of named numbers that also answers to the other spellings of a name:
    grads["theta23"] and grads["\\theta_{23}"] are grads["θ23"]."""

    def __init__(self, items=None):
        super().__init__(items or {})

    def __missing__(self, key):
        from .formula import FormulaError, parse_name
        try:
            return self[parse_name(str(key), list(self))]
        except FormulaError:
            raise KeyError(key) from None


def _named(values):
    return None if values is None else Named(values)


def _finite(loss, params):
    return math.isfinite(loss) and all(math.isfinite(v.grad) for v in params.values())


class Divergence:
    """Training that went off to infinity (or NaN): when, the loss so far, the largest gradient.

    ``epoch``: the epoch whose pass failed (1 = the first); ``losses``: the finite losses before
    it; ``largest``: (name, value) of the gradient entry largest in size at that moment (a
    non-finite one first), or None if the forward pass itself failed; ``previous``: (epoch,
    (name, value)) of the largest gradient entry at the last step whose numbers were all finite,
    or None; ``reason``: what failed; ``hint``: what to try instead.
    """

    def __init__(self, epoch, losses, params, lr, error=None, previous=None):
        self.epoch, self.losses, self.lr = epoch, list(losses), lr
        self.previous = previous
        self.largest, self.error = None, error
        if error is None:
            entries = [(name, v.grad) for name, v in params.items()]
            bad = [(name, g) for name, g in entries if not math.isfinite(g)]
            self.largest = bad[0] if bad else max(entries, key=lambda e: abs(e[1]))
            self.kind = "gradient" if bad else "loss"
        else:
            self.kind = "forward"
        self.smaller_lr = (lr / 10 if lr > 0 else 0.01) if epoch > 1 else None
        self.reason, self.hint = self.reason_in("en"), self.hint_in("en")

    def reason_in(self, lang):
        """Why training stopped, in ``lang``."""
        from ..messages import say
        if self.kind == "gradient":
            return say("diverged.reason.gradient", lang, name=self.largest[0],
                       value=repr(self.largest[1]))
        if self.kind == "loss":
            return say("diverged.reason.loss", lang)
        return say("diverged.reason.forward", lang, error=self.error)

    def hint_in(self, lang):
        """What to try instead, in ``lang``."""
        from ..messages import say
        if self.smaller_lr is None:
            return say("diverged.hint.first", lang)
        return say("diverged.hint.lr", lang, lr=f"{self.smaller_lr:g}")

    def to_json(self):
        largest = None if self.largest is None else \
            {"name": self.largest[0], "value": _json_number(self.largest[1]),
             "nonfinite": None if math.isfinite(self.largest[1]) else repr(self.largest[1])}
        previous = None if self.previous is None or self.previous[1] is None else \
            {"epoch": self.previous[0], "name": self.previous[1][0],
             "value": _json_number(self.previous[1][1])}
        return {"epoch": self.epoch, "reason": self.reason, "losses": self.losses,
                "largest_gradient": largest, "largest_finite_before": previous,
                "hint": self.hint}


def _json_number(x):
    return x if math.isfinite(x) else None


class _DynamicSteps:
    """Each step builds the graph anew from the current parameters (the first is kept)."""

    def __init__(self, network, config):
        self.network, self.config = network, config
        self.first = self.last = None

    def _build(self, points=None):
        return Practice(self.network, self.config["X"], self.config["y"], points=points)

    def step(self, points):
        """(L, the forward values) at the current parameters on ``points`` (None: all);
        their gradients in .grad."""
        practice = self._build(points)
        self.first = self.first or practice
        self.last = practice
        self.network.zero_grad()
        practice.L.backward()
        return practice.L.data, practice.forward_values()

    def node_gradients(self):
        """{name: (value, ∂L/∂·)} for every named node of the first (full) pass."""
        return {name: (v.data, v.grad) for name, v in self.first.nodes.items()}

    def loss(self):
        with no_grad():
            return self._build().L.data


class _CompiledSteps:
    """The graph recorded once, X and y as placeholders, rerun at every step."""

    def __init__(self, network, config):
        self.network = network
        self.first = Practice(network, config["X"], config["y"], placeholders=True)
        inputs = [v for row in self.first.X for v in row] + \
            [v for v in _flat(self.first.y) if isinstance(v, Value)]
        self.graph = compile_graph(self.first.L, inputs=inputs, params=network)
        self.feed = [v.data for v in inputs]
        self.names = list(self.first.forward_values())

    def step(self, points):
        loss = self.graph.run(self.feed)
        self.network.zero_grad()
        self.graph.backward()
        return loss, {name: self.graph.value(name) for name in self.names}

    def node_gradients(self):
        return {name: (self.graph.value(name), self.graph.grad(name))
                for name in self.first.nodes if name in self.graph.names}

    def loss(self):
        return self.graph.run(self.feed)
