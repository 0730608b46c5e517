"""Outgrowing a scalar engine: the same model in PyTorch, and back (the torch extra).

    to_torch(model)      the equivalent torch.nn module, float64, with the same weights
    from_torch(module)   the equivalent tinygrad_lite.nn module, with the same weights

For every layer of tinygrad_lite.nn.  A Dense with an activation becomes torch's Linear
followed by the activation (in a Sequential), so a Sequential of such layers has torch indices
that count the activations; from_torch keeps torch's layers one for one (a Linear and its
activation stay two layers), so a torch state_dict loads into the converted model under the
same keys.  Weights, buffers (BatchNorm's running statistics) and the training mode go across.  Inputs differ only in the batch axis: tinygrad_lite takes one
sample, torch takes that sample as it is (unbatched) or a batch.  Needs torch (pip install -e
'.[torch]'); without it, a clear ImportError.
"""

from .attention import MultiheadAttention
from .conv import AvgPool1d, AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool1d, MaxPool2d
from .dense import (Dense, ELU, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid,
                    Softmax, Tanh)
from .dropout import Dropout
from .embedding import Embedding
from .module import ModuleDict, ModuleList, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .recurrent import GRU, LSTM, RNN

__all__ = ["to_torch", "from_torch"]

ACTIVATION_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU",
                      "elu": "ELU", "silu": "SiLU", "leaky_relu": "LeakyReLU"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch/from_torch need PyTorch: pip install -e '.[torch]'") \
            from None
    return torch


def to_torch(model):
    """The torch.nn module (float64) computing what ``model`` computes, with its weights,
    buffers and training mode."""
    return _to_torch(model).train(model.training)


def from_torch(module):
    """The tinygrad_lite.nn module computing what the torch ``module`` computes, with its
    weights, buffers and training mode."""
    return _from_torch(module).train(module.training)


def _to_torch(model):
    torch = _torch()
    nn = torch.nn
    if isinstance(model, ModuleList):
        return nn.ModuleList([to_torch(m) for m in model])
    if isinstance(model, ModuleDict):
        return nn.ModuleDict({key: to_torch(m) for key, m in model.items()})
    if isinstance(model, LayerNorm):
        module = nn.LayerNorm(model.normalized_shape, eps=model.eps,
                              elementwise_affine=model.elementwise_affine, bias=model.has_bias)
        return _load(module.double(), model)
    if isinstance(model, (BatchNorm1d, BatchNorm2d)):
        module = getattr(nn, type(model).__name__)(model.num_features, eps=model.eps, momentum=model.momentum,
                                affine=model.affine,
                                track_running_stats=model.track_running_stats)
        return _load(module.double(), model)
    if isinstance(model, Sequential):
        converted = []
        for layer in model:
            module = _to_torch(layer)
            converted += list(module) if isinstance(module, nn.Sequential) and \
                isinstance(layer, Dense) else [module]
        return nn.Sequential(*converted).double()
    if isinstance(model, Dense):
        linear = nn.Linear(model.in_features, model.out_features, bias=model.bias is not None)
        linear = _load(linear.double(), model, {"weight": "weight", "bias": "bias"})
        name = model.activation_name
        if name in (None, "identity"):
            return linear
        if name not in ACTIVATION_MODULES:
            raise TypeError(f"to_torch: Dense with the activation {name!r} has no torch module")
        return nn.Sequential(linear, getattr(nn, ACTIVATION_MODULES[name])()).double()
    simple = {ReLU: lambda m: nn.ReLU(), Tanh: lambda m: nn.Tanh(),
              Sigmoid: lambda m: nn.Sigmoid(), Identity: lambda m: nn.Identity(),
              GELU: lambda m: nn.GELU(approximate=m.approximate), SiLU: lambda m: nn.SiLU(),
              LeakyReLU: lambda m: nn.LeakyReLU(m.negative_slope),
              ELU: lambda m: nn.ELU(m.alpha), Softmax: lambda m: nn.Softmax(dim=m.dim),
              LogSoftmax: lambda m: nn.LogSoftmax(dim=m.dim),
              Flatten: lambda m: nn.Flatten(m.start_dim, m.end_dim),
              Dropout: lambda m: nn.Dropout(m.p)}
    for kind, make in simple.items():
        if type(model) is kind:
            return make(model).double()
    if isinstance(model, Embedding):
        module = nn.Embedding(model.num_embeddings, model.embedding_dim,
                              padding_idx=model.padding_idx)
    elif isinstance(model, (Conv1d, Conv2d)):
        module = getattr(nn, type(model).__name__)(
            model.in_channels, model.out_channels, model.kernel_size, stride=model.stride,
            padding=model.padding, dilation=model.dilation, groups=model.groups,
            bias=model.bias is not None, padding_mode=model.padding_mode)
    elif isinstance(model, (MaxPool1d, MaxPool2d)):
        return getattr(nn, type(model).__name__)(model.kernel_size, model.stride, model.padding,
                                                 model.dilation, ceil_mode=model.ceil_mode)
    elif isinstance(model, (AvgPool1d, AvgPool2d)):
        return getattr(nn, type(model).__name__)(model.kernel_size, model.stride, model.padding,
                                                 ceil_mode=model.ceil_mode,
                                                 count_include_pad=model.count_include_pad)
    elif isinstance(model, (RNN, LSTM, GRU)):
        extra = {"nonlinearity": model.nonlinearity} if isinstance(model, RNN) else {}
        module = getattr(nn, type(model).__name__)(
            model.input_size, model.hidden_size, num_layers=model.num_layers,
            bias=model.has_bias, batch_first=model.batch_first, dropout=model.dropout,
            bidirectional=model.directions == 2, **extra)
    elif isinstance(model, MultiheadAttention):
        module = nn.MultiheadAttention(model.embed_dim, model.num_heads, dropout=model.dropout.p,
                                       bias=model.has_bias, kdim=model.kdim, vdim=model.vdim,
                                       batch_first=model.batch_first)
    else:
        raise TypeError(f"to_torch: no torch module for {type(model).__name__}")
    return _load(module.double(), model)


def _load(module, model, keys=None):
    """Copy ``model``'s state dict into the torch ``module`` (same keys, float64)."""
    torch = _torch()
    state = model.state_dict()
    module.load_state_dict({key: torch.tensor(value, dtype=torch.float64)
                            for key, value in state.items()})
    return module


def _from_torch(module):
    torch = _torch()
    nn = torch.nn
    if isinstance(module, nn.ModuleList):
        return ModuleList([from_torch(m) for m in module])
    if isinstance(module, nn.ModuleDict):
        return ModuleDict({key: from_torch(m) for key, m in module.items()})
    if isinstance(module, nn.LayerNorm):
        ours = LayerNorm(module.normalized_shape, eps=module.eps,
                         elementwise_affine=module.elementwise_affine,
                         bias=module.bias is not None)
        return _load_back(ours, module)
    if type(module) in (nn.BatchNorm1d, nn.BatchNorm2d):
        kind = BatchNorm1d if type(module) is nn.BatchNorm1d else BatchNorm2d
        ours = kind(module.num_features, eps=module.eps, momentum=module.momentum,
                           affine=module.affine, track_running_stats=module.track_running_stats)
        return _load_back(ours, module)
    if isinstance(module, nn.Sequential):          # layer by layer: torch's indices, torch's keys
        return Sequential(*(from_torch(layer) for layer in module))
    if isinstance(module, nn.Linear):
        return _linear_back(module)
    back = {nn.ReLU: lambda m: ReLU(), nn.Tanh: lambda m: Tanh(), nn.Sigmoid: lambda m: Sigmoid(),
            nn.Identity: lambda m: Identity(),
            nn.GELU: lambda m: GELU(approximate=m.approximate),
            nn.SiLU: lambda m: SiLU(), nn.LeakyReLU: lambda m: LeakyReLU(m.negative_slope),
            nn.ELU: lambda m: ELU(m.alpha), nn.Softmax: lambda m: Softmax(m.dim),
            nn.LogSoftmax: lambda m: LogSoftmax(m.dim),
            nn.Flatten: lambda m: Flatten(m.start_dim, m.end_dim),
            nn.Dropout: lambda m: Dropout(m.p)}
    if type(module) in back:
        return back[type(module)](module)
    if isinstance(module, nn.Embedding):
        ours = Embedding(module.num_embeddings, module.embedding_dim,
                         padding_idx=module.padding_idx)
    elif isinstance(module, (nn.Conv1d, nn.Conv2d)):
        ours = {nn.Conv1d: Conv1d, nn.Conv2d: Conv2d}[type(module)](
            module.in_channels, module.out_channels, module.kernel_size, stride=module.stride,
            padding=module.padding, dilation=module.dilation, groups=module.groups,
            bias=module.bias is not None, padding_mode=module.padding_mode)
    elif isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)):
        return {nn.MaxPool1d: MaxPool1d, nn.MaxPool2d: MaxPool2d}[type(module)](
            module.kernel_size, module.stride, module.padding, module.dilation,
            ceil_mode=module.ceil_mode)
    elif isinstance(module, (nn.AvgPool1d, nn.AvgPool2d)):
        return {nn.AvgPool1d: AvgPool1d, nn.AvgPool2d: AvgPool2d}[type(module)](
            module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode,
            count_include_pad=module.count_include_pad)
    elif isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        extra = {"nonlinearity": module.nonlinearity} if isinstance(module, nn.RNN) else {}
        ours = {nn.RNN: RNN, nn.LSTM: LSTM, nn.GRU: GRU}[type(module)](
            module.input_size, module.hidden_size, num_layers=module.num_layers,
            bias=module.bias, batch_first=module.batch_first, dropout=module.dropout,
            bidirectional=module.bidirectional, **extra)
    elif isinstance(module, nn.MultiheadAttention):
        ours = MultiheadAttention(module.embed_dim, module.num_heads, dropout=module.dropout,
                                  bias=module.in_proj_bias is not None, kdim=module.kdim,
                                  vdim=module.vdim, batch_first=module.batch_first)
    else:
        raise TypeError(f"from_torch: no tinygrad_lite module for {type(module).__name__}")
    return _load_back(ours, module)


def _linear_back(linear):
    ours = Dense(linear.in_features, linear.out_features, bias=linear.bias is not None)
    return _load_back(ours, linear)


def _load_back(ours, module):
    """The torch module's weights into ours (same keys), as floats."""
    ours.load_state_dict({key: value.detach().double().tolist()
                          for key, value in module.state_dict().items()})
    return ours

