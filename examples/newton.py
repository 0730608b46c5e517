"""Second derivatives at work: Newton's method, and the curvature of the worked example's loss.

1. Minimise g(x) = x⁴ − 3x³ + 2 with Newton's method, x ← x − g'(x)/g''(x), both derivatives
   from tinygrad_lite.autograd.grad.  The closed form: g'(x) = x²(4x − 9), so the minimum is
   at x = 9/4.
2. The tutorial's loss L is quadratic in each θij (q is linear in θij), with curvature
   ∂²L/∂θ12² = Σ_k (δ11·X2k)²; the second derivative from the library must equal it.

Run:  python examples/newton.py
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tinygrad_lite import Value  # noqa: E402
from tinygrad_lite.autograd import grad  # noqa: E402
from tinygrad_lite.lab.practice import DEFAULT_CONFIG, PracticeNetwork, Practice  # noqa: E402


def newton(x0=4.0, steps=8):
    """Newton iterates for g(x) = x⁴ − 3x³ + 2, starting at x0."""
    xs = [x0]
    for _ in range(steps):
        x = Value(xs[-1])
        g = x ** 4 - 3 * x ** 3 + 2
        (slope,) = grad(g, [x], create_graph=True)
        (curvature,) = grad(slope, [x])
        xs.append(xs[-1] - slope.data / curvature)
    return xs


def curvature_of_practice_loss():
    """(∂²L/∂θ12² from the library, Σ_k (δ11·X2k)² by hand)."""
    c = DEFAULT_CONFIG
    network = PracticeNetwork(c)
    practice = Practice(network, c["X"], c["y"])
    theta12 = practice.nodes["θ12"]
    (slope,) = grad(practice.L, [theta12], create_graph=True)
    (curvature,) = grad(slope, [theta12])
    by_hand = sum((c["delta"][0] * c["X"][1][k]) ** 2 for k in range(len(c["y"])))
    return curvature, by_hand


def main():
    lines = ["Newton's method on g(x) = x⁴ − 3x³ + 2 (minimum at x = 9/4 = 2.25)"]
    for step, x in enumerate(newton()):
        lines.append(f"  step {step}: x = {x:.12f}")
    library, by_hand = curvature_of_practice_loss()
    lines.append("Curvature of the worked example's loss in θ12")
    lines.append(f"  ∂²L/∂θ12² from grad(grad(L)): {library:.12f}")
    lines.append(f"  Σ_k (δ11·X2k)² by hand:       {by_hand:.12f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
