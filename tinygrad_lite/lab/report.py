"""The practice report: every number of a run, by name, for people.

    format_report(result)    the report of run_practice's result: the tutorial's own layout
                             for its exercise, and the laboratory's for any other network
    json_document(result)    the --json document (full precision; strict JSON is the CLI's)
    fmt(x)                   a number for people: 6 significant digits, float noise as 0

Numbers are rounded for people (--json does not round).  A long run shows its first and last
ten epochs (or steps); a run that diverged ends with the finding.
"""

import math

from ..console import ljust, rjust
from ..nn.dense import tutorial_name
from ..messages import say
from .practice import is_default_exercise, parameter_names

__all__ = ["format_report", "json_document", "fmt", "EXIT_DIVERGED"]

SHOWN_EPOCHS = 10                # a long run's report shows its first and last 10 losses
EXIT_DIVERGED = 3


def fmt(x):
    """A number for people: rounded to 10 decimals (so float noise such as 2.8e-17 shows as 0),
    then 6 significant digits.  --json gives the full precision."""
    x = round(x, 10)
    return "0" if x == 0 else f"{x:.6g}"


def _matrix_lines(title, names, values, indent="  "):
    width = max(len(n) for row in names for n in row)
    lines = [title]
    for name_row, value_row in zip(names, values):
        cells = [f"{n:>{width}} = {fmt(v):>9}" for n, v in zip(name_row, value_row)]
        lines.append(indent + "   ".join(cells))
    return lines


def format_report(result, lang="en"):
    """The human-readable report of run_practice's result, in ``lang`` ("en" or "ko")."""
    if is_default_exercise(result["config"]):
        return _tutorial_report(result, lang)
    return _lab_report(result, lang)


def _tutorial_report(result, lang="en"):
    """The worked example exactly as the tutorial lays it out (the README shows it)."""
    X, y = result["X"], result["y"]
    n = len(y)
    params, grads, updated = result["params"], result["grads"], result["updated"]
    epochs = result["epochs"]
    lines = [say("report.title", lang),
             say("report.rule", lang, lr=fmt(result["lr"]), epochs=epochs,
                 epoch_word=say("word.epoch" if epochs == 1 else "word.epochs", lang)), ""]

    lines += _matrix_lines(say("report.data", lang, n=n),
                           [[tutorial_name("X", i + 1, k + 1) for k in range(n)]
                            for i in range(3)], X)
    lines += _matrix_lines("", [[tutorial_name("y", k + 1) for k in range(n)]], [y])
    lines.append("")

    names = parameter_names()
    theta = [names[3 * i:3 * i + 3] for i in range(4)]
    lines += _matrix_lines(say("report.initial", lang), theta,
                           [[params[m] for m in row] for row in theta])
    lines += _matrix_lines("", [names[12:16]], [[params[m] for m in names[12:16]]])
    lines += _matrix_lines(say("report.second_layer", lang), [names[16:21]],
                           [[params[m] for m in names[16:21]]])
    lines.append("")

    forward = result["forward"]
    if forward is not None:
        lines.append(say("report.forward", lang))
        for k in range(1, n + 1):
            for i in range(1, 5):
                name = tutorial_name("p", i, k)
                formula = " + ".join(f"θ{i}{j}·{tutorial_name('X', j, k)}"
                                     for j in range(1, 4)) + f" + b{i}"
                lines.append(f"  {name:>6} = {formula:<44} = {fmt(forward[name]):>10}")
            q = tutorial_name("q", 1, k)
            formula = " + ".join(f"δ1{i}·{tutorial_name('p', i, k)}"
                                 for i in range(1, 5)) + " + d1"
            lines.append(f"  {q:>6} = {formula:<44} = {fmt(forward[q]):>10}")
        lines.append(f"  {'L':>6} = {'½·Σ_k (y_k − q_1k)²':<44} = {fmt(forward['L']):>10}")
        lines.append("")

        lines.append(say("report.gradients", lang))
        lines.append(f"  {rjust(say('report.column.parameter', lang), 9)} "
                     f"{rjust(say('report.column.initial', lang), 11)} {'∂L/∂·':>12} "
                     f"{rjust(say('report.column.after', lang), 15)}")
        for name in names:
            lines.append(f"  {name:>9} {fmt(params[name]):>11} {fmt(grads[name]):>12} "
                         f"{fmt(updated[name]):>15}")
        lines.append("")

    lines.append(say("report.loss", lang))
    for item in _first_and_last(list(enumerate(result["losses"], 1)),
                                say("word.epochs", lang), lines, lang):
        epoch, loss = item
        lines.append(say("report.epoch_loss", lang, epoch=epoch, loss=fmt(loss)))
    diverged = result["diverged"]
    if diverged is not None:
        lines += _divergence_lines(diverged, lang)
        return "\n".join(lines)
    lines += _ending_lines(result, "q = ", lang)
    return "\n".join(lines)


def _ending_lines(result, output_label, lang="en"):
    """The loss after training and the trained network's predictions."""
    lines = [say("report.after", lang, loss=fmt(result["final_loss"]))]
    if result["predictions"]:
        lines += ["", say("report.predictions", lang)]
        for p in result["predictions"]:
            inputs = ", ".join(fmt(x) for x in p["input"])
            output = p["output"] if isinstance(p["output"], list) else [p["output"]]
            lines.append(f"  x = [{inputs}]  →  {output_label}"
                         f"{', '.join(fmt(o) for o in output)}")
    return lines


def _divergence_lines(diverged, lang="en"):
    """The finding of a run that diverged: when, why, the largest gradient, what to try."""
    lines = ["", say("diverged.title", lang, epoch=diverged.epoch,
                     reason=diverged.reason_in(lang))]
    if diverged.largest is not None and math.isfinite(diverged.largest[1]):
        name, value = diverged.largest
        lines.append(say("diverged.largest", lang, name=name, value=fmt(value)))
    if diverged.previous is not None and diverged.previous[1] is not None:
        epoch, (name, value) = diverged.previous
        lines.append(say("diverged.previous", lang, name=name, value=fmt(value), epoch=epoch))
    if diverged.losses:
        count = len(diverged.losses)
        lines.append(say("diverged.losses", lang, first=fmt(diverged.losses[0]),
                         last=fmt(diverged.losses[-1]), count=count,
                         epoch_word=say("word.epoch" if count == 1 else "word.epochs", lang)))
        if diverged.losses[-1] > diverged.losses[0]:      # the loss grew: the step is too big
            lines.append(say("diverged.grew", lang, lr=fmt(diverged.lr)))
    lines.append(say("diverged.try", lang, hint=diverged.hint_in(lang), code=EXIT_DIVERGED))
    return lines


def json_document(result):
    """Exactly the documented keys, full precision: "nodes" has every named node's value and
    ∂L/∂ at the initial parameters (data, parameters, sums, activations, losses); any other
    network than the tutorial's exercise adds "network" (its configuration) and "steps"
    (each step's epoch, data points and loss)."""
    keys = ["X", "y", "lr", "epochs", "params", "forward", "grads", "updated", "losses",
            "predictions"]
    document = {key: result[key] for key in keys}
    config = result["config"]
    document["nodes"] = {name: {"value": value, "grad": grad}
                         for name, (value, grad) in result["nodes"].items()}
    if not is_default_exercise(config):
        document["network"] = {key: config[key] for key in
                               ("layers", "activation", "loss", "optimizer", "batch_size",
                                "seed")}
        document["steps"] = result["steps"]
    if result["diverged"] is not None:
        document["diverged"] = result["diverged"].to_json()
    return document


# ---- the laboratory's report: any configured network --------------------------------------------

LOSS_TEXT = {"half_sse": "L = ½·Σ_k Σ_i (y_ik − out_ik)²",
             "mse": "L = (1/n)·Σ_k L_k, L_k = mean_i (out_ik − y_ik)²",
             "rmse": "L = √((1/n)·Σ_k L_k), L_k = mean_i (out_ik − y_ik)²",
             "cross_entropy": "L = (1/n)·Σ_k L_k, L_k = −log softmax(out_k)[y_k]",
             "bce": "L = (1/n)·Σ_k L_k, L_k = mean_i BCE(out_ik, y_ik)"}


def describe(config, lang="en"):
    """One paragraph: the network, the loss, the optimizer, the batches."""
    sizes = [len(config["X"])] + config["layers"]
    layers = " → ".join(f"Dense {a}→{b} ({activation})" for a, b, activation in
                        zip(sizes, sizes[1:], config["activation"]))
    n = len(config["X"][0])
    options = {k: v for k, v in config["optimizer"].items() if k != "name"}
    extra = "".join(f", {k} = {v}" for k, v in options.items())
    batches = say("report.lab.full_batch", lang) if config["batch_size"] == n else \
        say("report.lab.batches", lang, size=config["batch_size"], seed=config["seed"])
    epochs = config["epochs"]
    return [say("report.lab.network", lang, layers=layers),
            say("report.lab.loss", lang, loss=say("report.loss." + config["loss"], lang)),
            say("report.lab.optimizer", lang,
                optimizer=say("report.optimizer." + config["optimizer"]["name"], lang),
                lr=fmt(config["lr"]), extra=extra, batches=batches, epochs=epochs,
                epoch_word=say("word.epoch" if epochs == 1 else "word.epochs", lang))]


def network_title(config, lang="en"):
    """(title, lines) for the page of a run: what the network is, its loss and optimizer."""
    if is_default_exercise(config):
        epochs = config["epochs"]
        rule = say("report.rule", lang, lr=fmt(config["lr"]), epochs=epochs,
                   epoch_word=say("word.epoch" if epochs == 1 else "word.epochs", lang))
        return say("page.practice", lang), [say("report.title", lang)] + rule.split("\n")
    title = say("report.lab.exercise", lang, source=config["source"]) if config.get("source") \
        else say("page.network_title", lang, layers=" → ".join(
            str(size) for size in [len(config["X"])] + config["layers"]))
    return title, describe(config, lang)


def _lab_report(result, lang="en"):
    config, practice = result["config"], result["practice"]
    X, n = config["X"], len(config["X"][0])
    lines = ([say("report.lab.exercise", lang, source=config["source"])]
             if config.get("source") else []) + describe(config, lang) + [""]
    lines += _matrix_lines(say("lab.data", lang, d=len(X), n=n),
                           [[tutorial_name("X", j + 1, k + 1) for k in range(n)]
                            for j in range(len(X))], X)
    lines += _label_lines(config, lang)
    lines.append("")
    network = result["network"]
    lines.append(say("lab.initial", lang))
    names = list(result["params"])
    for l, layer in enumerate(network, 1):
        rows = [[v.name for v in row] for row in layer.weight]
        lines += _matrix_lines(say("lab.layer", lang, l=l, rows=len(rows), columns=len(rows[0])),
                               rows, [[result["params"][m] for m in row] for row in rows],
                               indent="    ")
        biases = [v.name for v in layer.bias]
        lines += _matrix_lines("", [biases], [[result["params"][m] for m in biases]],
                               indent="    ")
    lines.append("")
    nodes = result["nodes"]
    if nodes is not None:
        lines.append(say("lab.forward", lang))
        lines += _forward_lines(practice, nodes, lang)
        lines.append("")
        data = [name for row in practice.X for name in (v.name for v in row)] + \
            [v.name for v in _labels_of(practice)]
        lines.append(say("lab.data_gradients", lang))
        for start in range(0, len(data), 4):
            lines.append("  " + "   ".join(f"∂L/∂{name} = {fmt(nodes[name][1])}"
                                           for name in data[start:start + 4]))
        lines.append("")
        lines.append(say("lab.parameters", lang))
        lines.append(f"  {rjust(say('report.column.parameter', lang), 10)} "
                     f"{rjust(say('report.column.initial', lang), 11)} {'∂L/∂·':>12} "
                     f"{rjust(say('lab.after_training', lang), 15)}")
        for name in names:
            lines.append(f"  {name:>10} {fmt(result['params'][name]):>11} "
                         f"{fmt(result['grads'][name]):>12} {fmt(result['updated'][name]):>15}")
        lines.append("")
    lines += _training_lines(result, n, lang)
    diverged = result["diverged"]
    if diverged is not None:
        lines += _divergence_lines(diverged, lang)
        return "\n".join(lines)
    lines += _ending_lines(result, "", lang)
    return "\n".join(lines)


def _labels_of(practice):
    y = practice.y
    flat = [v for row in y for v in row] if y and isinstance(y[0], list) else list(y)
    return [v for v in flat if not isinstance(v, int)]


def _label_lines(config, lang="en"):
    y, n = config["y"], len(config["X"][0])
    if config["loss"] == "cross_entropy" and isinstance(y[0], int):
        return ["  " + say("lab.classes", lang) + " " + "   ".join(f"y{tutorial_name('', k + 1)} = {c}"
                                            for k, c in enumerate(y))]
    if isinstance(y[0], list):
        return _matrix_lines("", [[tutorial_name("y", i + 1, k + 1) for k in range(n)]
                                  for i in range(len(y))], y)
    return _matrix_lines("", [[tutorial_name("y", k + 1) for k in range(n)]], [y])


def _forward_lines(practice, nodes, lang="en"):
    """Per data point, per layer: each unit's sum, its activation, the point's loss."""
    lines = []
    config = practice.network.config
    for c, k in enumerate(practice.points):
        lines.append("  " + say("lab.point", lang, k=k + 1))
        previous = [row[c] for row in practice.X]
        for l, (layer, (Z, A)) in enumerate(zip(practice.network, practice.layers), 1):
            activation = config["activation"][l - 1]
            for i, row in enumerate(layer.weight):
                z, a = Z[i][c], A[i][c]
                terms = " + ".join(f"{w.name}·{x.name}" for w, x in zip(row, previous))
                formula = f"{terms} + {layer.bias[i].name}"
                if len(formula) > 48:
                    formula = formula[:45] + "…"
                z_name = a.name if z is a else z.name
                lines.append(f"    {z_name:>8} = {formula:<48} = {fmt(z.data):>10}   "
                             f"∂L/∂· = {fmt(nodes[z_name][1])}")
                if z is not a:
                    lines.append(f"    {a.name:>8} = {activation}({z_name})".ljust(63) +
                                 f" = {fmt(a.data):>10}   ∂L/∂· = {fmt(nodes[a.name][1])}")
            previous = [row[c] for row in A]
        for v in practice.L_k:
            if v.name == tutorial_name("L", k + 1):
                lines.append(ljust(f"    {v.name:>8} = " + say("lab.point_loss", lang, k=k + 1), 63) +
                             f" = {fmt(v.data):>10}   ∂L/∂· = {fmt(nodes[v.name][1])}")
    lines.append(f"  {'L':>10} = {LOSS_TEXT[config['loss']].split(', ')[0][4:]}".ljust(63) +
                 f" = {fmt(practice.L.data):>10}")
    return lines


def _first_and_last(items, what, lines, lang="en"):
    """The items of a long run to show: the first and last ten; a line for those between is
    added to ``lines`` as they are reached."""
    if len(items) <= 2 * SHOWN_EPOCHS:
        yield from items
        return
    yield from items[:SHOWN_EPOCHS]
    lines.append(say("report.more", lang, count=f"{len(items) - 2 * SHOWN_EPOCHS:,}", what=what))
    yield from items[-SHOWN_EPOCHS:]


def _training_lines(result, n, lang="en"):
    lines = [say("lab.training", lang)]
    steps = result["steps"]
    full = result["config"]["batch_size"] == n
    for step in _first_and_last(steps, say("lab.steps", lang), lines, lang):
        used = "" if full else say("lab.points", lang,
                                   points=", ".join(map(str, step["points"])))
        lines.append(say("lab.step", lang, epoch=f"{step['epoch']:>3}", used=used,
                         loss=fmt(step["loss"])))
    return lines


