"""Attention: scaled dot-product attention and multi-head attention (PyTorch's math and layout).

    scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None)
    MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None)
        in_proj_weight (3E × E) — or q/k/v_proj_weight when kdim/vdim differ — in_proj_bias
        (3E), out_proj.weight (E × E), out_proj.bias (E)

Sequences are lists of vectors: torch's unbatched input, no batch dimension.
"""

import math

from ..engine import Value
from ..functional import dot, softmax
from ..seeding import resolve_rng
from .checks import as_vector, positive_int
from .dense import Dense
from .init import xavier_uniform, zeros
from .dropout import Dropout
from .module import Module

__all__ = ["scaled_dot_product_attention", "MultiheadAttention"]


def _sequence(name, xs, dim=None, layer="scaled_dot_product_attention"):
    """``xs`` (called ``name``) as a list of vectors of ``dim`` Values; errors say ``layer``."""
    if not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f"{layer}: {name} must be a non-empty list of vectors")
    dim = len(xs[0]) if dim is None else dim
    return [as_vector(layer, x, dim, f"{name}[{t}]") for t, x in enumerate(xs)]


def _allowed(attn_mask, is_causal, L, S):
    """allowed[i][j]: may query i attend to key j?  (and an additive float mask, or None)"""
    allowed = [[not is_causal or j <= i for j in range(S)] for i in range(L)]
    additive = None
    if attn_mask is not None:
        if len(attn_mask) != L or any(len(row) != S for row in attn_mask):
            raise ValueError(f"scaled_dot_product_attention: attn_mask must be {L}×{S} "
                             "(queries × keys)")
        if all(isinstance(m, bool) for row in attn_mask for m in row):
            allowed = [[a and m for a, m in zip(ra, rm)] for ra, rm in zip(allowed, attn_mask)]
        else:
            additive = attn_mask
    return allowed, additive


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False,
                                 scale=None, return_weights=False, dropout=None):
    """softmax(q·kᵀ·scale + mask)·v for each query vector; scale defaults to 1/√(dim of q).

    ``attn_mask``: L×S booleans or floats added to the scores.  A boolean mask here keeps
    the meaning of ``torch.nn.functional.scaled_dot_product_attention``: True = this key
    *takes part* (the opposite of ``MultiheadAttention``'s, where True = masked out).
    ``is_causal``: query i attends to keys 0…i.  A query that may attend to no key gets NaN
    outputs and weights, as in PyTorch.  With ``return_weights`` also returns the L×S weights.
    """
    q = _sequence("query", query)
    k = _sequence("key", key, len(q[0]))
    v = _sequence("value", value)
    if len(k) != len(v):
        raise ValueError(f"scaled_dot_product_attention: {len(k)} keys but {len(v)} values")
    scale = 1.0 / math.sqrt(len(q[0])) if scale is None else scale
    allowed, additive = _allowed(attn_mask, is_causal, len(q), len(k))
    outputs, weights = [], []
    for i, qi in enumerate(q):
        keys = [j for j in range(len(k)) if allowed[i][j]]
        if not keys:                         # every key masked: NaN, as torch's softmax gives
            outputs.append([Value(math.nan) for _ in range(len(v[0]))])
            weights.append([Value(math.nan) for _ in range(len(k))])
            continue
        scores = []
        for j in keys:
            s = dot(qi, k[j]) * scale
            scores.append(s + additive[i][j] if additive is not None else s)
        p = softmax(scores)
        if dropout is not None:              # a Dropout module (training): drops weights
            p = dropout(p)
        outputs.append([dot(p, [v[j][d] for j in keys]) for d in range(len(v[0]))])
        row = [Value(0.0)] * len(k)
        for j, pj in zip(keys, p):
            row[j] = pj
        weights.append(row)
    return (outputs, weights) if return_weights else outputs


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention for one sequence (torch's unbatched input, (L, E)).

    ``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None,
    batch_first=False)``: with kdim or vdim other than embed_dim the projections are
    q_proj_weight, k_proj_weight and v_proj_weight instead of in_proj_weight, as in torch;
    in_proj_weight starts Xavier-uniform, biases at 0; ``dropout`` drops attention weights in
    training mode; a batch is (L, N, E), or with ``batch_first`` (N, L, E).

    ``forward(query, key=None, value=None, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` returns (outputs, weights):
    the weights averaged over the heads, or per head (num_heads × L × S), or None without
    need_weights; key and value default to the query (self-attention).  Boolean masks mean
    what they mean in torch.nn.MultiheadAttention: True = this query may NOT attend to this
    key (the opposite of ``scaled_dot_product_attention``'s); ``key_padding_mask`` (one entry
    per key) masks a key for every query; float masks are added to the scores.
    ``is_causal=True`` is torch's hint that attn_mask is the causal mask, so attn_mask must be
    given with it (as torch requires).  A query whose every key is masked gets NaN, as in torch.
    For a batch, key_padding_mask is N × S and attn_mask L × S or (N·num_heads) × L × S, and
    key and value have the query's batch size; a size that differs is a ValueError naming
    both.  The weights come per sample (N × L × S, or N × heads × L × S).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None,
                 batch_first=False, rng=None):
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = positive_int(name, "embed_dim", embed_dim)
        self.num_heads = positive_int(name, "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        self.kdim = embed_dim if kdim is None else positive_int(name, "kdim", kdim)
        self.vdim = embed_dim if vdim is None else positive_int(name, "vdim", vdim)
        self.same_dims = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first = bool(batch_first)
        rng = resolve_rng(rng, name)
        E = embed_dim
        if self.same_dims:
            self.register_parameter("in_proj_weight", xavier_uniform((3 * E, E), rng))
        else:
            self.register_parameter("q_proj_weight", xavier_uniform((E, E), rng))
            self.register_parameter("k_proj_weight", xavier_uniform((E, self.kdim), rng))
            self.register_parameter("v_proj_weight", xavier_uniform((E, self.vdim), rng))
        self.has_bias = bool(bias)
        if bias:
            self.register_parameter("in_proj_bias", zeros((3 * E,)))
        self.out_proj = Dense(E, E, bias=bias, rng=rng)
        if bias:
            for b in self.out_proj.bias:
                b.data = 0.0
        self.dropout = Dropout(dropout, rng=rng)

    def _project(self, xs, part):
        E = self.embed_dim
        if self.same_dims:
            rows = self.in_proj_weight[part * E:(part + 1) * E]
        else:
            rows = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[part]
        biases = self.in_proj_bias[part * E:(part + 1) * E] if self.has_bias else [None] * E
        return [[dot(row, x, b) for row, b in zip(rows, biases)] for x in xs]

    def forward(self, query, key=None, value=None, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        if is_causal and attn_mask is None:
            raise ValueError(f"{self._name()}: is_causal=True is a hint that attn_mask is the "
                             "causal mask, so give attn_mask too, as torch requires (True above "
                             "the diagonal: [[j > i for j in range(S)] for i in range(L)])")
        if _rank(query) == 3:                   # a batch: (L, N, E), or (N, L, E) batch_first
            return self._batched(query, key, value, key_padding_mask, need_weights, attn_mask,
                                 average_attn_weights, is_causal)
        return self._one(query, key, value, key_padding_mask, need_weights, attn_mask,
                         average_attn_weights, is_causal)

    def _batched(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                 average_attn_weights, is_causal):
        def samples(x):
            if x is None:
                return None
            return [list(s) for s in x] if self.batch_first else \
                [[step[n] for step in x] for n in range(len(x[0]))]
        qs, ks, vs = samples(query), samples(key), samples(value)
        H, N, name = self.num_heads, len(qs), self._name()
        for what, xs in (("key", ks), ("value", vs), ("key_padding_mask", key_padding_mask)):
            if xs is not None and len(xs) != N:
                raise ValueError(f"{name}: the query is a batch of {N}, but {what} has {len(xs)} "
                                 f"(batch entries; {'rows' if what == 'key_padding_mask' else 'samples'})")
        if attn_mask is not None and _rank(attn_mask) == 3 and len(attn_mask) != N * H:
            raise ValueError(f"{name}: a 3-D attn_mask for a batch of {N} and {H} heads needs "
                             f"{N * H} masks, got {len(attn_mask)}")
        results = []
        for n, q in enumerate(qs):
            mask = attn_mask
            if attn_mask is not None and _rank(attn_mask) == 3:      # (N·heads, L, S)
                mask = attn_mask[n * H:(n + 1) * H]
            try:
                results.append(self._one(q, None if ks is None else ks[n],
                                         None if vs is None else vs[n],
                                         None if key_padding_mask is None else key_padding_mask[n],
                                         need_weights, mask, average_attn_weights, is_causal))
            except (ValueError, TypeError) as error:
                raise type(error)(f"{error} (sample {n} of a batch of {N})") from None
        outputs = [out for out, _ in results]
        if not self.batch_first:
            outputs = [[outputs[n][t] for n in range(len(outputs))]
                       for t in range(len(outputs[0]))]
        weights = None if not need_weights else [w for _, w in results]
        return outputs, weights

    def _name(self):
        return f"MultiheadAttention({self.embed_dim}, {self.num_heads})"

    def _one(self, query, key, value, key_padding_mask, need_weights, attn_mask,
             average_attn_weights, is_causal):
        name = self._name()
        query = _sequence("query", query, self.embed_dim, name)
        key = query if key is None else _sequence("key", key, self.kdim, name)
        value = key if value is None else _sequence("value", value, self.vdim, name)
        if len(key) != len(value):
            raise ValueError(f"{name}: {len(key)} keys but {len(value)} values")
        q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        per_head_masks = attn_mask is not None and _rank(attn_mask) == 3   # (heads, L, S)
        if per_head_masks and len(attn_mask) != self.num_heads:
            raise ValueError(f"{name}: a 3-D attn_mask needs one L×S mask per head "
                             f"({self.num_heads}), got {len(attn_mask)}")
        masks = [_merged_mask(attn_mask[h] if per_head_masks else attn_mask, key_padding_mask,
                              len(query), len(key), name)
                 for h in range(self.num_heads if per_head_masks else 1)]
        dropout = self.dropout if self.training and self.dropout.p > 0 else None
        d = self.head_dim
        heads, per_head = [], []
        for h in range(self.num_heads):
            part = slice(h * d, (h + 1) * d)
            out, weights = scaled_dot_product_attention(
                [x[part] for x in q], [x[part] for x in k], [x[part] for x in v],
                attn_mask=masks[h if per_head_masks else 0], is_causal=is_causal,
                return_weights=True, dropout=dropout)
            heads.append(out)
            per_head.append(weights)
        concatenated = [[x for head in heads for x in head[t]] for t in range(len(query))]
        outputs = [self.out_proj(x) for x in concatenated]
        if not need_weights:
            return outputs, None
        if not average_attn_weights:
            return outputs, per_head
        total = per_head[0]
        for weights in per_head[1:]:
            total = [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(total, weights)]
        return outputs, [[w / self.num_heads for w in row] for row in total]

    def extra_repr(self):
        text = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if not self.same_dims:
            text += f", kdim={self.kdim}, vdim={self.vdim}"
        if self.batch_first:
            text += ", batch_first=True"
        return text


def _rank(x):
    depth = 0
    while isinstance(x, (list, tuple)) and x:
        depth, x = depth + 1, x[0]
    return depth


def _merged_mask(attn_mask, key_padding_mask, L, S, name):
    """MultiheadAttention's masks (True = masked out, or floats added) as one mask for
    scaled_dot_product_attention: booleans True = takes part when both are boolean, else
    floats, a masked entry −inf (as torch merges them)."""
    if attn_mask is None and key_padding_mask is None:
        return None
    matrices = []
    if attn_mask is not None:
        if len(attn_mask) != L or any(len(row) != S for row in attn_mask):
            raise ValueError(f"{name}: attn_mask must be {L}×{S} (queries × keys)")
        matrices.append(attn_mask)
    if key_padding_mask is not None:
        if len(key_padding_mask) != S:
            raise ValueError(f"{name}: key_padding_mask needs one entry per key ({S}), got "
                             f"{len(key_padding_mask)}")
        matrices.append([list(key_padding_mask)] * L)
    if all(isinstance(m, bool) for matrix in matrices for row in matrix for m in row):
        return [[not any(matrix[i][j] for matrix in matrices) for j in range(S)]
                for i in range(L)]
    def as_float(m):
        return -math.inf if m is True else 0.0 if m is False else float(m.data if
                                                                          isinstance(m, Value)
                                                                          else m)
    return [[sum(as_float(matrix[i][j]) for matrix in matrices) for j in range(S)]
            for i in range(L)]
