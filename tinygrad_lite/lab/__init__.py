"""The laboratory: exercises on top of the engine and the library.

    practice         the worked example and any configured network: config, names, training
    formula          the parser of hand-written formulas (Σ sums, index letters), never eval
    matrix_formula   whole blocks of gradients in matrix form (∂L/∂W1 = -W2ᵀ(Y − Q)Xᵀ)
    check            verdicts on hand-derived formulas, and what the mistake is

The engine (tinygrad_lite.engine) and the library (nn, optim, losses, explain, compiled) sit
below and never import from here; the command line (tinygrad_lite.cli) sits above.
"""
