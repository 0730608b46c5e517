"""The modules a student meets in the next chapter (issue 29): ModuleList, ModuleDict, LayerNorm,
BatchNorm1d (training and evaluation, running statistics) and GELU's tanh approximation —
checked against hand formulas and central differences, and against PyTorch (float64) where it
is installed."""

import json
import math
import random

import pytest

from tinygrad_lite import Value, nn
from tinygrad_lite.nn import BatchNorm1d, BatchNorm2d, GELU, LayerNorm, ModuleDict, ModuleList

try:
    import torch
except ImportError:                                  # pragma: no cover - an optional extra
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="the torch cross-check needs the torch "
                                 "extra (pip install -e '.[test,torch]')")


def values(rows):
    return [[Value(x) for x in row] for row in rows]


def numeric_grad(f, xs, k, h=1e-6):
    up = list(xs)
    down = list(xs)
    up[k] += h
    down[k] -= h
    return (f(up) - f(down)) / (2 * h)


# ---- containers ---------------------------------------------------------------------------------

def test_module_list_indexes_slices_grows_and_keeps_torchs_keys():
    layers = ModuleList([nn.Dense(2, 3), nn.Dense(3, 1)])
    layers.append(nn.Dense(1, 1))
    layers.insert(0, nn.Dense(2, 2))
    assert len(layers) == 4 and isinstance(layers[1:], ModuleList) and len(layers[1:]) == 3
    assert list(layers.state_dict())[:4] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert layers[-1] is list(layers)[-1]
    del layers[0]
    assert [type(m).__name__ for m in layers] == ["Dense"] * 3 and "0.weight" in layers.state_dict()
    assert len(layers.parameters()) == (2 * 3 + 3) + (3 + 1) + (1 + 1)
    with pytest.raises(IndexError, match="out of range"):
        layers[7]
    with pytest.raises(TypeError, match="not a Module"):
        layers.append(3)


def test_module_dict_by_name():
    parts = ModuleDict({"encoder": nn.Dense(2, 2)})
    parts["decoder"] = nn.Dense(2, 1)
    assert list(parts) == ["encoder", "decoder"] and "decoder" in parts
    assert list(parts.state_dict()) == ["encoder.weight", "encoder.bias", "decoder.weight",
                                        "decoder.bias"]
    assert parts.pop("encoder") is not None and list(parts.keys()) == ["decoder"]
    with pytest.raises(KeyError, match="no module 'missing'"):
        parts["missing"]
    with pytest.raises(KeyError, match="without '.'"):
        parts["a.b"] = nn.Dense(1, 1)


# ---- LayerNorm ------------------------------------------------------------------------------------

def test_layer_norm_by_hand_and_by_central_differences():
    norm = LayerNorm(3)
    xs = [0.5, -1.0, 2.0]
    out = norm([Value(x) for x in xs])
    mean = sum(xs) / 3
    var = sum((x - mean) ** 2 for x in xs) / 3
    for o, x in zip(out, xs):
        assert o.data == pytest.approx((x - mean) / math.sqrt(var + 1e-5), rel=1e-12)
    # d(Σ_i c_i·y_i)/dx_k against central differences
    weights = [0.3, -1.2, 0.7]

    def f(point):
        ys = LayerNorm(3)([Value(x) for x in point])
        return sum(w * y.data for w, y in zip(weights, ys))
    inputs = [Value(x) for x in xs]
    total = sum((w * y for w, y in zip(weights, LayerNorm(3)(inputs))), Value(0.0))
    total.backward()
    for k in range(3):
        assert inputs[k].grad == pytest.approx(numeric_grad(f, xs, k), rel=1e-6, abs=1e-9)


def test_layer_norm_refuses_a_shape_that_does_not_fit():
    with pytest.raises(ValueError, match="last dimensions are"):
        LayerNorm(4)([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm(0)


# ---- BatchNorm1d ------------------------------------------------------------------------------------

def test_batch_norm_trains_on_the_batch_and_evaluates_on_running_statistics():
    norm = BatchNorm1d(2, momentum=0.1)
    batch = [[1.0, 10.0], [3.0, 14.0], [5.0, 12.0]]
    out = norm(values(batch))
    # channel 0: mean 3, biased var 8/3 → (x − 3)/√(8/3 + eps)
    assert out[0][0].data == pytest.approx((1 - 3) / math.sqrt(8 / 3 + 1e-5), rel=1e-12)
    # running: 0.9·0 + 0.1·3, and 0.9·1 + 0.1·(unbiased var 4)
    assert norm.running_mean[0] == pytest.approx(0.3) and norm.running_var[0] == pytest.approx(1.3)
    assert norm.num_batches_tracked == 1
    norm.eval()
    y = norm(values([[2.0, 11.0]]))
    assert y[0][0].data == pytest.approx((2.0 - 0.3) / math.sqrt(1.3 + 1e-5), rel=1e-12)
    assert norm.num_batches_tracked == 1                         # eval does not count
    state = norm.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    fresh = BatchNorm1d(2)
    fresh.load_state_dict(json.loads(json.dumps(state)))
    assert fresh.running_var == norm.running_var and fresh.num_batches_tracked == 1


def test_batch_norm_refuses_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(2)(values([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"expected input \(N, 3\)"):
        BatchNorm1d(3)(values([[1.0, 2.0]]))


# ---- against PyTorch ------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_matches_torch(shape, momentum):
    rng = random.Random(len(shape) * 7 + (momentum is None))
    ours = BatchNorm1d(3, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    with torch.no_grad():
        for k in range(3):
            w, b = rng.uniform(0.5, 2), rng.uniform(-1, 1)
            ours.weight[k].data, ours.bias[k].data = w, b
            theirs.weight[k], theirs.bias[k] = w, b
    for step in range(3):                      # three training steps, then evaluation
        data = torch.tensor([[[rng.uniform(-2, 2) for _ in range(shape[2])]
                              for _ in range(shape[1])] for _ in range(shape[0])] if len(shape) == 3
                            else [[rng.uniform(-2, 2) for _ in range(shape[1])]
                                  for _ in range(shape[0])], dtype=torch.float64,
                            requires_grad=True)
        x = data.tolist()
        ours_in = [[[Value(v) for v in row] for row in sample] for sample in x] \
            if len(shape) == 3 else values(x)
        out = ours(ours_in)
        expected = theirs(data)
        flat = [v for sample in out for row in (sample if len(shape) == 3 else [sample])
                for v in row]
        weights = [rng.uniform(-1, 1) for _ in flat]
        total = sum((w * v for w, v in zip(weights, flat)), Value(0.0))
        total.backward()
        (expected.flatten() * torch.tensor(weights, dtype=torch.float64)).sum().backward()
        assert [v.data for v in flat] == pytest.approx(expected.flatten().tolist(), rel=1e-12,
                                                       abs=1e-12)
        ours_grads = [v.grad for sample in ours_in for row in
                      (sample if len(shape) == 3 else [sample]) for v in row]
        assert ours_grads == pytest.approx(data.grad.flatten().tolist(), rel=1e-9, abs=1e-12)
        assert [w.grad for w in ours.weight] == pytest.approx(theirs.weight.grad.tolist(),
                                                              rel=1e-9, abs=1e-12)
        theirs.weight.grad = None
        theirs.bias.grad = None
        ours.zero_grad()
        assert ours.running_mean == pytest.approx(theirs.running_mean.tolist(), rel=1e-12)
        assert ours.running_var == pytest.approx(theirs.running_var.tolist(), rel=1e-12)
    ours.eval()
    theirs.eval()
    probe = [[0.3, -0.7, 1.1]] if len(shape) == 2 else [[[0.3, 0.1], [-0.7, 0.2], [1.1, 0.0]]]
    got = ours(values(probe) if len(shape) == 2 else
               [[[Value(v) for v in row] for row in sample] for sample in probe])
    want = theirs(torch.tensor(probe, dtype=torch.float64)).flatten().tolist()
    flat = [v.data for sample in got for row in (sample if len(shape) == 3 else [sample])
            for v in row]
    assert flat == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert set(ours.state_dict()) == set(theirs.state_dict())


@needs_torch
@pytest.mark.parametrize("normalized", [3, (2, 3)])
def test_layer_norm_matches_torch(normalized):
    rng = random.Random(3)
    shape = (4, 3) if normalized == 3 else (2, 2, 3)
    ours = LayerNorm(normalized)
    theirs = torch.nn.LayerNorm(normalized).double()
    data = torch.rand(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    data = (data * 4 - 2).requires_grad_()
    x = data.tolist()

    def wrap(item):
        return [wrap(i) for i in item] if isinstance(item, list) else Value(item)
    ours_in = wrap(x)
    out = ours(ours_in)

    def flat(item):
        return [v for i in item for v in flat(i)] if isinstance(item, list) else [item]
    weights = [rng.uniform(-1, 1) for _ in flat(out)]
    sum((w * v for w, v in zip(weights, flat(out))), Value(0.0)).backward()
    expected = theirs(data)
    (expected.flatten() * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    assert [v.data for v in flat(out)] == pytest.approx(expected.flatten().tolist(), rel=1e-12,
                                                        abs=1e-12)
    assert [v.grad for v in flat(ours_in)] == pytest.approx(data.grad.flatten().tolist(),
                                                            rel=1e-9, abs=1e-12)
    assert set(ours.state_dict()) == set(theirs.state_dict())


@needs_torch
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    xs = [-3.0, -1.0, -0.2, 0.0, 0.4, 1.5, 4.0]
    ours = [Value(x) for x in xs]
    out = GELU(approximate=approximate)(ours)
    sum(out, Value(0.0)).backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.GELU(approximate=approximate)(t)
    expected.sum().backward()
    assert [v.data for v in out] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-15)
    assert [v.grad for v in ours] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)


def test_gelu_tanh_by_central_differences_and_bad_arguments():
    for x in (-1.3, 0.2, 2.5):
        v = Value(x)
        GELU(approximate="tanh")([v])[0].backward()

        def f(point):
            return GELU(approximate="tanh")([Value(point[0])])[0].data
        assert v.grad == pytest.approx(numeric_grad(f, [x], 0), rel=1e-7)
    with pytest.raises(ValueError, match="approximate must be"):
        GELU(approximate="fast")



# ---- reductions keep the input's shape; weights broadcast as torch's ------------------------------

from tinygrad_lite import losses as L  # noqa: E402
from tinygrad_lite.nested import entries, shape_of  # noqa: E402

X = [[0.5, -1.0, 2.0], [0.3, 0.0, -0.4]]
Y = [[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]]


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss",
                                  "binary_cross_entropy_with_logits"])
def test_reduction_none_keeps_the_inputs_shape(name):
    out = getattr(L, name)(X, Y, reduction="none")
    assert shape_of(out) == (2, 3) and isinstance(out[1][2], Value)
    single = getattr(L, name)(0.5, 1.0, reduction="none")
    assert isinstance(single, Value)                              # one number: one Value


def test_one_unbatched_sample_with_reduction_none_is_one_value():
    assert isinstance(L.cross_entropy([1.0, 2.0, 0.5], 1, reduction="none"), Value)
    assert isinstance(L.nll_loss([-1.0, -0.5], 0, reduction="none"), Value)
    assert shape_of(L.cross_entropy([[1.0, 2.0], [0.5, 0.1]], [0, 1], reduction="none")) == (2,)


@pytest.mark.parametrize("weight", [[[2.0, 1.0, 0.5], [1.0, 3.0, 1.0]], [[2.0, 1.0, 0.5]],
                                    [[2.0], [3.0]], [0.5, 1.0, 2.0], 1.5])
def test_bce_weights_broadcast_by_hand(weight):
    probs = [[0.2, 0.7, 0.9], [0.4, 0.5, 0.1]]
    out = L.binary_cross_entropy(probs, Y, weight=weight, reduction="none")
    full = weight if isinstance(weight, float) else None
    for i in range(2):
        for j in range(3):
            w = full if full is not None else (
                weight[j] if not isinstance(weight[0], list) else
                weight[min(i, len(weight) - 1)][min(j, len(weight[0]) - 1)])
            p, y = probs[i][j], Y[i][j]
            assert out[i][j].data == pytest.approx(-w * (y * math.log(p) + (1 - y) * math.log(1 - p)),
                                                   rel=1e-12)
    with pytest.raises(ValueError, match="does not broadcast"):
        L.binary_cross_entropy(probs, Y, weight=[[1.0, 2.0]])


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, [[2.0, 1.0, 0.5], [1.0, 3.0, 1.0]], [[2.0, 1.0, 0.5]],
                                    [[2.0], [3.0]]])
@pytest.mark.parametrize("pos_weight", [None, [1.0, 2.0, 0.5]])
def test_bce_with_logits_grid_matches_torch(reduction, weight, pos_weight):
    F = torch.nn.functional
    xs = [[Value(v) for v in row] for row in X]
    ours = L.binary_cross_entropy_with_logits(xs, Y, weight=weight, reduction=reduction,
                                              pos_weight=pos_weight)
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    theirs = F.binary_cross_entropy_with_logits(
        tx, torch.tensor(Y, dtype=torch.float64), reduction=reduction,
        weight=None if weight is None else torch.tensor(weight, dtype=torch.float64),
        pos_weight=None if pos_weight is None else torch.tensor(pos_weight, dtype=torch.float64))
    flat = [v for _, v in entries(ours)] if isinstance(ours, list) else [ours]
    assert (shape_of(ours) if isinstance(ours, list) else ()) == tuple(theirs.shape)
    assert [v.data for v in flat] == pytest.approx(theirs.flatten().tolist(), rel=1e-12)
    sum(flat[1:], flat[0]).backward()
    theirs.sum().backward()
    assert [v.grad for row in xs for v in row] == pytest.approx(tx.grad.flatten().tolist(),
                                                               rel=1e-10, abs=1e-14)


@needs_torch
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 2, 3)])
def test_elementwise_losses_none_shape_grid_matches_torch(name, shape):
    rng = random.Random(len(shape))
    count = math.prod(shape)
    a = [rng.uniform(-2, 2) for _ in range(count)]
    b = [rng.uniform(-2, 2) for _ in range(count)]

    def nest(flat):
        rows = list(flat)
        for size in reversed(shape[1:]):
            rows = [rows[i:i + size] for i in range(0, len(rows), size)]
        return rows
    ours = getattr(L, name)(nest(a), nest(b), reduction="none")
    theirs = getattr(torch.nn.functional, name)(torch.tensor(nest(a), dtype=torch.float64),
                                                torch.tensor(nest(b), dtype=torch.float64),
                                                reduction="none")
    assert shape_of(ours) == tuple(theirs.shape)
    assert [v.data for _, v in entries(ours)] == pytest.approx(theirs.flatten().tolist(),
                                                               rel=1e-12)


# ---- round trips keep everything -----------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("make", [
    lambda: LayerNorm(3, eps=1e-3), lambda: LayerNorm((2, 3), elementwise_affine=False),
    lambda: BatchNorm1d(3, momentum=0.3), lambda: BatchNorm1d(3, affine=False, momentum=None),
    lambda: BatchNorm2d(3, eps=1e-3), lambda: BatchNorm2d(3, track_running_stats=False),
    lambda: GELU(approximate="tanh"), lambda: nn.Softmax(dim=0),
    lambda: ModuleList([nn.Dense(3, 2), LayerNorm(2)]),
    lambda: ModuleDict({"a": nn.Dense(3, 3), "norm": BatchNorm1d(3)})])
@pytest.mark.parametrize("training", [True, False])
def test_round_trips_keep_weights_buffers_and_mode(make, training):
    ours = make()
    rng = random.Random(5)
    for v in ours.parameters():
        v.data = rng.uniform(-1, 1)
    for _, module in ours.named_modules():
        if isinstance(module, (BatchNorm1d, BatchNorm2d)) and module.track_running_stats:
            module.register_buffer("running_mean", [0.1, -0.2, 0.3])
            module.register_buffer("running_var", [1.5, 0.5, 2.0])
            module.register_buffer("num_batches_tracked", 4)
    ours.train(training)
    theirs = nn.to_torch(ours)
    assert theirs.training == training
    assert set(theirs.state_dict()) == set(ours.state_dict())
    back = nn.from_torch(theirs)
    assert back.training == training and type(back) is type(ours)
    assert json.dumps(back.state_dict()) == json.dumps(ours.state_dict())


@needs_torch
def test_a_torch_checkpoint_loads_into_the_converted_model():
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(),
                                 torch.nn.Linear(3, 1)).double()
    ours = nn.from_torch(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    checkpoint = {k: v.tolist() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(checkpoint)                      # the same keys: it loads
    x = [0.3, -0.8]
    assert ours(x)[0].data == pytest.approx(theirs(torch.tensor(x, dtype=torch.float64)).item(),
                                            rel=1e-12)


# ---- the recurrent API -------------------------------------------------------------------------

def test_recurrent_layers_take_torchs_hx_keyword_and_lstm_a_list():
    rnn = nn.RNN(2, 3, rng=random.Random(0))
    seq = [[0.5, -1.0], [1.0, 0.2]]
    assert rnn(seq, hx=[0.1, 0.0, -0.1])[1][0][0].data == rnn(seq, [0.1, 0.0, -0.1])[1][0][0].data
    lstm = nn.LSTM(2, 3, rng=random.Random(0))
    pair = ([0.1, 0.0, -0.1], [0.0, 0.2, 0.0])
    a, b = lstm(seq, hx=list(pair)), lstm(seq, hx=pair)
    assert [v.data for v in a[0][-1]] == [v.data for v in b[0][-1]]


@pytest.mark.parametrize("layer", [lambda: nn.RNN(2, 3), lambda: nn.GRU(2, 3)])
def test_a_batch_and_an_initial_state_of_another_batch_size_are_refused(layer):
    batch = [[[0.5, -1.0], [1.0, 0.2]]]                # (L=1, N=2, input=2)
    with pytest.raises(ValueError, match=r"a batch of 2, but hx\[0\] has 3 entries"):
        layer()(batch, hx=[[[0.0] * 3] * 3])
    with pytest.raises(ValueError, match=r"a batch of 2, but hx\[0\] \(h0\)\[0\] has 3"):
        nn.LSTM(2, 3)(batch, hx=([[[0.0] * 3] * 3], [[[0.0] * 3] * 2]))


def test_dropout_between_stacked_layers_only_in_training():
    rnn = nn.RNN(2, 4, num_layers=2, dropout=0.5, rng=random.Random(1))
    seq = [[0.5, -1.0], [1.0, 0.2], [0.3, 0.3]]
    rnn.eval()
    quiet = [v.data for v in rnn(seq)[0][-1]]
    assert quiet == [v.data for v in rnn(seq)[0][-1]]        # eval: no draws, the same
    rnn.train()
    noisy = [[v.data for v in rnn(seq)[0][-1]] for _ in range(4)]
    assert any(run != quiet for run in noisy)
    with pytest.raises(ValueError, match="dropout must be a probability"):
        nn.LSTM(2, 3, dropout=1.5)


@needs_torch
def test_recurrent_dropout_goes_across_in_both_directions():
    theirs = torch.nn.GRU(2, 3, num_layers=2, dropout=0.25)
    ours = nn.from_torch(theirs)
    assert ours.dropout == 0.25 and nn.to_torch(ours).dropout == 0.25


# ---- attention: batch checks, masks, round trips ----------------------------------------------

def mha(**options):
    return nn.MultiheadAttention(4, 2, rng=random.Random(0), **options)


BATCH = [[[0.1 * (i + j + k) for k in range(4)] for j in range(2)] for i in range(3)]   # L, N, E


@pytest.mark.parametrize("call, says", [
    (lambda m: m(BATCH, key=[[step[0]] for step in BATCH]),          # a batch of 1
     "the query is a batch of 2, but key has 1"),
    (lambda m: m(BATCH, key_padding_mask=[[False] * 3] * 3),
     "the query is a batch of 2, but key_padding_mask has 3"),
    (lambda m: m(BATCH, attn_mask=[[[False] * 3] * 3] * 3),
     "needs 4 masks, got 3"),
])
def test_batch_sizes_that_differ_are_errors_naming_both(call, says):
    with pytest.raises(ValueError, match=says):
        call(mha())


def test_a_shape_error_in_a_batch_says_which_sample_and_reads_plainly():
    bad = [[list(BATCH[0][0]), [0.1, 0.2]], [list(BATCH[1][0]), list(BATCH[1][1])]]
    with pytest.raises(ValueError) as info:
        mha()(bad)
    text = str(info.value)
    assert "MultiheadAttention(4, 2) expected a query[0] vector of 4 numbers, got 2" in text
    assert "(sample 1 of a batch of 2)" in text and text.count("MultiheadAttention") == 1


def test_is_causal_needs_its_mask_as_torch_requires():
    seq = [row[0] for row in BATCH]
    with pytest.raises(ValueError, match="give attn_mask too"):
        mha()(seq, is_causal=True)
    causal = [[j > i for j in range(3)] for i in range(3)]
    out, _ = mha()(seq, attn_mask=causal, is_causal=True)
    assert len(out) == 3


def test_a_query_whose_every_key_is_masked_gets_nan_as_in_torch():
    seq = [row[0] for row in BATCH]
    out, weights = mha()(seq, attn_mask=[[True, True, True], [False, True, True],
                                         [False, False, True]])
    assert all(math.isnan(v.data) for v in out[0]) and math.isnan(weights[0][0].data)
    assert not any(math.isnan(v.data) for v in out[1])


@needs_torch
def test_an_all_masked_row_matches_torch():
    ours = mha()
    theirs = nn.to_torch(ours)
    seq = [row[0] for row in BATCH]
    mask = [[True, True, True], [False, True, True], [False, False, True]]
    out, _ = ours(seq, attn_mask=mask)
    t_out, _ = theirs(*(torch.tensor(seq, dtype=torch.float64),) * 3,
                      attn_mask=torch.tensor(mask))
    for row, t_row in zip(out, t_out.tolist()):
        for v, t in zip(row, t_row):
            assert (math.isnan(v.data) and math.isnan(t)) or v.data == pytest.approx(t, rel=1e-12)


@needs_torch
@pytest.mark.parametrize("options", [dict(batch_first=True), dict(dropout=0.25),
                                     dict(kdim=3, vdim=5), dict(bias=False)])
def test_attention_round_trips_keep_every_argument(options):
    ours = mha(**options)
    theirs = nn.to_torch(ours)
    assert theirs.batch_first == ours.batch_first and theirs.dropout == ours.dropout.p
    assert (theirs.kdim, theirs.vdim) == (ours.kdim, ours.vdim)
    back = nn.from_torch(theirs)
    assert (back.batch_first, back.dropout.p, back.kdim, back.vdim, back.has_bias) == \
        (ours.batch_first, ours.dropout.p, ours.kdim, ours.vdim, ours.has_bias)
    assert json.dumps(back.state_dict()) == json.dumps(ours.state_dict())


# ---- convolution padding modes ------------------------------------------------------------------

@pytest.mark.parametrize("mode, expected", [
    ("zeros", [0.0, 1.0, 2.0, 3.0, 4.0, 0.0]), ("reflect", [2.0, 1.0, 2.0, 3.0, 4.0, 3.0]),
    ("replicate", [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]), ("circular", [4.0, 1.0, 2.0, 3.0, 4.0, 1.0])])
def test_padding_modes_by_hand(mode, expected):
    conv = nn.Conv1d(1, 1, 1, padding=1, padding_mode=mode, bias=False)
    conv.weight[0][0][0].data = 1.0
    # a 1-wide kernel with padding 1 shows the padded input itself
    assert [v.data for v in conv([[1.0, 2.0, 3.0, 4.0]])[0]] == expected


def test_reflect_padding_must_be_smaller_than_the_input():
    with pytest.raises(ValueError, match="reflect padding"):
        nn.Conv1d(1, 1, 3, padding=2, padding_mode="reflect")([[1.0, 2.0]])
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv1d(1, 1, 3, padding_mode="mirror")


@needs_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, 2, "same"])
@pytest.mark.parametrize("dims", [1, 2])
def test_padding_modes_match_torch(mode, padding, dims):
    rng = random.Random(hash((mode, str(padding), dims)) % 1000)
    cls = nn.Conv1d if dims == 1 else nn.Conv2d
    ours = cls(2, 3, 3, padding=padding, padding_mode=mode, rng=random.Random(4))
    theirs = nn.to_torch(ours)
    size = [5] if dims == 1 else [4, 5]
    count = 2 * math.prod(size)
    data = torch.tensor([rng.uniform(-1, 1) for _ in range(count)], dtype=torch.float64)
    data = data.reshape(1, 2, *size).requires_grad_()
    x = data[0].tolist()

    def wrap(item):
        return [wrap(i) for i in item] if isinstance(item, list) else Value(item)

    def flat(item):
        return [v for i in item for v in flat(i)] if isinstance(item, list) else [item]
    xs = wrap(x)
    out = ours(xs)
    expected = theirs(data)[0]
    assert [v.data for v in flat(out)] == pytest.approx(expected.flatten().tolist(), rel=1e-12,
                                                        abs=1e-12)
    weights = [rng.uniform(-1, 1) for _ in flat(out)]
    sum((w * v for w, v in zip(weights, flat(out))), Value(0.0)).backward()
    (expected.flatten() * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    assert [v.grad for v in flat(xs)] == pytest.approx(data.grad[0].flatten().tolist(),
                                                       rel=1e-9, abs=1e-12)
    assert nn.from_torch(theirs).padding_mode == mode


# ---- cross entropy per position -----------------------------------------------------------------

def test_cross_entropy_per_position_by_hand():
    logits = [[[2.0, 0.0], [0.0, 1.0]]]                    # N=1, C=2, d1=2
    out = L.cross_entropy(logits, [[0, 1]], reduction="none")
    assert shape_of(out) == (1, 2)
    # position 0: logits (2, 0), class 0; position 1: logits (0, 1), class 1
    assert out[0][0].data == pytest.approx(math.log(1 + math.exp(-2)), rel=1e-14)
    assert out[0][1].data == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-14)
    with pytest.raises(ValueError, match=r"class indices of shape \[1, 2\]"):
        L.cross_entropy(logits, [[0, 1, 1]])


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("options", [{}, dict(weight=[0.5, 2.0, 1.0]), dict(ignore_index=1),
                                     dict(label_smoothing=0.1)])
def test_cross_entropy_per_position_matches_torch(reduction, shape, options):
    rng = random.Random(7)
    n, c, rest = shape[0], shape[1], shape[2:]
    data = torch.tensor([rng.uniform(-2, 2) for _ in range(math.prod(shape))],
                        dtype=torch.float64).reshape(*shape).requires_grad_()
    classes = torch.tensor([rng.randrange(c) for _ in range(n * math.prod(rest))]).reshape(n, *rest)

    def wrap(item):
        return [wrap(i) for i in item] if isinstance(item, list) else Value(item)
    xs = wrap(data.tolist())
    ours = L.cross_entropy(xs, classes.tolist(), reduction=reduction, **options)
    torch_options = dict(options)
    if "weight" in torch_options:
        torch_options["weight"] = torch.tensor(torch_options["weight"], dtype=torch.float64)
    theirs = torch.nn.functional.cross_entropy(data, classes, reduction=reduction,
                                               **torch_options)
    flat = [v for _, v in entries(ours)] if isinstance(ours, list) else [ours]
    assert [v.data for v in flat] == pytest.approx(theirs.flatten().tolist(), rel=1e-12,
                                                   abs=1e-14)
    sum(flat[1:], flat[0]).backward()
    theirs.sum().backward()
    grads = [v.grad for _, v in entries(xs)]
    assert grads == pytest.approx(data.grad.flatten().tolist(), rel=1e-9, abs=1e-12)


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", [{}, dict(weight=[0.5, 2.0, 1.0]), dict(ignore_index=2)])
def test_nll_loss_per_position_matches_torch(reduction, options):
    rng = random.Random(3)
    data = torch.tensor([rng.uniform(-3, 0) for _ in range(2 * 3 * 5)],
                        dtype=torch.float64).reshape(2, 3, 5).requires_grad_()
    classes = torch.tensor([rng.randrange(3) for _ in range(10)]).reshape(2, 5)
    xs = [[[Value(v) for v in row] for row in sample] for sample in data.tolist()]
    ours = nn.NLLLoss(reduction=reduction, **options)(xs, classes.tolist())
    torch_options = dict(options)
    if "weight" in torch_options:
        torch_options["weight"] = torch.tensor(torch_options["weight"], dtype=torch.float64)
    theirs = torch.nn.NLLLoss(reduction=reduction, **torch_options)(data, classes)
    flat = [v for _, v in entries(ours)] if isinstance(ours, list) else [ours]
    assert [v.data for v in flat] == pytest.approx(theirs.flatten().tolist(), rel=1e-12,
                                                   abs=1e-14)
    sum(flat[1:], flat[0]).backward()
    theirs.sum().backward()
    assert [v.grad for _, v in entries(xs)] == pytest.approx(data.grad.flatten().tolist(),
                                                             rel=1e-12, abs=1e-14)


def test_nll_loss_per_position_names_the_target_shape():
    with pytest.raises(ValueError, match=r"nll_loss: the target must be class indices of shape "
                                         r"\[1, 2\]: "):
        L.nll_loss([[[-0.1, -2.0], [-2.4, -0.1]]], [[0]])


# ---- BatchNorm2d ----------------------------------------------------------------------------------

def test_batch_norm_2d_by_hand():
    """Two samples, one channel, 1×2 images: the channel's four values are 1, 3, 5, 7, so the
    mean is 4, the biased variance 5, and y = (x − 4)/√5 (eps 0); running_var takes the
    unbiased variance 20/3."""
    norm = BatchNorm2d(1, eps=0.0, momentum=1.0)
    x = [[[[Value(1.0), Value(3.0)]]], [[[Value(5.0), Value(7.0)]]]]
    out = norm(x)
    flat = [out[0][0][0][0], out[0][0][0][1], out[1][0][0][0], out[1][0][0][1]]
    assert [v.data for v in flat] == pytest.approx([(k - 4) / math.sqrt(5) for k in (1, 3, 5, 7)])
    assert norm.running_mean == pytest.approx([4.0]) and norm.running_var == pytest.approx([20 / 3])
    flat[3].backward()
    # ∂y_j/∂x_i = (δ_ij − 1/n − (x_i−m)(x_j−m)/(n·var)) / √var, n = 4, j = the last value (x = 7)
    expected = [((k == 7) - 0.25 - (k - 4) * 3 / 20) / math.sqrt(5) for k in (1, 3, 5, 7)]
    grads = [x[0][0][0][0].grad, x[0][0][0][1].grad, x[1][0][0][0].grad, x[1][0][0][1].grad]
    assert grads == pytest.approx(expected)


def test_batch_norm_2d_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(2\): expected input \(N, 2, H, W\), "
                                         r"got shape \[2, 2\]"):
        BatchNorm2d(2)(values([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(1)([[[[Value(1.0)]]]])


@needs_torch
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_2d_matches_torch(affine):
    rng = random.Random(11 + affine)
    ours = BatchNorm2d(2, momentum=0.2, affine=affine)
    theirs = torch.nn.BatchNorm2d(2, momentum=0.2, affine=affine).double()
    for training in (True, True, False):
        ours.train(training)
        theirs.train(training)
        data = torch.tensor([[[[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2)]
                              for _ in range(2)] for _ in range(3)], dtype=torch.float64,
                            requires_grad=True)
        ours_in = [[[[Value(v) for v in row] for row in plane] for plane in sample]
                   for sample in data.tolist()]
        out = [v for sample in ours(ours_in) for plane in sample for row in plane for v in row]
        expected = theirs(data).flatten()
        weights = [rng.uniform(-1, 1) for _ in out]
        sum((w * v for w, v in zip(weights, out)), Value(0.0)).backward()
        (expected * torch.tensor(weights, dtype=torch.float64)).sum().backward()
        assert [v.data for v in out] == pytest.approx(expected.tolist(), rel=1e-12, abs=1e-12)
        grads = [v.grad for sample in ours_in for plane in sample for row in plane for v in row]
        assert grads == pytest.approx(data.grad.flatten().tolist(), rel=1e-9, abs=1e-12)
    assert ours.running_mean == pytest.approx(theirs.running_mean.tolist(), rel=1e-12)
    assert ours.running_var == pytest.approx(theirs.running_var.tolist(), rel=1e-12)
    assert set(ours.state_dict()) == set(theirs.state_dict())


# ---- every module, every constructor argument: ours → torch → ours ---------------------------------

def _leaves(item):
    """The numbers of a nested output (lists, tuples, Values or tensors), in order."""
    out, stack = [], [item]
    while stack:
        x = stack.pop()
        if torch is not None and isinstance(x, torch.Tensor):
            out.extend(x.detach().flatten().tolist())
        elif isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def _grid(shape, seed):
    rng = random.Random(seed)
    if len(shape) == 1:
        return [rng.uniform(-1.5, 1.5) for _ in range(shape[0])]
    return [_grid(shape[1:], seed * 31 + k) for k in range(shape[0])]


ROUND_TRIPS = [                                    # (id, the module, the shape of a batch)
    ("Dense-no-bias", lambda: nn.Dense(3, 2, bias=False), (2, 3)),
    ("Conv1d-reflect", lambda: nn.Conv1d(2, 3, 3, stride=2, padding=1, bias=False,
                                         padding_mode="reflect"), (2, 2, 7)),
    ("Conv1d-groups", lambda: nn.Conv1d(4, 2, 2, dilation=2, groups=2, padding="valid"),
     (1, 4, 6)),
    ("Conv2d-circular", lambda: nn.Conv2d(2, 4, (2, 3), padding="same", dilation=(2, 1),
                                          groups=2, padding_mode="circular"), (2, 2, 4, 5)),
    ("Conv2d-replicate", lambda: nn.Conv2d(1, 2, 3, stride=(2, 1), padding=(1, 2),
                                           padding_mode="replicate"), (1, 1, 5, 4)),
    ("MaxPool1d", lambda: nn.MaxPool1d(2, stride=1, dilation=2, ceil_mode=True), (2, 2, 6)),
    ("MaxPool2d", lambda: nn.MaxPool2d((2, 3), stride=2, padding=1), (1, 2, 5, 5)),
    ("AvgPool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True,
                                       count_include_pad=False), (2, 1, 6)),
    ("AvgPool2d", lambda: nn.AvgPool2d(2, padding=1, count_include_pad=False), (1, 2, 4, 3)),
    ("Flatten", lambda: nn.Flatten(1, 2), (2, 2, 3, 2)),
    ("LayerNorm", lambda: LayerNorm((2, 3), eps=1e-3, bias=False), (2, 2, 3)),
    ("LayerNorm-plain", lambda: LayerNorm(3, elementwise_affine=False), (2, 3)),
    ("BatchNorm1d", lambda: BatchNorm1d(3, eps=1e-4, momentum=None, affine=False), (4, 3, 2)),
    ("BatchNorm1d-untracked", lambda: BatchNorm1d(3, track_running_stats=False), (4, 3)),
    ("BatchNorm2d", lambda: BatchNorm2d(2, momentum=0.3), (2, 2, 2, 3)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), (2, 3)),
    ("ELU", lambda: nn.ELU(0.5), (2, 3)),
    ("GELU-tanh", lambda: GELU(approximate="tanh"), (2, 3)),
    ("Softmax", lambda: nn.Softmax(dim=0), (2, 3)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1), (2, 3)),
    ("Dropout", lambda: nn.Dropout(0.3), (2, 3)),
    ("RNN", lambda: nn.RNN(3, 4, num_layers=2, nonlinearity="relu", bias=False,
                           batch_first=True, dropout=0.25, bidirectional=True), (2, 3, 3)),
    ("LSTM", lambda: nn.LSTM(3, 2, num_layers=2, dropout=0.5), (3, 2, 3)),
    ("GRU", lambda: nn.GRU(3, 2, bidirectional=True, batch_first=True), (2, 4, 3)),
    ("Sequential", lambda: nn.Sequential(nn.Conv1d(1, 2, 2), nn.ReLU(), nn.Flatten(1),
                                         nn.Dense(6, 2), nn.Tanh()), (2, 1, 4)),
]


@needs_torch
@pytest.mark.parametrize("name, make, shape", ROUND_TRIPS, ids=[c[0] for c in ROUND_TRIPS])
@pytest.mark.parametrize("training", [True, False])
def test_every_module_survives_a_round_trip(name, make, shape, training):
    """to_torch then from_torch keeps the arguments (the repr), the weights and buffers (the
    state dict), the mode; and in eval mode all three models give the same outputs and the same
    input gradients."""
    ours = make()
    rng = random.Random(len(name))
    for v in ours.parameters():
        v.data = rng.uniform(-1, 1)
    ours.train(training)
    theirs = nn.to_torch(ours)
    back = nn.from_torch(theirs)
    assert type(back) is type(ours) and repr(back) == repr(ours)
    assert back.training == theirs.training == training
    assert json.dumps(back.state_dict()) == json.dumps(ours.state_dict())
    assert set(theirs.state_dict()) == set(ours.state_dict())
    if training:
        return                                     # dropout and batch statistics: eval below
    x = _grid(shape, len(name))
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    expected = theirs(tx)
    weights = [0.1 * (k % 7 - 3) for k in range(len(_leaves(expected)))]
    sum(w * t for w, t in zip(weights, _leaves_tensors(expected))).backward()
    for model in (ours, back):
        xs = [Value(v) for v in _leaves(x)]
        out = model(_unflat(xs, shape))
        assert [v.data for v in _leaves(out)] == pytest.approx(_leaves(expected), rel=1e-12,
                                                               abs=1e-14)
        sum((w * v for w, v in zip(weights, _leaves(out))), Value(0.0)).backward()
        assert [v.grad for v in xs] == pytest.approx(tx.grad.flatten().tolist(), rel=1e-9,
                                                     abs=1e-12)


def _leaves_tensors(item):
    """The scalars of a torch output (a tensor or nested tuples of tensors), as 0-d tensors."""
    out, stack = [], [item]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.extend(x.flatten().unbind())
    return out


def _unflat(flat, shape):
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_unflat(flat[k * step:(k + 1) * step], shape[1:]) for k in range(shape[0])]
