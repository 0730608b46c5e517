"""Compiled graphs: bit-for-bit equal to the dynamic engine on random graphs and every nn layer,
fed many times; the errors a feed or a stale graph gets; fit, practice and moons on top."""

import json
import math
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite import Value, compiled, manual_seed, nn, optim, rolling
from tinygrad_lite.cli import main
from tinygrad_lite.compiled import GraphError, Placeholder, compile, placeholder, schedule
from tinygrad_lite.engine import forward_order as _forward_order, linear, maximum
from tinygrad_lite.data import DataLoader
from tinygrad_lite.nested import entries, map_leaves
from tinygrad_lite.training import fit
from strategies import programs


def dynamic(program, point):
    leaves = [Value(x) for x in point]
    out = program(*leaves)
    out.backward()
    interior = [bits(node.grad) for node in _forward_order(out) if not node.is_leaf]
    return out.data, [leaf.grad for leaf in leaves], interior


def bits(x):
    """The float's 8 bytes: tells -0.0 from 0.0, which == does not."""
    return struct.pack("<d", x)


MODES = ["code", "interpret"]


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=100)
@given(program=programs(), data=st.data())
def test_random_graphs_equal_the_dynamic_engine_bit_for_bit(mode, program, data):
    inputs = [placeholder(f"x{i}", x) for i, x in enumerate(program.inputs)]
    output = program(*inputs)
    # every other inner node named, so its gradient stays in the list and can be read; the
    # others live in the generated code's local variables
    inner = [node for node in _forward_order(output) if not node.is_leaf]
    for k in range(0, len(inner), 2):
        inner[k].name = f"n{k}"
    graph = compile(output, inputs=inputs, mode=mode)
    # the recording point, then nearby points (the same control flow, other numbers)
    for _ in range(3):
        point = [x * data.draw(st.sampled_from([1.0, 1.0 + 1e-9, 1.0 - 1e-9])) for x in
                 program.inputs]
        for p in inputs:
            p.grad = 0.0
        value = graph.run(point)
        graph.backward()
        expected_value, expected_grads, expected_interior = dynamic(program, point)
        assert bits(value) == bits(expected_value)
        assert list(map(bits, (p.grad for p in inputs))) == list(map(bits, expected_grads))
        # the named inner nodes' gradients too, signed zeros included
        assert [bits(graph.grad(f"n{k}")) for k in range(0, len(inner), 2)] == \
            expected_interior[::2]


@pytest.mark.parametrize("mode", MODES)
def test_a_zero_share_keeps_its_sign_as_in_the_engine(mode):
    # out = ((x·1)·1)·w at w = 0, seeded with -1: the inner gradients are 0·(-1) = -0.0, kept
    # as they are (as torch keeps them), through a local variable and into the named node a
    x = placeholder("x", 2.0)
    w = Value(0.0)
    a = x * 1.0
    a.name = "a"
    out = (a * 1.0) * w
    graph = compile(out, inputs=[x], mode=mode)
    graph.run({"x": 2.0})
    graph.backward(-1.0)
    out.backward(-1.0)
    assert bits(a.grad) == bits(-0.0)
    assert bits(graph.grad("a")) == bits(-0.0)


def looped(program, copies, labels, scale=1.0):
    """``program`` applied to ``copies`` data points in a loop, as a training step is built:
    a shared weight scales each copy's inputs, a dot product with shared weights and a max
    follow the program, each copy's result is multiplied by its label
    (a shared constant ±1) and added to the total; in copies labelled +1 the result and the
    first scaled input are named (so some copies keep a node in the lists, others do not)."""
    w = Value(1.0)
    weights = [Value(0.1 * (n + 1)) for n in range(8)]       # a dot product's, shared
    fed, total = [], None
    for k in range(copies):
        inputs = [Value(x * scale) for x in program.inputs]
        fed += inputs
        scaled = [x * w for x in inputs]
        result = program(*scaled)
        # n-ary nodes too: a dot product of 8 (a gather and a loop in the code) and a max
        features = [result * (0.5 + n) for n in range(8)]
        result = maximum([result, linear(weights, features, w) * 1e-3])
        out = result * labels[k]
        if labels[k] > 0:
            out.name = f"copy{k}"
            scaled[0].name = f"scaled{k}"
        total = out if total is None else total + out
    return total, [w] + weights, fed


@settings(max_examples=40, deadline=None)
@given(program=programs(max_inputs=3, max_ops=8), copies=st.integers(2, 12),
       labels=st.lists(st.sampled_from([-1.0, 1.0]), min_size=12, max_size=12))
def test_a_graph_built_in_a_loop_compiles_to_the_same_bits(program, copies, labels):
    scale = 1.0 + 1e-9        # run at a point near the recorded one: stale numbers would show
    total, shared, fed = looped(program, copies, labels, scale)
    leaves = shared + fed
    total.backward()
    expected = [bits(total.data)] + [bits(v.grad) for v in leaves]
    expected_named = {n.name: (bits(n.data), bits(n.grad)) for n in _forward_order(total)
                      if n.name}
    # as compiled, and with short repeats rolled too (so that small graphs exercise it)
    for window, least in ((rolling.WINDOW, schedule.MIN_ROLLED), (3, 2)):
        saved = rolling.WINDOW, schedule.MIN_ROLLED
        rolling.WINDOW, schedule.MIN_ROLLED = window, least
        try:
            total, shared, fed = looped(program, copies, labels)
            graph = compile(total, mode="code")    # (a program may leave an input unused)
        finally:
            rolling.WINDOW, schedule.MIN_ROLLED = saved
        for v in fed:
            v.data *= scale
        leaves = shared + fed
        value = graph.run()
        graph.backward()
        assert [bits(value)] + [bits(v.grad) for v in leaves] == expected
        assert {name: (bits(graph.value(name)), bits(graph.grad(name)))
                for name in expected_named} == expected_named


def test_a_repeated_subgraph_is_written_once():
    # micrograd's demo step over 20 points: the network's code is written once and looped over
    # the points: a third of a line per node or less (about four per node otherwise)
    from test_engine import demo_step_gradients
    total, params = demo_step_gradients(Value)
    graph = compile(total, params=params, mode="code")
    assert graph.source_lines * 3 < len(graph)


def test_a_gradient_handed_on_as_it_is_is_not_copied_in_the_code():
    # s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)): forward, 7 lines (one a node);
    # backward, the output's gradient read once, handed to its two operands (2 lines), which
    # hand theirs on as they are (written as no line: h5 stands for h13), and 8 shares added
    # to the leaves: 11 lines
    xs = [placeholder(f"x{k}", float(k)) for k in range(8)]
    s = xs
    while len(s) > 1:
        s = [a + b for a, b in zip(s[0::2], s[1::2])]
    graph = compile(s[0], inputs=xs, mode="code")
    assert graph.source_lines == 7 + 11
    graph.run([1.5 * k for k in range(8)])
    graph.backward()
    assert [x.grad for x in xs] == [1.0] * 8


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(st.sampled_from(["+", "*", "-", "tanh"]), min_size=3, max_size=8),
       copies=st.integers(2, 8), data=st.data())
def test_copies_alike_in_their_ops_but_wired_differently_compile_to_the_same_bits(ops, copies,
                                                                                 data):
    # copies are found by their ops and layout; how each copy's operands are wired is read
    # operand by operand, so copies wired unlike the first still give the same bits
    def build(choices, xs):
        total = Value(0.0)
        for c, x in enumerate(xs):
            values = [x, total]
            for k, op in enumerate(ops):
                i, j = choices[c][k]
                a, b = values[i % len(values)], values[j % len(values)]
                values.append(a + b if op == "+" else a * b * 0.5 if op == "*" else
                              a - b if op == "-" else a.tanh())
            total = values[-1]
        return total
    choices = [[data.draw(st.tuples(st.integers(0, 9), st.integers(0, 9)), label=f"wiring {c}")
                for _ in ops] for c in range(copies)]
    point = [0.1 * (c + 1) for c in range(copies)]
    leaves = [Value(x) for x in point]
    expected_out = build(choices, leaves)
    expected_out.backward()
    saved = rolling.WINDOW, schedule.MIN_ROLLED
    rolling.WINDOW, schedule.MIN_ROLLED = 2, 2       # roll even these short copies
    try:
        xs = [placeholder(f"x{c}", x) for c, x in enumerate(point)]
        graph = compile(build(choices, xs), inputs=xs, mode="code")
    finally:
        rolling.WINDOW, schedule.MIN_ROLLED = saved
    assert bits(graph.run(point)) == bits(expected_out.data)
    graph.backward()
    assert [bits(x.grad) for x in xs] == [bits(v.grad) for v in leaves]


def _layer_equality(make_layer, make_input, forward, mode):
    """Outputs and every parameter's and input's gradient: compiled == dynamic, bit for bit."""
    rng = random.Random(0)
    data = make_input(rng)
    layer = make_layer()
    for v in layer.parameters():          # non-trivial values everywhere
        v.data += rng.uniform(-0.1, 0.1)
    counter = iter(range(10 ** 9))
    feeds = map_leaves(lambda v: placeholder(f"in{next(counter)}", v), data)
    flat_feeds = [v for _, v in entries(feeds)]
    outputs = [v for _, v in entries(forward(layer, feeds))]
    weights = [rng.uniform(0.5, 1.5) for _ in outputs]
    loss = sum((w * o for w, o in zip(weights[1:], outputs[1:])), outputs[0] * weights[0])
    graph = compile(loss, inputs=flat_feeds, params=layer, mode=mode)
    for trial in range(2):
        point = [v + 0.01 * trial for _, v in entries(data)]
        layer.zero_grad()
        for p in flat_feeds:
            p.grad = 0.0
        compiled_value = graph.run(point)
        graph.backward()
        compiled_grads = [p.grad for p in layer.parameters()] + [p.grad for p in flat_feeds]
        layer.zero_grad()
        leaves = [Value(x) for x in point]
        it = iter(leaves)
        out = [v for _, v in entries(forward(layer, map_leaves(lambda _: next(it), data)))]
        dyn = sum((w * o for w, o in zip(weights[1:], out[1:])), out[0] * weights[0])
        dyn.backward()
        assert compiled_value == dyn.data
        assert compiled_grads == [p.grad for p in layer.parameters()] + [v.grad for v in leaves]
    return graph


def vector(n):
    return lambda rng: [rng.uniform(-1, 1) for _ in range(n)]


@pytest.mark.parametrize("name, make_layer, make_input, forward", [
    ("Dense 20→3 tanh", lambda: nn.Dense(20, 3, activation="tanh"), vector(20), None),
    ("Dense 3→2 relu", lambda: nn.Dense(3, 2, activation="relu"), vector(3), None),
    ("Sequential MLP", lambda: nn.Sequential(nn.Dense(4, 8, activation="sigmoid"),
                                             nn.Dense(8, 1)), vector(4), None),
    ("Conv1d", lambda: nn.Conv1d(2, 3, 3, padding=1), lambda r: [vector(5)(r), vector(5)(r)],
     None),
    ("Conv2d + MaxPool2d + Flatten", lambda: nn.Sequential(nn.Conv2d(1, 2, 2), nn.MaxPool2d(2),
                                                           nn.Flatten()),
     lambda r: [[vector(5)(r) for _ in range(5)]], None),
    ("RNN", lambda: nn.RNN(3, 4), lambda r: [vector(3)(r) for _ in range(4)],
     lambda m, x: m(x)[0]),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(4, 2),
     lambda r: [vector(4)(r) for _ in range(3)],
     lambda m, x: m(x, attn_mask=[[j > i for j in range(3)] for i in range(3)],
                    is_causal=True)[0]),
    ("Dropout (eval)", lambda: nn.Sequential(nn.Dense(3, 3), nn.Dropout(0.5)).eval(),
     vector(3), None),
])
@pytest.mark.parametrize("mode", MODES)
def test_every_layer_compiles_to_the_same_bits(name, make_layer, make_input, forward, mode):
    manual_seed(1)
    _layer_equality(make_layer, make_input, forward or (lambda m, x: m(x)), mode)


def batch(n, make):
    return lambda rng: [make(rng) for _ in range(n)]


@pytest.mark.parametrize("name, make_layer, make_input, forward", [
    ("Dense, 16 rows", lambda: nn.Sequential(nn.Dense(3, 6, activation="relu"), nn.Dense(6, 2)),
     batch(16, vector(3)), None),
    ("Conv1d, 12 samples", lambda: nn.Conv1d(2, 3, 3, padding=1),
     batch(12, lambda r: [vector(6)(r), vector(6)(r)]), None),
    ("Conv2d + MaxPool2d, 8 samples", lambda: nn.Sequential(nn.Conv2d(1, 2, 2), nn.MaxPool2d(2)),
     batch(8, lambda r: [[vector(5)(r) for _ in range(5)]]), None),
    ("RNN, batch of 10", lambda: nn.RNN(3, 4), lambda r: [batch(10, vector(3))(r) for _ in range(3)],
     lambda m, x: m(x)[0]),
    ("MultiheadAttention, batch of 8", lambda: nn.MultiheadAttention(4, 2),
     lambda r: [batch(8, vector(4))(r) for _ in range(3)], lambda m, x: m(x, x, x)[0]),
])
def test_batched_layers_are_written_once_per_sample_and_give_the_same_bits(
        name, make_layer, make_input, forward, monkeypatch):
    # every sample of a batch runs the same subgraph, so much of the code is loop bodies
    forward = forward or (lambda m, x: m(x))
    manual_seed(1)
    rolled = _layer_equality(make_layer, make_input, forward, "code")
    monkeypatch.setattr(schedule, "MIN_ROLLED", 10 ** 9)       # nothing rolled
    manual_seed(1)
    written_out = _layer_equality(make_layer, make_input, forward, "code")
    assert rolled.source_lines < 0.75 * written_out.source_lines


def test_parameters_are_read_at_every_run_and_leaves_accumulate():
    x, w = placeholder("x", 2.0), Value(3.0, name="w")
    graph = compile(w * x + w, inputs=[x])
    assert graph.run({"x": 2.0}) == 9.0
    w.data = 5.0                                  # an optimizer step
    assert graph.run({x: 2.0}) == 15.0
    graph.backward()
    graph.backward()                              # leaves accumulate, as in engine.backward
    assert w.grad == 2 * (2.0 + 1.0) and x.grad == 2 * 5.0


def test_named_intermediates_stay_inspectable():
    x = placeholder("x", 1.0)
    h = (x * 2.0).tanh()
    h.name = "h"
    out = h * h
    graph = compile(out)
    graph.run({"x": 0.25})
    graph.backward()
    assert graph.value("h") == math.tanh(0.5) and graph.value(x) == 0.25
    assert graph.grad("h") == 2 * math.tanh(0.5)
    with pytest.raises(GraphError, match="no node named 'z'"):
        graph.value("z")


def test_feed_errors():
    x, y = placeholder("x", 1.0), placeholder("y", 2.0)
    graph = compile(x * y, inputs=[x, y])
    with pytest.raises(GraphError, match="no value for placeholder 'y'"):
        graph.run({"x": 1.0})
    with pytest.raises(GraphError, match="'z' is not a placeholder of this graph; they are x, y"):
        graph.run({"x": 1.0, "y": 2.0, "z": 3.0})
    with pytest.raises(GraphError, match=r"feed\['x'\] must be a real number.*got str"):
        graph.run({"x": "one", "y": 2.0})
    with pytest.raises(GraphError, match=r"feed\['y'\] must be a real number.*got str 'abc'"):
        graph.run([1.0, "abc"])
    assert (x.data, y.data) == (1.0, 2.0)     # a refused feed changes nothing
    with pytest.raises(GraphError, match="1 values for 2 placeholders"):
        graph.run([1.0])
    with pytest.raises(GraphError, match="call run"):
        compile(x * y, inputs=[x, y]).backward()


def test_after_a_failed_run_backward_refuses_and_placeholders_keep_the_last_good_feed():
    x, y = placeholder("x", 1.0), placeholder("y", 2.0)
    graph = compile((x * y).log(), inputs=[x, y])
    graph.run({"x": 2.0, "y": 3.0})
    with pytest.raises(ValueError, match="log"):
        graph.run({"x": -1.0, "y": 3.0})          # log(-3): a domain error half-way
    assert (x.data, y.data) == (2.0, 3.0)
    with pytest.raises(GraphError, match="no successful run"):
        graph.backward()
    assert graph.run({"x": 2.0, "y": 3.0}) == math.log(6.0)
    graph.backward()
    assert x.grad == pytest.approx(0.5) and y.grad == pytest.approx(1 / 3)


def test_compile_errors():
    x = placeholder("x", 1.0)
    with pytest.raises(GraphError, match="uses placeholder 'x', which is not among the inputs"):
        compile(x * 2.0, inputs=[])
    with pytest.raises(TypeError, match=r"inputs\[0\] is Value, not a Placeholder"):
        compile(x * 2.0, inputs=[Value(1.0)])
    with pytest.raises(GraphError, match="share the name 'x'"):
        compile(x * 2.0, inputs=[x, placeholder("x")])
    with pytest.raises(TypeError, match="output must be a Value"):
        compile(3.0)
    with pytest.raises(TypeError, match="non-empty str"):
        placeholder("")


def test_a_stale_graph_is_detected():
    model = nn.Dense(2, 1)
    x = [placeholder("a", 1.0), placeholder("b", 2.0)]
    graph = compile(model(x)[0], inputs=x, params=model)
    graph.run([1.0, 2.0])
    model.weight[0][0] = Value(9.0)               # the parameter object was replaced
    with pytest.raises(GraphError, match="stale"):
        graph.run([1.0, 2.0])


@pytest.mark.parametrize("mode", MODES)
def test_a_domain_error_names_the_node(mode):
    x = placeholder("x", 2.0)
    h = x.log()
    h.name = "h"
    graph = compile(h * 3.0, inputs=[x], mode=mode)
    with pytest.raises(ValueError, match=r"compiled graph, node \d+ \('h'\), op log: log\(-1.0\)"):
        graph.run({"x": -1.0})


@pytest.mark.parametrize("mode", MODES)
def test_large_dot_products_and_deep_expressions(mode):
    rng = random.Random(3)
    xs = [placeholder(f"x{i}", rng.uniform(-1, 1)) for i in range(300)]
    ws = [Value(rng.uniform(-1, 1)) for _ in range(300)]
    from tinygrad_lite.engine import linear
    chain = xs[0]
    for x in xs[1:120]:
        chain = chain * 0.5 + x                    # nesting deeper than any parser allows
    out = linear(ws, xs, Value(0.1)) + chain
    graph = compile(out, inputs=xs, mode=mode)
    point = [rng.uniform(-1, 1) for _ in xs]
    value = graph.run(point)
    graph.backward()
    grads = [x.grad for x in xs]
    leaves = [Value(v) for v in point]
    chain = leaves[0]
    for x in leaves[1:120]:
        chain = chain * 0.5 + x
    for w in ws:
        w.grad = 0.0
    dyn = linear(ws, leaves, Value(0.1)) + chain
    dyn.backward()
    assert value == dyn.data and grads == [v.grad for v in leaves]


def test_fit_compiled_equals_fit_dynamic():
    def run(compiled):
        manual_seed(3)
        model = nn.Sequential(nn.Dense(2, 6, activation="tanh"), nn.Dense(6, 1))
        data = [([i / 7, (i % 3) - 1.0], 0.5 * i - 2) for i in range(17)]
        history = fit(model, lambda out, y: sum(((o[0] - t) ** 2 for o, t in zip(out, y)),
                                                Value(0.0)),
                      optim.Adam(model.parameters(), lr=0.03),
                      DataLoader(data, batch_size=5, seed=2), epochs=4, progress=False,
                      compiled=compiled)
        return history, model.state_dict()

    assert run(True) == run(False)


def test_fit_compiled_explains_class_index_targets():
    from tinygrad_lite.losses import cross_entropy
    model = nn.Dense(2, 3)
    loader = DataLoader([([1.0, 0.0], 2), ([0.0, 1.0], 0)], batch_size=2, shuffle=False)
    with pytest.raises(GraphError, match="compiled=False for targets that must stay Python ints"):
        fit(model, lambda out, ys: cross_entropy(out, ys), optim.SGD(model.parameters(), lr=0.1),
            loader, epochs=1, progress=False, compiled=True)


@pytest.mark.parametrize("epochs", ["0", "1", "3"])
def test_practice_compiled_gives_identical_json(capsys, epochs):
    main(["practice", "--json", "--epochs", epochs, "--predict", "1,2,3"])
    dynamic_json = capsys.readouterr().out
    main(["practice", "--json", "--compiled", "--epochs", epochs, "--predict", "1,2,3"])
    assert capsys.readouterr().out == dynamic_json
    assert json.loads(dynamic_json)["epochs"] == int(epochs)


def test_placeholders_are_values():
    p = placeholder("p", 2.0)
    assert isinstance(p, Placeholder) and isinstance(p, Value)
    assert (p * 3).data == 6.0 and repr(p) == "Placeholder('p', data=2.0)"


def varied(h, x, n):
    """n steps of a chain whose ops vary pseudo-randomly: nothing repeats to be rolled."""
    rng = random.Random(0)
    for _ in range(n):
        step = rng.randrange(3)
        h = (h * 0.999 + x).tanh() if step == 0 else (h - x * 0.5) * 0.9 if step == 1 else \
            (h + 0.25).relu() * 0.5 + x
    return h


def test_auto_mode_generates_code_for_small_graphs_and_later_for_large_ones(monkeypatch):
    x = [placeholder(f"x{i}", float(i)) for i in range(10)]
    assert compile(x[0] * x[1] + x[2], inputs=x[:3]).mode == "code"
    with pytest.raises(ValueError, match="mode must be"):
        compile(x[0] * 2.0, inputs=[x[0]], mode="fast")
    # a large graph made of one subgraph repeated is written once: code at once
    h = x[0]
    for k in range(3000):
        h = (h * 0.999 + x[1]).tanh()
    assert compile(h, inputs=[x[0], x[1]]).mode == "code"
    # a large graph with nothing repeated starts interpreted and turns to code once its runs
    # cost what code costs
    graph = compile(varied(x[0], x[1], 3000), inputs=[x[0], x[1]])
    assert graph.mode == "interpret"
    monkeypatch.setattr(graph, "_budget", 1e-9)
    expected = []
    for feed in ({"x0": 0.5, "x1": 0.25}, {"x0": -0.3, "x1": 0.125}):
        x[0].data, x[1].data = feed["x0"], feed["x1"]
        fresh = varied(x[0], x[1], 3000)
        x[0].grad = x[1].grad = 0.0
        fresh.backward()
        expected.append((fresh.data, x[0].grad, x[1].grad))
    got = []
    for feed in ({"x0": 0.5, "x1": 0.25}, {"x0": -0.3, "x1": 0.125}):
        x[0].grad = x[1].grad = 0.0
        value = graph.run(feed)
        graph.backward()
        got.append((value, x[0].grad, x[1].grad))
    assert graph.mode == "code"               # switched after the first run
    assert got == expected                    # the same bits before and after the switch


def test_rmse_compiled_at_zero_error_follows_later_feeds():
    from tinygrad_lite.losses import rmse_loss
    q, y = placeholder("q", 2.0), placeholder("y", 2.0)
    graph = compile(rmse_loss([q], [y]), inputs=[q, y])       # built at zero error
    assert graph.run({"q": 2.0, "y": 2.0}) == 0.0
    graph.backward()
    assert q.grad == 0.0                                       # the convention at a perfect fit
    q.grad = 0.0
    assert graph.run({"q": 5.0, "y": 2.0}) == 3.0              # √((5 - 2)²) = 3
    graph.backward()
    assert q.grad == 1.0                                       # (q - y) / (n·RMSE) = 3 / 3


def test_binary_cross_entropy_compiled_floors_its_logs_like_the_dynamic_engine():
    from tinygrad_lite.losses import binary_cross_entropy
    x = placeholder("x", 0.0)
    graph = compile(binary_cross_entropy(x.sigmoid(), 1.0), inputs=[x])
    for z in (0.0, -800.0, 3.0, 800.0):
        dynamic_x = Value(z)
        dynamic = binary_cross_entropy(dynamic_x.sigmoid(), 1.0)
        dynamic.backward()
        x.grad = 0.0
        assert graph.run({"x": z}) == dynamic.data
        graph.backward()
        assert x.grad == dynamic_x.grad, z
    assert graph.run({"x": -800.0}) == 100.0


def test_finding_repeats_compares_a_bounded_number_of_nodes(monkeypatch):
    compared = []
    difference = rolling.difference

    def counting(signature, step, p, a, length):
        compared.append(length)
        return difference(signature, step, p, a, length)
    monkeypatch.setattr(rolling, "difference", counting)
    # three long near-copies that differ only at their ends: every place proposes the next
    # copy, whose comparison fails only at the end (quadratic work, compared place by place);
    # a failure rules out every start before it, so this costs a few comparisons
    m = 1500
    kinds = [("op", k) if k < m - 1 else ("end", c) for c in range(3) for k in range(m)]
    n = len(kinds)
    kind, shape = rolling.kinds(kinds, [()] * n)
    assert rolling.repeats(list(range(n)), kind, n, shape) == []
    assert 0 < sum(compared) <= 4 * n
    # and all the comparing together is capped (here at the 4,096 of a zero allowance)
    compared.clear()
    monkeypatch.setattr(rolling, "WORK", 0)
    kinds = [("op", k % 1000) for k in range(100_000)]
    kind, shape = rolling.kinds(kinds, [()] * len(kinds))
    rolling.repeats(list(range(len(kinds))), kind, len(kinds), shape)
    assert sum(compared) <= 4096 + 1000


def test_copies_after_a_first_copy_unlike_them_are_still_found():
    # four copies of a 1,000-step random subgraph sharing x and a constant: the first copy
    # meets the shared leaves first, so it is laid out unlike the three after it; comparing
    # its every node against the next copy once used up the allowance before the copies
    def subgraph(x):
        rng = random.Random(0)
        values = [x, Value(0.3)]
        for _ in range(1000):
            a, b = rng.choice(values[-20:]), rng.choice(values[-20:])
            k = rng.randrange(3)
            values.append(a + b if k == 0 else (a * b).tanh() if k == 1 else a - 0.5 * b)
        return values[-1]
    x = Value(0.5)
    total = subgraph(x) + subgraph(x) + subgraph(x) + subgraph(x)
    graph = compile(total, mode="code")
    assert graph.source_lines * 2 < 4 * len(graph)       # about four lines a node unrolled
    total.backward()
    expected = x.grad
    x.grad = 0.0
    graph.run()
    graph.backward()
    assert bits(x.grad) == bits(expected)


@pytest.mark.parametrize("keys", ["nodes", "ids"])
@settings(max_examples=200, deadline=None)
@given(program=programs())
def test_leaves_are_numbered_first_and_the_rest_as_the_engine_numbers_them(keys, program):
    # leaves_first is engine.numbered with the leaves moved to the front: the same leaves in
    # the same order (placeholders are fed in that order), the interior nodes in the same
    # order, and each node's operands the numbers of the same nodes; walked with the nodes as
    # keys, or by id() (as when a Value class has its own == or hash())
    from tinygrad_lite import engine
    from tinygrad_lite.compiled import capture
    output = program(*[Value(x) for x in program.inputs])
    nodes, operands_of, index = engine.numbered(output)
    saved = capture.nodes_are_keys
    capture.nodes_are_keys = lambda: keys == "nodes"
    try:
        first, first_operands, number_of, post_order = capture.leaves_first(output)
    finally:
        capture.nodes_are_keys = saved
    assert post_order == nodes
    leaves = [n for n in nodes if n.is_leaf]
    assert first == leaves + [n for n in nodes if not n.is_leaf]
    assert all(number_of(n) == k for k, n in enumerate(first))
    assert number_of(Value(1.0)) is None and number_of([1]) is None
    for node, operands in zip(nodes, operands_of):
        assert [first[j] for j in first_operands[number_of(node)]] == \
            [nodes[j] for j in operands]


class ByData:
    """A mixin whose == and hash() go by the number: two nodes holding 2.0 are "equal"."""

    def __eq__(self, other):
        return isinstance(other, Value) and self.data == other.data

    def __hash__(self):
        return hash(self.data)


def _equal_numbers_compiled(make):
    """a * 3 + b * 5 with a and b both 2.0 but distinct leaves, compiled: (value, grads)."""
    a, b = make(2.0), make(2.0)
    graph = compile(a * 3.0 + b * 5.0, params=[a, b], mode="code")
    value = graph.run()
    graph.backward()
    return value, a.grad, b.grad


def test_a_value_class_with_its_own_equality_is_compiled_by_identity():
    # a subclass whose == says nodes holding the same number are equal (hash() alike) would
    # make a walk keyed by the nodes take two leaves for one: defined on the class, inherited
    # from a mixin, or set on the class later, it turns walks to id(); gone, they turn back
    import gc
    from tinygrad_lite import engine

    class Own(Value):
        __slots__ = ()
        __eq__, __hash__ = ByData.__eq__, ByData.__hash__

    class Mixed(ByData, Value):
        __slots__ = ()

    class Late(Value):
        __slots__ = ()

    for cls in (Own, Mixed):
        assert not engine.nodes_are_keys()
        assert _equal_numbers_compiled(cls) == (16.0, 3.0, 5.0)
    del Own, Mixed, cls
    gc.collect()
    assert engine.nodes_are_keys()
    Late.__eq__, Late.__hash__ = ByData.__eq__, ByData.__hash__
    assert not engine.nodes_are_keys()
    assert _equal_numbers_compiled(Late) == (16.0, 3.0, 5.0)
    del Late
    gc.collect()
    assert engine.nodes_are_keys()


def test_copies_whose_n_ary_nodes_differ_in_operand_count_are_not_taken_for_copies():
    # max of one operand in some copies, of two in the others: kinds once matched them (and
    # the code read one operand for two): copies must have the same operand counts
    def build(single):
        total = Value(0.0)
        leaves = []
        for k in range(40):
            x, y = Value(k + 1.0), Value(1000.0)
            leaves += [x, y]
            t = -x
            total = total + t * (maximum([y]) if k in single else maximum([t, y]))
        return total, leaves
    for single in ({1}, {3, 7}):
        expected, leaves = build(single)
        expected.backward()
        total, fresh = build(single)
        graph = compile(total, params=fresh, mode="code")
        assert graph.run() == expected.data
        graph.backward()
        assert [bits(v.grad) for v in fresh] == [bits(v.grad) for v in leaves]


def test_a_negated_share_keeps_a_nan_s_sign_as_the_engine_does():
    # the first share of x - y to y is -1.0 * g: written -g, a NaN's sign would flip
    def grads(compiled_):
        x, y = Value(0.5), Value(2.0)
        out = (x - y.tanh()) * float("nan")
        if compiled_:
            graph = compile(out, params=[x, y], mode="code")
            graph.run()
            graph.backward()
        else:
            out.backward()
        return bits(x.grad), bits(y.grad)
    assert grads(True) == grads(False)


def test_a_name_on_two_nodes_stands_for_the_first_the_engine_numbers():
    # a leaf and an inner node both called "h": value("h") is the first in numbered order
    from tinygrad_lite.engine import numbered
    x = Value(2.0, name="x")
    inner = x * 3.0
    inner.name = "h"
    h = Value(5.0, name="h")
    out = inner + h
    first = next(n for n in numbered(out)[0] if n.name == "h")
    graph = compile(out, params=[x, h], mode="code")
    graph.run()
    assert graph.value("h") == first.data == 6.0


@pytest.mark.parametrize("width", [16, 8])
def test_the_first_copy_of_a_network_applied_in_a_loop_is_written_in_the_loop_too(width):
    # a 2-16-16-1 network over N points: the first point meets the shared weights, the others
    # do not; numbered leaves first, all N copies are one loop, so the code for 30 points is
    # about as long as for one (a first copy written out on its own would double it).  With
    # width 8 a copy is short enough that the sum's first + (a constant and the first loss)
    # looks unlike the others (the sum so far, near, and a loss): it is a copy all the same
    def lines(points):
        manual_seed(0)
        model = nn.Sequential(nn.Dense(2, width, activation="relu"),
                              nn.Dense(width, width, activation="relu"), nn.Dense(width, 1))
        xs = [[placeholder(f"x{k}_{i}", 0.1 * k + i) for i in range(2)] for k in range(points)]
        loss = sum((model(x)[0] ** 2 for x in xs), Value(0.0))
        graph = compile(loss, inputs=[p for x in xs for p in x], mode="code")
        return graph.source_lines
    assert lines(30) < 1.3 * lines(1)
