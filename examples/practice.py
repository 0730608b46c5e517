"""The tutorial's practice network, step by step — read it next to the tutorial.

    X (3×2 data) → Dense 1: P = W1·X + b1 (θ, b) → Dense 2: Q = W2·P + d1 (δ, d1)
    → L = ½·Σ_k (y_k − q_1k)² → backward → θ ← θ − η·∂L/∂θ

Run:  python examples/practice.py
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import Value, nn  # noqa: E402
from tinygrad_lite.losses import half_sum_of_squares  # noqa: E402


def main():
    lines = []

    # Data: rows are the 3 attributes, columns the 2 data points.
    X = [[1.0, 2.0],
         [0.5, -1.0],
         [-1.5, 0.5]]
    y = [Value(1.0, name="y1"), Value(-0.5, name="y2")]

    # Dense 1 (3 → 4) with weights θ11…θ43 and biases b1…b4; Dense 2 (4 → 1) with δ11…δ14, d1.
    dense1 = nn.Dense(3, 4, names=("θ", "b"))
    dense2 = nn.Dense(4, 1, names=("δ", "d"))
    dense1.load_state_dict({"weight": [[0.1, 0.2, -0.1], [0.0, -0.3, 0.2],
                                       [0.4, 0.1, 0.0], [-0.2, 0.3, 0.1]],
                            "bias": [0.1, 0.0, -0.1, 0.25]})
    dense2.load_state_dict({"weight": [[0.3, -0.2, 0.5, 0.1]], "bias": [0.05]})

    # Forward: one column of X at a time.
    q = []
    for k in range(2):
        x_k = [X[0][k], X[1][k], X[2][k]]
        p_k = dense1(x_k)                    # p1k … p4k
        q_k = dense2(p_k)[0]                 # q1k
        q.append(q_k)
        lines.append(f"data point {k + 1}: p = {[round(p.data, 4) for p in p_k]}, "
                     f"q1{k + 1} = {q_k.data:.4f}")
    L = half_sum_of_squares(q, y)
    lines.append(f"L = {L.data:.6f}")

    # Backward: every parameter now holds ∂L/∂(parameter).
    L.backward()
    theta12 = dense1.weight[0][1]
    b2 = dense1.bias[1]
    delta13 = dense2.weight[0][2]
    d1 = dense2.bias[0]
    for v in (theta12, b2, delta13, d1):
        lines.append(f"∂L/∂{v.name} = {v.grad:+.6f}")

    # Update: plain gradient descent with η = 0.1.
    eta = 0.1
    for v in dense1.parameters() + dense2.parameters():
        v.data -= eta * v.grad
    lines.append(f"θ12 after one step: {theta12.data:.6f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
