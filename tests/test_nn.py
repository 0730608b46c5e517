"""nn: each layer's output against hand computation on small cases, the gradients of its
parameters and inputs against finite differences, the Module API, and the error messages."""

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from tinygrad_lite import Value, gradcheck, manual_seed, nn, optim
from tinygrad_lite.nested import entries
from tinygrad_lite.nn.attention import scaled_dot_product_attention


# ---- a gradient check for a whole layer: every parameter and every input entry -------------

def _set(tensor, index, value):
    for i in index[:-1]:
        tensor = tensor[i]
    tensor[index[-1]] = value


def _rebuild(template, values):
    it = iter(values)

    def build(item):
        if isinstance(item, (list, tuple)):
            return [build(sub) for sub in item]
        return next(it)
    return build(template)


def layer_gradcheck(layer, x, forward=None, seed=0):
    """gradcheck of Σ c_i·output_i (fixed random c) in every parameter and input entry."""
    forward = forward or (lambda m, inp: m(inp))
    slots = [(tensor, index) for _, tensor in layer.named_tensors()
             for index, _ in entries(tensor)]
    originals = [v for _, tensor in layer.named_tensors() for _, v in entries(tensor)]
    inputs = [v for _, v in entries(x)]
    point = [v.data for v in originals] + [float(v.data if isinstance(v, Value) else v)
                                           for v in inputs]
    rng = random.Random(seed)
    coefficients = {}

    def f(*values):
        for (tensor, index), v in zip(slots, values):
            _set(tensor, index, v)
        out = forward(layer, _rebuild(x, values[len(slots):]))
        flat = [v for _, v in entries(out)]
        total = None
        for i, v in enumerate(flat):
            c = coefficients.setdefault(i, rng.uniform(0.5, 1.5))
            total = v * c if total is None else total + v * c
        return total

    try:
        return gradcheck(f, point)
    finally:
        for (tensor, index), v in zip(slots, originals):
            _set(tensor, index, v)


# ---- Dense --------------------------------------------------------------------------------------

def test_dense_by_hand_and_layout():
    layer = nn.Dense(2, 2)
    layer.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": [0.5, -1.0]})
    assert [v.data for v in layer([1.0, -1.0])] == [1 - 2 + 0.5, 3 - 4 - 1]
    assert len(layer.weight) == 2 and len(layer.weight[0]) == 2       # out × in
    relu = nn.Dense(2, 2, activation="relu")
    relu.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": [0.5, -1.0]})
    assert [v.data for v in relu([1.0, -1.0])] == [0.0, 0.0]
    custom = nn.Dense(1, 1, bias=False, activation=lambda v: v * v)
    custom.weight[0][0].data = 3.0
    assert custom([2.0])[0].data == 36.0 and custom.bias is None


@settings(max_examples=25)
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([None, "tanh", "sigmoid"]),
       st.integers(0, 10 ** 6))
def test_dense_gradients(n_in, n_out, activation, seed):
    layer = nn.Dense(n_in, n_out, activation=activation, rng=random.Random(seed))
    x = [random.Random(seed + 1).uniform(-2, 2) for _ in range(n_in)]
    assert layer_gradcheck(layer, x)


def test_dense_tutorial_names():
    layer = nn.Dense(3, 4, names=("θ", "b"))
    assert [[v.name for v in row] for row in layer.weight][3] == ["θ41", "θ42", "θ43"]
    assert [v.name for v in layer.bias] == ["b1", "b2", "b3", "b4"]


def test_dense_errors():
    with pytest.raises(ValueError, match=r"Dense\(3→4\) expected 3 inputs, got 4"):
        nn.Dense(3, 4)([1, 2, 3, 4])
    with pytest.raises(TypeError, match=r"element 1 is str"):
        nn.Dense(2, 1)([1.0, "a"])
    with pytest.raises(TypeError, match="got a single int"):
        nn.Dense(1, 1)(3)
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Dense(0, 1)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.Dense(1, 1, activation="swish")


# ---- convolutions and pooling -------------------------------------------------------------------

def test_conv1d_is_cross_correlation():
    layer = nn.Conv1d(1, 1, 2)
    layer.load_state_dict({"weight": [[[1.0, -1.0]]], "bias": [0.0]})
    assert [v.data for v in layer([[1.0, 3.0, 6.0]])[0]] == [1 - 3, 3 - 6]   # not flipped


def test_conv1d_stride_padding_by_hand():
    layer = nn.Conv1d(1, 1, 3, stride=2, padding=1, bias=False)
    layer.load_state_dict({"weight": [[[1.0, 10.0, 100.0]]]})
    # padded input [0, 1, 2, 3, 4, 0]; windows at 0 and 2: [0,1,2] and [2,3,4]
    assert [v.data for v in layer([[1.0, 2.0, 3.0, 4.0]])[0]] == [210.0, 432.0]


def test_conv2d_by_hand():
    layer = nn.Conv2d(1, 1, 2)
    layer.load_state_dict({"weight": [[[[1.0, 0.0], [0.0, -1.0]]]], "bias": [0.5]})
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    out = layer(x)
    assert [[v.data for v in row] for row in out[0]] == [[1 - 5 + 0.5, 2 - 6 + 0.5],
                                                         [4 - 8 + 0.5, 5 - 9 + 0.5]]


@settings(max_examples=15)
@given(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.integers(1, 2),
       st.integers(0, 1), st.integers(0, 10 ** 6))
def test_conv2d_gradients(c_in, c_out, kernel, stride, padding, seed):
    rng = random.Random(seed)
    layer = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, rng=rng)
    x = [[[rng.uniform(-1, 1) for _ in range(3)] for _ in range(3)] for _ in range(c_in)]
    assert layer_gradcheck(layer, x)


@settings(max_examples=15)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 10 ** 6))
def test_conv1d_gradients(c_in, c_out, kernel, seed):
    rng = random.Random(seed)
    layer = nn.Conv1d(c_in, c_out, kernel, padding=1, rng=rng)
    assert layer_gradcheck(layer, [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(c_in)])


def test_maxpool_sends_the_gradient_to_the_arg_max():
    image = [[[Value(float(v)) for v in row] for row in
              [[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 7], [6, 1, 3, 2]]]]
    out = nn.MaxPool2d(2)(image)
    assert [[v.data for v in row] for row in out[0]] == [[5, 8], [6, 7]]
    total = out[0][0][0] + out[0][0][1] + out[0][1][0] + out[0][1][1]
    total.backward()
    grads = [[v.grad for v in row] for row in image[0]]
    assert grads == [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]


def test_maxpool_ties_go_to_the_first_and_flatten():
    image = [[[Value(2.0), Value(2.0)], [Value(1.0), Value(2.0)]]]
    (top,) = nn.Flatten()(nn.MaxPool2d(2)(image))
    top.backward()
    assert [v.grad for v in nn.Flatten()(image)] == [1.0, 0.0, 0.0, 0.0]


def test_conv_errors():
    with pytest.raises(ValueError, match=r"expected input of shape \[2, H, W\].*got shape \[1, 3, 3\]"):
        nn.Conv2d(2, 1, 2)([[[1.0] * 3] * 3])
    with pytest.raises(ValueError, match="smaller than the kernel"):
        nn.Conv2d(1, 1, 4)([[[1.0] * 3] * 3])
    with pytest.raises(ValueError, match="ragged"):
        nn.Conv1d(1, 1, 1)([[1.0, [2.0]]])
    with pytest.raises(ValueError, match="kernel_size must be an int >= 1"):
        nn.Conv2d(1, 1, 0)
    with pytest.raises(TypeError, match=r"input\[0\]\[1\] is str"):
        nn.Conv1d(1, 1, 1)([[1.0, "x"]])


# ---- embedding, RNN, attention ------------------------------------------------------------------

def test_embedding_returns_rows_that_receive_gradients():
    table = nn.Embedding(4, 2)
    rows = table([3, 1, 3])
    assert rows[0][0] is table.weight[3][0]
    total = rows[0][0] + rows[1][1] + rows[2][0]
    total.backward()
    assert table.weight[3][0].grad == 2.0 and table.weight[1][1].grad == 1.0
    assert table.weight[0][0].grad == 0.0


def test_embedding_errors():
    with pytest.raises(IndexError, match=r"indices\[1\]: index 4 is out of range 0…3"):
        nn.Embedding(4, 2)([0, 4])
    with pytest.raises(TypeError, match="an index must be an int, got float"):
        nn.Embedding(4, 2)(1.0)
    with pytest.raises(IndexError):
        nn.Embedding(4, 2)(-1)


def test_rnn_by_hand():
    rnn = nn.RNN(1, 1)
    rnn.load_state_dict({"weight_ih_l0": [[0.5]], "weight_hh_l0": [[-1.0]],
                         "bias_ih_l0": [0.0], "bias_hh_l0": [0.0]})
    outputs, h = rnn([[1.0], [2.0]])
    h1 = math.tanh(0.5)
    h2 = math.tanh(1.0 - h1)
    assert [o[0].data for o in outputs] == pytest.approx([h1, h2])
    assert h[0][0].data == pytest.approx(h2)            # h_n: one vector a layer, as torch
    assert list(rnn.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


@settings(max_examples=10)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 10 ** 6))
def test_rnn_gradients(n_in, hidden, steps, seed):
    rng = random.Random(seed)
    rnn = nn.RNN(n_in, hidden, rng=rng)
    seq = [[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(steps)]
    assert layer_gradcheck(rnn, seq, forward=lambda m, s: m(s)[0])


def test_rnn_errors():
    with pytest.raises(ValueError, match=r"RNN\(2→3\) expected a sequence\[1\] vector of 2"):
        nn.RNN(2, 3)([[1.0, 2.0], [1.0]])
    with pytest.raises(ValueError, match="nonlinearity must be"):
        nn.RNN(1, 1, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"hx\[0\] vector of 3"):
        nn.RNN(2, 3)([[1.0, 2.0]], hx=[0.0])
    with pytest.raises(ValueError, match=r"expected hx of 4 vectors of 3 \(layers × directions\)"):
        nn.RNN(2, 3, num_layers=2, bidirectional=True)([[1.0, 2.0]], hx=[[0.0] * 3])
    with pytest.raises(ValueError, match=r"hx must be the pair \(h0, c0\)"):
        nn.LSTM(2, 3)([[1.0, 2.0]], [[0.0] * 3])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_recurrent_layers_gradcheck(kind, layers, bidirectional):
    rng = random.Random(3)
    layer = getattr(nn, kind)(2, 2, num_layers=layers, bidirectional=bidirectional, rng=rng)
    sequence = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    assert layer_gradcheck(layer, sequence, forward=lambda m, s: m(s)[0])


def test_lstm_by_hand_one_step():
    lstm = nn.LSTM(1, 1)
    # gates i, f, g, o in torch's order: rows of weight_ih_l0
    lstm.load_state_dict({"weight_ih_l0": [[0.5], [-0.5], [1.0], [2.0]],
                          "weight_hh_l0": [[0.0]] * 4, "bias_ih_l0": [0.0] * 4,
                          "bias_hh_l0": [0.1, 0.2, 0.3, 0.4]})
    outputs, (h, c) = lstm([[1.0]], ([0.0], [0.5]))
    s = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    c1 = s(-0.5 + 0.2) * 0.5 + s(0.5 + 0.1) * math.tanh(1.0 + 0.3)
    h1 = s(2.0 + 0.4) * math.tanh(c1)
    assert c[0][0].data == pytest.approx(c1, rel=1e-12)
    assert h[0][0].data == pytest.approx(h1, rel=1e-12) == outputs[0][0].data
    assert list(lstm.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                       "bias_hh_l0"]


def test_scaled_dot_product_attention_by_hand():
    q, k, v = [[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [3.0, 4.0]]
    out = scaled_dot_product_attention(q, k, v)
    a = math.exp(1 / math.sqrt(2))
    w = [a / (a + 1), 1 / (a + 1)]
    assert [x.data for x in out[0]] == pytest.approx([w[0] + 3 * w[1], 2 * w[0] + 4 * w[1]])
    masked = scaled_dot_product_attention(q, k, v, attn_mask=[[False, True]])
    assert [x.data for x in masked[0]] == pytest.approx([3.0, 4.0])


def test_multihead_attention_reads_a_boolean_mask_as_torch_does():
    # torch.nn.MultiheadAttention: True = may NOT attend.  Query 0 is kept from key 1, so all
    # of its weight (averaged over the heads) is on key 0; query 1 sees both keys.
    mha = nn.MultiheadAttention(2, 1, rng=random.Random(0))
    seq = [[0.5, -1.0], [1.0, 0.25]]
    _, weights = mha(seq, attn_mask=[[False, True], [False, False]])
    assert [w.data for w in weights[0]] == [1.0, 0.0]
    assert 0.0 < weights[1][1].data < 1.0


def test_causal_attention_sees_only_the_past():
    seq = [[0.1, 0.2], [0.3, -0.1], [0.5, 0.5]]
    full = scaled_dot_product_attention(seq, seq, seq, is_causal=True)
    first = scaled_dot_product_attention(seq[:1], seq[:1], seq[:1])
    assert [x.data for x in full[0]] == [x.data for x in first[0]] == seq[0]


@settings(max_examples=8)
@given(st.sampled_from([(2, 1), (2, 2), (4, 2)]), st.integers(1, 3), st.booleans(),
       st.integers(0, 10 ** 6))
def test_multihead_attention_gradients(dims, length, causal, seed):
    embed, heads = dims
    rng = random.Random(seed)
    mha = nn.MultiheadAttention(embed, heads, rng=rng)
    for v in mha.parameters():                  # non-zero biases, so they are checked too
        v.data += rng.uniform(-0.1, 0.1)
    seq = [[rng.uniform(-1, 1) for _ in range(embed)] for _ in range(length)]
    mask = [[j > i for j in range(len(seq))] for i in range(len(seq))] if causal else None
    assert layer_gradcheck(mha, seq, forward=lambda m, s: m(s, attn_mask=mask,
                                                            is_causal=causal)[0])


def test_multihead_attention_layout_and_errors():
    mha = nn.MultiheadAttention(4, 2)
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"]
    assert len(mha.in_proj_weight) == 12 and len(mha.in_proj_weight[0]) == 4
    with pytest.raises(ValueError, match="must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match=r"query\[1\] vector of 4"):
        mha([[1.0] * 4, [1.0] * 3])


def test_one_head_with_identity_projections_is_plain_attention():
    mha = nn.MultiheadAttention(2, 1)
    mha.load_state_dict({"in_proj_weight": [[1.0, 0.0], [0.0, 1.0]] * 3,
                         "in_proj_bias": [0.0] * 6, "out_proj.weight": [[1.0, 0.0], [0.0, 1.0]],
                         "out_proj.bias": [0.0, 0.0]})
    seq = [[0.2, -0.4], [1.0, 0.5]]
    out, weights = mha(seq)
    expected = scaled_dot_product_attention(seq, seq, seq)
    assert [x.data for row in out for x in row] == \
        pytest.approx([x.data for row in expected for x in row])
    assert sum(w.data for w in weights[0]) == pytest.approx(1.0)


# ---- dropout ------------------------------------------------------------------------------------

def test_dropout_statistics_and_modes():
    drop = nn.Dropout(0.3, rng=random.Random(5))
    out = drop([1.0] * 20000)
    zeros = sum(v.data == 0.0 for v in out) / len(out)
    assert abs(zeros - 0.3) < 0.015
    assert {round(v.data, 12) for v in out} == {0.0, round(1 / 0.7, 12)}
    assert abs(sum(v.data for v in out) / len(out) - 1.0) < 0.03     # unbiased
    drop.eval()
    x = [Value(1.0), Value(2.0)]
    assert drop(x) is x
    a = nn.Dropout(0.5, rng=random.Random(9))([1.0] * 50)
    b = nn.Dropout(0.5, rng=random.Random(9))([1.0] * 50)
    assert [v.data for v in a] == [v.data for v in b]
    assert [v.data for v in nn.Dropout(1.0)([3.0, 4.0])] == [0.0, 0.0]


def test_dropout_in_a_model_follows_train_and_eval():
    model = nn.Sequential(nn.Dense(3, 3), nn.Dropout(0.9, rng=random.Random(0)))
    model.eval()
    assert not model[1].training
    first = [v.data for v in model([1.0, 2.0, 3.0])]
    assert first == [v.data for v in model([1.0, 2.0, 3.0])]
    model.train()
    assert model[1].training


@pytest.mark.parametrize("p", [-0.1, 1.5, "half", True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="p must be a probability in"):
        nn.Dropout(p)


# ---- activations and softmax --------------------------------------------------------------------

def test_activation_modules():
    x = [-1.0, 0.0, 2.0]
    assert [v.data for v in nn.ReLU()(x)] == [0.0, 0.0, 2.0]
    assert [v.data for v in nn.Tanh()(x)] == [math.tanh(v) for v in x]
    assert nn.Sigmoid()(Value(0.0)).data == 0.5
    assert [v.data for v in nn.Identity()(x)] == x


def test_softmax_is_stable_and_sums_to_one():
    from tinygrad_lite.functional import softmax, log_softmax
    p = softmax([1000.0, 1001.0, 999.0])
    assert sum(v.data for v in p) == pytest.approx(1.0)
    e = math.exp(1)
    assert p[1].data == pytest.approx(e / (1 + e + 1 / e))
    assert [v.data for v in log_softmax([1000.0, 1001.0])] == pytest.approx(
        [-math.log1p(e), 1 - math.log1p(e)])
    assert gradcheck(lambda a, b, c: softmax([a, b, c])[0] * 2 + log_softmax([a, b, c])[2],
                     [0.3, -1.2, 2.0])


# ---- the Module API ------------------------------------------------------------------------------

def test_named_parameters_are_stable_and_readable():
    manual_seed(0)
    model = nn.Sequential(nn.Dense(2, 3), nn.Dense(3, 1))
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["0.weight[0][0]", "0.weight[0][1]", "0.weight[1][0]"]
    assert names[-1] == "1.bias[0]" and len(names) == 2 * 3 + 3 + 3 + 1
    manual_seed(0)
    again = nn.Sequential(nn.Dense(2, 3), nn.Dense(3, 1))
    assert model.state_dict() == again.state_dict()       # one seed, one network


def test_zero_grad_and_repr():
    model = nn.Sequential(nn.Dense(2, 2, activation="tanh"), nn.Dense(2, 1))
    out = model([1.0, 2.0])[0]
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    text = repr(model)
    assert "(0): Dense(in_features=2, out_features=2, activation='tanh')  # 6 parameters" in text
    assert text.endswith(")  # 9 parameters")


def test_pytorch_default_initialisation_bounds():
    layer = nn.Dense(16, 4, rng=random.Random(0))
    bound = 1 / math.sqrt(16)
    assert all(abs(v.data) <= bound for v in layer.parameters())
    assert max(abs(v.data) for v in layer.parameters()) > 0.8 * bound


def test_module_subclass_must_call_super_init():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Dense(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\)\.__init__\(\) before assigning"):
        Broken()


def test_custom_module():
    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_parameter("scale", [Value(2.0)])
            self.inner = nn.Dense(1, 1)

        def forward(self, x):
            return self.inner([x * self.scale[0]])[0]

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == ["scale[0]", "inner.weight[0][0]",
                                                    "inner.bias[0]"]
    assert isinstance(m(Value(1.0)), Value)


@pytest.mark.parametrize("module", [nn.GELU(), nn.ELU(0.7), nn.SiLU(), nn.LeakyReLU(0.1),
                                    nn.Softmax(), nn.LogSoftmax()],
                         ids=["GELU", "ELU", "SiLU", "LeakyReLU", "Softmax", "LogSoftmax"])
def test_activation_modules_gradcheck(module):
    x = [0.3, -1.2, 2.0, -0.05]
    assert layer_gradcheck(module, x)


def test_mlp_is_micrograds_shape_and_optimizers_say_what_to_pass():
    mlp = nn.MLP(2, [16, 16, 1])
    assert [len(layer.weight) for layer in mlp] == [16, 16, 1]
    assert mlp[0].activation_name == "relu" and mlp[2].activation_name is None
    with pytest.raises(TypeError, match=r"pass its parameters: SGD\(model.parameters\(\), …\)"):
        optim.SGD(mlp, lr=0.1)
    # any axis, as torch: dim=0 normalises each column
    columns = nn.Softmax(dim=0)([[1.0, 2.0], [3.0, 4.0]])
    assert columns[0][0].data + columns[1][0].data == pytest.approx(1.0, rel=1e-15)
    assert columns[0][0].data == pytest.approx(1 / (1 + math.exp(2)), rel=1e-14)
    with pytest.raises(ValueError, match="has 2 dimensions"):
        nn.Softmax(dim=2)([[1.0, 2.0], [3.0, 4.0]])


def test_embedding_padding_row_gets_no_gradient_and_indices_of_any_shape():
    table = nn.Embedding(5, 2, padding_idx=1, rng=random.Random(0))
    assert [v.data for v in table.weight[1]] == [0.0, 0.0]
    rows = table([[0, 1], [1, 3]])
    assert len(rows) == 2 and len(rows[0]) == 2 and len(rows[0][0]) == 2
    total = sum((v for pair in rows for row in pair for v in row), Value(0.0))
    total.backward()
    assert [v.grad for v in table.weight[1]] == [0.0, 0.0]
    assert [v.grad for v in table.weight[0]] == [1.0, 1.0] and table.weight[3][0].grad == 1.0
    with pytest.raises(ValueError, match="padding_idx must be an index of the 5 rows"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(IndexError, match=r"indices\[1\]\[0\]: index 9 is out of range"):
        table([[0], [9]])


def test_flatten_start_and_end_dims():
    x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]
    assert nn.Flatten()(x) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert nn.Flatten(1)(x) == [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]
    assert nn.Flatten(0, 1)(x) == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
    assert nn.Flatten(-2, -1)(x) == nn.Flatten(1)(x)
    with pytest.raises(ValueError, match="does not fit an input of 3 axes"):
        nn.Flatten(2, 1)(x)


@pytest.mark.parametrize("layer, shape", [
    (lambda r: nn.Conv1d(2, 2, 3, dilation=2, padding="same", groups=2, rng=r), (2, 6)),
    (lambda r: nn.Conv2d(2, 2, (2, 3), dilation=(1, 2), padding=1, rng=r), (2, 4, 5)),
    (lambda r: nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (2, 7)),
    (lambda r: nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (1, 5, 5)),
], ids=["Conv1d-same-dilated-groups", "Conv2d-dilated", "MaxPool1d-ceil", "AvgPool2d-ceil"])
def test_convolution_and_pooling_options_gradcheck(layer, shape):
    rng = random.Random(5)
    from tinygrad_lite.nested import full
    x = full(shape, lambda index: rng.uniform(-1, 1))
    assert layer_gradcheck(layer(rng), x)


def test_convolution_option_errors():
    with pytest.raises(ValueError, match="must be divisible by groups"):
        nn.Conv1d(3, 4, 2, groups=2)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of zeros, reflect"):
        nn.Conv1d(1, 1, 2, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"kernel_size must be an int or 1 ints"):
        nn.Conv1d(1, 1, (2, 2))


def test_to_torch_without_torch_says_how_to_get_it(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install -e '.\[torch\]'"):
        nn.to_torch(nn.Dense(2, 1))


def test_multihead_attention_dropout_acts_in_training_only():
    seq = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.0, -0.5, 0.3], [-0.3, 0.8, 0.1, -0.7]]
    plain = nn.MultiheadAttention(4, 2, rng=random.Random(1))
    dropped = nn.MultiheadAttention(4, 2, dropout=0.5, rng=random.Random(1))
    dropped.load_state_dict(plain.state_dict())
    _, w_plain = plain(seq)
    _, w_train = dropped(seq)
    dropped.eval()
    _, w_eval = dropped(seq)
    flat = lambda w: [x.data for row in w for x in row]  # noqa: E731
    assert flat(w_eval) == flat(w_plain)
    assert flat(w_train) != flat(w_plain)
    assert all(x in (0.0,) or x > 0 for x in flat(w_train))


@settings(max_examples=6)
@given(st.integers(0, 10 ** 6))
def test_multihead_attention_with_masks_and_other_dims_gradcheck(seed):
    rng = random.Random(seed)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, rng=rng)
    for v in mha.parameters():
        v.data += rng.uniform(-0.1, 0.1)
    key = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(3)]
    value = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    seq = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(2)]
    assert layer_gradcheck(mha, seq, forward=lambda m, s: m(
        s, key, value, key_padding_mask=[False, True, False],
        attn_mask=[[0.0, 0.0, -0.5], [0.25, 0.0, 0.0]])[0])


@pytest.mark.parametrize("layer, x", [
    (lambda r: nn.Dense(2, 2, activation="tanh", rng=r), [[0.3, -0.2], [1.0, 0.5]]),
    (lambda r: nn.Conv1d(1, 2, 2, rng=r), [[[0.1, 0.4, -0.3]], [[0.2, -0.5, 0.9]]]),
    (lambda r: nn.GRU(2, 2, batch_first=True, rng=r),
     [[[0.1, 0.4], [-0.3, 0.2]], [[0.5, -0.5], [0.9, 0.0]]]),
], ids=["Dense", "Conv1d", "GRU"])
def test_batched_layers_gradcheck(layer, x):
    forward = (lambda m, s: m(s)[0]) if "GRU" in str(layer(random.Random(0))) else None
    assert layer_gradcheck(layer(random.Random(2)), x, forward=forward)
