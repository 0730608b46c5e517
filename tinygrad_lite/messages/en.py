"""English: the laboratory's messages (the fallback for every language)."""

MESSAGES = {
    "report.title": "The tutorial's worked example: Dense 3→4 (θ, b) → Dense 4→1 (δ, d1), "
                    "identity activations,",
    "report.rule": "L = ½·Σ_k (y_k − q_1k)², plain gradient descent θ ← θ − η·∂L/∂θ with "
                   "η = {lr}, {epochs} {epoch_word}, full batch.",
    "word.epoch": "epoch",
    "word.epochs": "epochs",
    "report.data": "Data: X is 3×{n} (rows = attributes, columns = data points), y has {n} labels",
    "report.initial": "Initial parameters: W1 (4×3) and b1",
    "report.second_layer": "W2 (1×4) and d1",
    "report.forward": "Forward pass at the initial parameters",
    "report.gradients": "Gradients at the initial parameters, and the update θ ← θ − η·∂L/∂θ",
    "report.column.parameter": "parameter",
    "report.column.initial": "initial",
    "report.column.after": "after training",
    "report.loss": "Loss",
    "report.epoch_loss": "  epoch {epoch:>3}: L = {loss} before the update",
    "report.more": "  ... {count} more {what} ...",
    "report.after": "  after training: L = {loss}",
    "report.predictions": "Predictions of the trained network",
    "diverged.title": "Training diverged at epoch {epoch}: {reason}.",
    "diverged.reason.gradient": "the gradient of {name} is {value}",
    "diverged.reason.loss": "the loss is no longer a finite number",
    "diverged.reason.forward": "the forward pass failed: {error}",
    "diverged.largest": "  the largest gradient entry then: ∂L/∂{name} = {value}",
    "diverged.losses": "  the loss went from {first} to {last} in {count} {epoch_word} before that",
    "diverged.experiment": "  This is the exploding-gradient experiment of the tutorial: each "
                           "update overshoots, with η = {lr}.",
    "diverged.try": "  Try {hint}.  (exit code {code})",
    "diverged.hint.lr": "a smaller learning rate, such as --lr {lr}",
    "diverged.hint.first": "smaller inputs or initial parameters (the first pass already fails)",
    "cli.error": "{prog} {command}: error: {message}",
    "cli.interrupted": "{prog} {command}: interrupted",
    "check.title": "check: {formula}",
    "check.where.example": "the example's own point",
    "check.where.random": "random point {k}",
    "check.right.entries": "  RIGHT: each of the {entries} entries equals its gradient at all {points} "
                           "points (the example's own and {random} random ones); largest relative "
                           "difference {rel} (tolerance {rtol})",
    "check.right": "  RIGHT: equals ∂{output}/∂{target} at all {points} points (the example's own "
                   "and {random} random ones); largest relative difference {rel} (tolerance {rtol})",
    "check.undefined": "  UNDEFINED at {where}: {reason}. A formula that is not a finite number "
                       "somewhere is never right.",
    "check.wrong.entries": "  WRONG, compared entry by entry at all {points} points:",
    "check.wrong": "  WRONG: differs from ∂{output}/∂{target} at {differing} of {points} points; "
                   "most at {where}, by {abs} ({rel} × the true gradient's size)",
    "check.agrees.one": "  (It agrees at {count} point: one point proves nothing.)",
    "check.agrees.many": "  (It agrees at {count} points: one point proves nothing.)",
    "check.undefined.value": "undefined",
    "check.at_example": "  At the example's own point: yours = {yours}, true ∂{output}/∂{target} "
                        "= {true}",
    "check.no_slip": "  None of the usual slips (the sign, a constant factor, a path left out, a "
                     "swapped index, another entry) explains the difference.",
    "check.correct": "  The correct formula: ∂{output}/∂{target} = {correct}",
    "word.and": " and ",
    "diag.sign.block": "The sign is flipped: your block is −∂L/∂{target} at every entry and point.",
    "diag.sign": "The sign is flipped: your formula is −∂{output}/∂{target} at every point.",
    "diag.factor": "Your formula is {shown} × ∂{output}/∂{target} at every point{hint}",
    "diag.hint.none": ".",
    "diag.hint.half_missing": " (a missing ½? In L = ½·Σ(y − q)² the ½ cancels the 2 of the "
                              "square.)",
    "diag.hint.half_extra": " (a ½ too many?)",
    "diag.hint.sign_half_extra": " (the sign, and a ½ too many?)",
    "diag.hint.sign_half_missing": " (the sign, and a missing ½?)",
    "diag.hint.n_missing": " (a missing 1/n, with n = {n} data points?)",
    "diag.hint.n_extra": " (a 1/n, n = {n}, that does not belong?)",
    "diag.other": "It equals {listed} at every point: it is the formula for {others}, not "
                  "{target}.",
    "diag.path.missing": "It leaves out the path {route}, whose term is {term}.",
    "diag.path.doubled": "It counts twice the path {route}, whose term is {term}.",
    "diag.path.sign": "It flips the sign of the path {route}, whose term is {term}.",
    "diag.swap": "It is right with {other} in place of {used} ({kind}).",
    "diag.swap.swapped": "a swapped index",
    "diag.swap.wrong": "a wrong index",
}
