"""Recurrent layers with PyTorch's equations, parameter names, layouts and shapes.

    RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
        batch_first=False, dropout=0.0, bidirectional=False)
        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
         bidirectional=False)
        i, f, g, o = σ, σ, tanh, σ of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), in that order
        c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
        bidirectional=False)
        r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

Parameters, per layer l and direction (suffix "_reverse" for the backward one), registered
in torch's order: weight_ih_l{l} (gates·hidden × input: the gates stacked as torch stacks
them), weight_hh_l{l} (gates·hidden × hidden), bias_ih_l{l}, bias_hh_l{l}; all start
U(-1/√hidden, 1/√hidden), as in torch.

``forward(input, hx=None)`` takes one sequence — a list of input vectors, torch's unbatched
(L, input_size) — or a batch, (L, N, input_size) or with ``batch_first`` (N, L, input_size),
and returns (outputs, h_n) with outputs the vectors of the last layer (both directions
concatenated), laid out as the input, and h_n the final state of every layer and direction,
(num_layers·directions) vectors, or (num_layers·directions, N, hidden) for a batch; LSTM's hx
and second result are the pairs (h, c).  A one-layer, one-direction h0 may be given as one
vector.  ``dropout`` drops the outputs of every layer but the last, in training mode, as torch.
"""

import math

from ..engine import Value
from ..functional import dot
from ..seeding import resolve_rng
from .checks import as_vector, positive_int
from .init import uniform
from .module import Module

__all__ = ["RNN", "LSTM", "GRU"]


class _Recurrent(Module):
    """The shared part: parameters per layer and direction, and the walk over the sequence."""

    gates = 1
    kind = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, rng=None):
        super().__init__()
        name = type(self).__name__
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or \
                not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.dropout = float(dropout)
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        self.num_layers = positive_int(name, "num_layers", num_layers)
        self.has_bias, self.batch_first = bool(bias), bool(batch_first)
        self.directions = 2 if bidirectional else 1
        rng = resolve_rng(rng, name)
        object.__setattr__(self, "rng", rng)     # also draws the dropout masks
        bound = 1.0 / math.sqrt(hidden_size)
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self.directions
            for suffix in ("", "_reverse")[:self.directions]:
                self.register_parameter(f"weight_ih_l{layer}{suffix}",
                                        uniform((rows, width), bound, rng))
                self.register_parameter(f"weight_hh_l{layer}{suffix}",
                                        uniform((rows, hidden_size), bound, rng))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{suffix}",
                                            uniform((rows,), bound, rng))
                    self.register_parameter(f"bias_hh_l{layer}{suffix}",
                                            uniform((rows,), bound, rng))

    def _where(self):
        return f"{type(self).__name__}({self.input_size}→{self.hidden_size})"

    def _parameters_of(self, layer, suffix):
        key = f"l{layer}{suffix}"
        w_ih, w_hh = getattr(self, f"weight_ih_{key}"), getattr(self, f"weight_hh_{key}")
        if self.has_bias:
            return w_ih, w_hh, getattr(self, f"bias_ih_{key}"), getattr(self, f"bias_hh_{key}")
        return w_ih, w_hh, [None] * len(w_ih), [None] * len(w_hh)

    def _states(self, given, what):
        """The initial states: zeros, or (layers·directions) vectors (one vector if that is 1)."""
        count, where = self.num_layers * self.directions, self._where()
        if given is None:
            return [[Value(0.0) for _ in range(self.hidden_size)] for _ in range(count)]
        if count == 1 and given and not isinstance(given[0], (list, tuple)):
            given = [given]
        if not isinstance(given, (list, tuple)) or len(given) != count:
            raise ValueError(f"{where} expected {what} of {count} vectors of "
                             f"{self.hidden_size} (layers × directions)")
        return [as_vector(where, h, self.hidden_size, f"{what}[{i}]") for i, h in enumerate(given)]

    def _run(self, sequence, states):
        """Every layer and direction over the sequence; states: one per layer·direction (for
        LSTM a pair).  Returns (the last layer's outputs, the final states)."""
        where = self._where()
        if not isinstance(sequence, (list, tuple)) or not sequence:
            raise TypeError(f"{where} expected a non-empty list of input vectors")
        xs = [as_vector(where, x, self.input_size, f"sequence[{t}]")
              for t, x in enumerate(sequence)]
        finals = []
        for layer in range(self.num_layers):
            outputs_by_direction = []
            for d, suffix in enumerate(("", "_reverse")[:self.directions]):
                params = self._parameters_of(layer, suffix)
                state = states[layer * self.directions + d]
                order = range(len(xs)) if d == 0 else range(len(xs) - 1, -1, -1)
                outs = [None] * len(xs)
                for t in order:
                    state = self.cell(xs[t], state, params)
                    outs[t] = state[0] if isinstance(state, tuple) else state
                outputs_by_direction.append(outs)
                finals.append(state)
            xs = [[v for outs in outputs_by_direction for v in outs[t]] for t in range(len(xs))]
            if self.training and self.dropout and layer < self.num_layers - 1:
                xs = self._dropped(xs)           # between stacked layers, as torch
        return xs, finals

    def _dropped(self, xs):
        keep = 0.0 if self.dropout == 1.0 else 1.0 / (1.0 - self.dropout)
        return [[v * (0.0 if self.rng.random() < self.dropout else keep) for v in x] for x in xs]

    def forward(self, input, hx=None):
        """(outputs, h_n) for one sequence or a batch (see the module docstring); ``hx`` the
        initial states, torch's keyword."""
        samples = self._batch(input)
        if samples is not None:
            self._check_batch(hx, len(samples), "hx")
            return self._join([self.forward(x, self._sample_state(hx, n))
                               for n, x in enumerate(samples)])
        return self._run(input, self._states(hx, "hx"))

    def _check_batch(self, state, n, what):
        """A batched initial state must be (layers·directions, N, hidden) for this batch's N."""
        if state is None:
            return
        for i, layer in enumerate(state):
            if not isinstance(layer, (list, tuple)) or len(layer) != n:
                got = len(layer) if isinstance(layer, (list, tuple)) else "no"
                raise ValueError(f"{self._where()}: the input is a batch of {n}, but {what}[{i}] "
                                 f"has {got} entries (expected (layers·directions, {n}, "
                                 f"{self.hidden_size}))")

    def _batch(self, sequence):
        """The samples of a batched sequence — (L, N, input) or, with batch_first, (N, L,
        input) — or None for one unbatched sequence (L, input)."""
        if not (isinstance(sequence, (list, tuple)) and sequence and
                isinstance(sequence[0], (list, tuple)) and sequence[0] and
                isinstance(sequence[0][0], (list, tuple))):
            return None
        if self.batch_first:
            return [list(sample) for sample in sequence]
        return [[step[n] for step in sequence] for n in range(len(sequence[0]))]

    def _join(self, per_sample):
        """Per-sample (outputs, finals) back in torch's batched layout."""
        outputs = [out for out, _ in per_sample]
        joined = outputs if self.batch_first else \
            [[outputs[n][t] for n in range(len(outputs))] for t in range(len(outputs[0]))]
        finals = [f for _, f in per_sample]
        if isinstance(finals[0], tuple):                 # LSTM: (h_n, c_n)
            return joined, tuple([[sample[k][i] for sample in finals]
                                  for i in range(len(finals[0][k]))] for k in range(2))
        return joined, [[sample[i] for sample in finals] for i in range(len(finals[0]))]

    @staticmethod
    def _sample_state(state, n):
        """Sample n's initial states from batched ones, (layers·directions, N, hidden)."""
        return None if state is None else [layer[n] for layer in state]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if not self.has_bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.directions == 2:
            text += ", bidirectional=True"
        return text


def _gate(w_ih, w_hh, b_ih, b_hh, x, h, k, hidden):
    """Rows k·hidden … (k+1)·hidden: W_ih x + b_ih + W_hh h + b_hh for gate k."""
    rows = range(k * hidden, (k + 1) * hidden)
    return [dot(w_ih[r], x, b_ih[r]) + dot(w_hh[r], h, b_hh[r]) for r in rows]


class RNN(_Recurrent):
    """Elman recurrent layers (torch.nn.RNN); see the module docstring."""

    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, rng=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, rng)
        self.nonlinearity = nonlinearity

    def cell(self, x, h, params):
        z = _gate(*params, x, h, 0, self.hidden_size)
        return [v.tanh() if self.nonlinearity == "tanh" else v.relu() for v in z]


    def extra_repr(self):
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTM(_Recurrent):
    """Long short-term memory layers (torch.nn.LSTM): gates i, f, g, o in torch's order."""

    gates = 4

    def cell(self, x, state, params):
        h, c = state
        H = self.hidden_size
        i, f, g, o = (_gate(*params, x, h, k, H) for k in range(4))
        c = [fk.sigmoid() * ck + ik.sigmoid() * gk.tanh() for ik, fk, gk, ck in zip(i, f, g, c)]
        h = [ok.sigmoid() * ck.tanh() for ok, ck in zip(o, c)]
        return h, c

    def forward(self, input, hx=None):
        if hx is None:
            h0 = c0 = None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            h0, c0 = hx
        else:
            raise ValueError(f"{self._where()}: hx must be the pair (h0, c0), as in torch")
        samples = self._batch(input)
        if samples is not None:
            self._check_batch(h0, len(samples), "hx[0] (h0)")
            self._check_batch(c0, len(samples), "hx[1] (c0)")
            return self._join([self.forward(x, None if hx is None else
                                            (self._sample_state(h0, n), self._sample_state(c0, n)))
                               for n, x in enumerate(samples)])
        states = list(zip(self._states(h0, "h0"), self._states(c0, "c0")))
        outputs, finals = self._run(input, states)
        return outputs, ([h for h, _ in finals], [c for _, c in finals])


class GRU(_Recurrent):
    """Gated recurrent units (torch.nn.GRU): gates r, z, n in torch's order."""

    gates = 3

    def cell(self, x, h, params):
        w_ih, w_hh, b_ih, b_hh = params
        H = self.hidden_size
        r = [v.sigmoid() for v in _gate(w_ih, w_hh, b_ih, b_hh, x, h, 0, H)]
        z = [v.sigmoid() for v in _gate(w_ih, w_hh, b_ih, b_hh, x, h, 1, H)]
        n = [(dot(w_ih[2 * H + j], x, b_ih[2 * H + j]) +
              r[j] * dot(w_hh[2 * H + j], h, b_hh[2 * H + j])).tanh() for j in range(H)]
        return [(1.0 - zj) * nj + zj * hj for zj, nj, hj in zip(z, n, h)]

