"""Why gradients vanish or explode, measured: deep narrow MLPs, one backward pass each.

Networks of ``depth`` Dense layers of width 16 (sigmoid, tanh or ReLU after each but the
last), weights drawn U(-g/√16, g/√16) with gain g = 0.5 (small), 1 (PyTorch's default) or 4
(large), biases 0.  Ten random inputs, loss = the sum of all outputs, one backward pass.  For each layer the
table gives ‖∂L/∂W‖, the norm of the gradient of its weights, and the ratio first/last layer:
far below 1 the gradient vanished on its way back, far above 1 it exploded.

The chain rule says why: ∂L/∂W₁ is a product with one factor σ'(z_k)·W_k per layer.  The
sigmoid's σ' is at most ¼, so with weights of moderate size every factor is small and the
product shrinks geometrically; with |W| large and an activation that does not saturate (ReLU)
every factor is big and it grows geometrically.  ``--explain`` shows this on a single path.

Run:  python examples/vanishing_gradients.py [--depth 20] [--png gradients.png] [--json]
"""

import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import Value, nn  # noqa: E402
from tinygrad_lite.console import ljust, rjust  # noqa: E402
from tinygrad_lite.explain import explain  # noqa: E402
from tinygrad_lite.plotting import figure, integer_ticks, legend_beside  # noqa: E402

WIDTH = 16
SAMPLES = 10
ACTIVATIONS = ("sigmoid", "tanh", "relu")
GAINS = {"small": 0.5, "default": 1.0, "large": 4.0}


def deep_mlp(depth, activation, gain, seed=0):
    """``depth`` Dense layers of width 16, weights U(-gain/√16, gain/√16), biases 0."""
    rng = random.Random(seed)
    layers = []
    for k in range(depth):
        last = k == depth - 1
        layer = nn.Dense(WIDTH, WIDTH, activation=None if last else activation, rng=rng)
        bound = gain / math.sqrt(WIDTH)
        for row in layer.weight:
            for w in row:
                w.data = rng.uniform(-bound, bound)
        for b in layer.bias:
            b.data = 0.0
        layers.append(layer)
    return nn.Sequential(*layers)


def layer_gradient_norms(depth, activation, gain, seed=0, residual=False):
    """Per layer k = 1 … depth, after one backward pass of L = Σ outputs over the inputs:
    ‖∂L/∂(input of layer k)‖ (the gradient signal arriving at the layer) and ‖∂L/∂W_k‖.
    With ``residual`` each layer adds its input to its output: h ← h + layer(h)."""
    model = deep_mlp(depth, activation, gain, seed)
    rng = random.Random(seed + 1)
    layer_inputs = [[] for _ in range(depth)]
    outputs = []
    for _ in range(SAMPLES):
        h = [Value(rng.uniform(-1, 1)) for _ in range(WIDTH)]
        for k, layer in enumerate(model):
            layer_inputs[k] += h
            h = [a + b for a, b in zip(h, layer(h))] if residual else layer(h)
        outputs += h
    loss = sum(outputs[1:], outputs[0])
    loss.backward()
    signal = [math.sqrt(math.fsum(v.grad ** 2 for v in values)) for values in layer_inputs]
    weights = [math.sqrt(math.fsum(w.grad ** 2 for row in layer.weight for w in row))
               for layer in model]
    return signal, weights


def measure(depth=20, seed=0):
    """{(activation, init): (signal norms per layer, weight-gradient norms per layer)}"""
    return {(activation, init): layer_gradient_norms(depth, activation, gain, seed)
            for activation in ACTIVATIONS for init, gain in GAINS.items()}


# the printed words, in English and in Korean (--lang ko)
WORDS = {
    "en": {"activation": "activation", "init": "init", "layer": "layer ",
           "ratio": "first/last", "dead": "0/0 (dead)",
           "intro": "A {depth}-layer MLP of width {width}, {samples} inputs, one backward pass.",
           "signal": "The gradient arriving at each layer, ‖∂L/∂(input of layer k)‖:",
           "weights": "The gradient of each layer's weights, ‖∂L/∂W_k‖:",
           "chain": "One path of a sigmoid chain, factor by factor (explain):",
           "remedies": "Remedies, measured:",
           "he": "ReLU with He initialisation (gain √6, Var(w) = 2/fan_in)",
           "tanh_residual": "tanh, default init, with residual connections h ← h + f(h)",
           "sigmoid_residual": "sigmoid, default init, with residual connections",
           "norm": "exploding ReLU (large init): gradient norm before clipping",
           "unclipped": "  largest weight change of one SGD step (lr 0.01) without clipping",
           "clipped": "  the same after clip_grad_norm(params, max_norm=1)"},
    "ko": {"activation": "활성화", "init": "초기화", "layer": "층 ",
           "ratio": "첫/끝", "dead": "0/0 (죽음)",
           "intro": "폭 {width}인 {depth}층 MLP, 입력 {samples}개, backward 한 번.",
           "signal": "층마다 도달하는 기울기, ‖∂L/∂(층 k의 입력)‖:",
           "weights": "층마다 가중치의 기울기, ‖∂L/∂W_k‖:",
           "chain": "시그모이드 사슬의 경로 하나, 인수 하나하나 (explain):",
           "remedies": "해결책, 측정값:",
           "he": "He 초기화를 쓴 ReLU (이득 √6, Var(w) = 2/fan_in)",
           "tanh_residual": "tanh, 기본 초기화, 잔차 연결 h ← h + f(h)",
           "sigmoid_residual": "sigmoid, 기본 초기화, 잔차 연결",
           "norm": "폭발하는 ReLU (큰 초기화): 자르기 전의 기울기 노름",
           "unclipped": "  자르지 않은 SGD 한 단계(lr 0.01)의 가장 큰 가중치 변화",
           "clipped": "  clip_grad_norm(params, max_norm=1) 뒤의 같은 값"},
}
ACTIVATIONS_KO = {"small": "작게", "default": "기본", "large": "크게"}


def table(norms, lang="en"):
    """norms: {(activation, init): [value per layer]} as a table with the first/last ratio."""
    words = WORDS[lang]
    depth = len(next(iter(norms.values())))
    shown = sorted({1, 2, depth // 4, depth // 2, 3 * depth // 4, depth} - {0})
    lines = [ljust(words["activation"], 11) + ljust(words["init"], 9)
             + "".join(rjust(words["layer"] + str(k), 11) for k in shown)
             + rjust(words["ratio"], 12)]
    for (activation, init), values in norms.items():
        cells = "".join(f"{values[k - 1]:>11.3g}" for k in shown)
        ratio = f"{values[0] / values[-1]:.3g}" if values[-1] else words["dead"]
        shown_init = init if lang == "en" else ACTIVATIONS_KO[init]
        lines.append(f"{activation:<11}{ljust(shown_init, 9)}{cells}{rjust(ratio, 12)}")
    return "\n".join(lines)


def chain_explanation(depth=6, weight=0.9, activation="sigmoid"):
    """explain() on a chain h_k = σ(w_k·h_{k-1}) with every w_k = weight: ∂L/∂w₁ is one path
    whose factors are the local derivatives σ'(z)·w, printed one by one."""
    x = Value(0.5, name="x")
    ws = [Value(weight, name=f"w{k + 1}") for k in range(depth)]
    h = x
    for k, w in enumerate(ws):
        z = w * h
        h = z.sigmoid() if activation == "sigmoid" else z.tanh()
        h.name = f"h{k + 1}"
    return explain(h, ws[0])


def residual_signal(depth, activation, gain, seed=0):
    """The signal ratio first/last with residual connections h ← h + layer(h)."""
    signal, _ = layer_gradient_norms(depth, activation, gain, seed, residual=True)
    return signal[0] / signal[-1]


def clipping_step(depth, max_norm=1.0, lr=0.01, seed=0):
    """One SGD step on the exploding case (ReLU, large init), without and with clipping:
    (gradient norm, largest weight change without clipping, the same with clipping)."""
    changes = []
    for clip in (False, True):
        model = deep_mlp(depth, "relu", GAINS["large"], seed)
        rng = random.Random(seed + 1)
        outputs = [v for _ in range(SAMPLES)
                   for v in model([rng.uniform(-1, 1) for _ in range(WIDTH)])]
        loss = sum(outputs[1:], outputs[0])
        loss.backward()
        params = model.parameters()
        norm = nn.grad_norm(params)
        if clip:
            nn.clip_grad_norm(params, max_norm)
        changes.append(max(abs(lr * p.grad) for p in params))
    return norm, changes[0], changes[1]


def remedies(depth=20, lang="en"):
    """What practitioners do, measured on the same networks (signal ratio first/last)."""
    words = WORDS[lang]
    signal, _ = layer_gradient_norms(depth, "relu", math.sqrt(6))
    norm, unclipped, clipped = clipping_step(depth)
    return [
        (words["he"], signal[0] / signal[-1]),
        (words["tanh_residual"], residual_signal(depth, "tanh", 1.0)),
        (words["sigmoid_residual"], residual_signal(depth, "sigmoid", 1.0)),
        (words["norm"], norm),
        (words["unclipped"], unclipped),
        (words["clipped"], clipped),
    ]


def write_png(norms, path):
    styles = {"small": ":", "default": "-", "large": "--"}
    colors = {"sigmoid": "#1f77b4", "tanh": "#2ca02c", "relu": "#d62728"}

    def draw(ax):
        for (activation, init), (signal, _) in norms.items():
            ax.plot(range(1, len(signal) + 1), signal, styles[init], color=colors[activation],
                    label=f"{activation}, {init} init")
        ax.set_yscale("log")
        ax.set_xlabel("layer k (1 = nearest the input)")
        ax.set_ylabel("‖∂L/∂(input of layer k)‖")
        ax.set_title("The gradient arriving at each layer, one backward pass")
        integer_ticks(ax.xaxis)
        legend_beside(ax, fontsize=8, title="activation, init")
    return figure(path, draw, size=(9, 4.5))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Vanishing and exploding gradients, measured.")
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--png", help="also write a plot of the gradient per layer (matplotlib)")
    parser.add_argument("--json", action="store_true", help="every norm, full precision")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="the language of the tables (ko: Korean)")
    args = parser.parse_args(argv)
    if args.depth < 2:
        parser.error("--depth must be at least 2")
    norms = measure(args.depth)
    if args.json:
        document = {f"{a}/{i}": {"signal": s, "weight_gradient": w}
                    for (a, i), (s, w) in norms.items()}
        return json.dumps(document, indent=2), norms
    signal = {key: s for key, (s, _) in norms.items()}
    weights = {key: w for key, (_, w) in norms.items()}
    words = WORDS[args.lang]
    text = [words["intro"].format(depth=args.depth, width=WIDTH, samples=SAMPLES),
            "", words["signal"], table(signal, args.lang),
            "", words["weights"], table(weights, args.lang), "",
            words["chain"], chain_explanation().text(args.lang), "", words["remedies"]]
    text += [f"  {ljust(label, 66)} {value:.3g}" for label, value in remedies(args.depth, args.lang)]
    if args.png:
        text += ["", write_png(norms, args.png)]
    return "\n".join(text), norms


if __name__ == "__main__":
    print(main()[0])
