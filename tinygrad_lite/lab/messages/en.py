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
}
