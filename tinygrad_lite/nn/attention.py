"""Attention: scaled dot-product attention and multi-head attention (PyTorch's math and layout).

    scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None)
    MultiheadAttention(embed_dim, num_heads, bias=True)
        in_proj_weight (3E × E), in_proj_bias (3E), out_proj.weight (E × E), out_proj.bias (E)

Sequences are lists of vectors (no batch dimension); no dropout.
"""

import math

from ..engine import Value
from ..functional import dot, softmax
from ..seeding import resolve_rng
from .checks import as_vector, positive_int
from .dense import Dense
from .init import xavier_uniform, zeros
from .module import Module

__all__ = ["scaled_dot_product_attention", "MultiheadAttention"]


def _sequence(name, xs, dim=None):
    if not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f"{name} must be a non-empty list of vectors")
    dim = len(xs[0]) if dim is None else dim
    return [as_vector(name, x, dim, f"{name}[{t}]") for t, x in enumerate(xs)]


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
                                 scale=None, return_weights=False):
    """softmax(q·kᵀ·scale + mask)·v for each query vector; scale defaults to 1/√(dim of q).

    ``attn_mask``: L×S booleans or floats added to the scores.  A boolean mask here keeps
    the meaning of ``torch.nn.functional.scaled_dot_product_attention``: True = this key
    *takes part* (the opposite of ``MultiheadAttention``'s, where True = masked out). ``is_causal``: query i attends to keys 0…i.  A query that may attend to no key is
    an error (PyTorch would return NaN).  With ``return_weights`` also returns the L×S weights.
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
        if not keys:
            raise ValueError(f"scaled_dot_product_attention: query {i} may attend to no key")
        scores = []
        for j in keys:
            s = dot(qi, k[j]) * scale
            scores.append(s + additive[i][j] if additive is not None else s)
        p = softmax(scores)
        outputs.append([dot(p, [v[j][d] for j in keys]) for d in range(len(v[0]))])
        row = [Value(0.0)] * len(k)
        for j, pj in zip(keys, p):
            row[j] = pj
        weights.append(row)
    return (outputs, weights) if return_weights else outputs


def _as_keep_mask(attn_mask):
    """MultiheadAttention's boolean mask (True = masked out) as scaled_dot_product_attention's
    (True = takes part); a float mask, or none, is passed on as it is."""
    if attn_mask is None or not all(isinstance(m, bool) for row in attn_mask for m in row):
        return attn_mask
    return [[not m for m in row] for row in attn_mask]


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention without dropout or batches.

    ``forward(query, key=None, value=None, attn_mask=None, is_causal=False)`` returns
    (outputs, weights averaged over the heads), as PyTorch does; key and value default to
    the query (self-attention).  A boolean ``attn_mask`` means what it means in
    ``torch.nn.MultiheadAttention``: True = this query may NOT attend to this key (the
    opposite of ``scaled_dot_product_attention``'s); a float mask is added to the scores.  in_proj_weight starts Xavier-uniform, biases at 0, as in
    PyTorch.
    """

    def __init__(self, embed_dim, num_heads, bias=True, rng=None):
        super().__init__()
        self.embed_dim = positive_int("MultiheadAttention", "embed_dim", embed_dim)
        self.num_heads = positive_int("MultiheadAttention", "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        self.head_dim = embed_dim // num_heads
        rng = resolve_rng(rng, "MultiheadAttention")
        self.register_parameter("in_proj_weight", xavier_uniform((3 * embed_dim, embed_dim), rng))
        self.has_bias = bool(bias)
        if bias:
            self.register_parameter("in_proj_bias", zeros((3 * embed_dim,)))
        self.out_proj = Dense(embed_dim, embed_dim, bias=bias, rng=rng)
        if bias:
            for b in self.out_proj.bias:
                b.data = 0.0

    def _project(self, xs, part):
        E = self.embed_dim
        rows = self.in_proj_weight[part * E:(part + 1) * E]
        biases = self.in_proj_bias[part * E:(part + 1) * E] if self.has_bias else [None] * E
        return [[dot(row, x, b) for row, b in zip(rows, biases)] for x in xs]

    def forward(self, query, key=None, value=None, attn_mask=None, is_causal=False):
        name = f"MultiheadAttention({self.embed_dim}, {self.num_heads})"
        query = _sequence(f"{name}: query", query, self.embed_dim)
        key = query if key is None else _sequence(f"{name}: key", key, self.embed_dim)
        value = key if value is None else _sequence(f"{name}: value", value, self.embed_dim)
        q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        attn_mask = _as_keep_mask(attn_mask)
        d = self.head_dim
        heads, weight_sum = [], None
        for h in range(self.num_heads):
            part = slice(h * d, (h + 1) * d)
            out, weights = scaled_dot_product_attention(
                [x[part] for x in q], [x[part] for x in k], [x[part] for x in v],
                attn_mask=attn_mask, is_causal=is_causal, return_weights=True)
            heads.append(out)
            weight_sum = weights if weight_sum is None else \
                [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(weight_sum, weights)]
        concatenated = [[x for head in heads for x in head[t]] for t in range(len(query))]
        outputs = [self.out_proj(x) for x in concatenated]
        averaged = [[w / self.num_heads for w in row] for row in weight_sum]
        return outputs, averaged

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
