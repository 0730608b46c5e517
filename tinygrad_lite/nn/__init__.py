"""tinygrad_lite.nn: layers built from Values, with PyTorch's names and parameter layouts.

    Module, Sequential, StateDictError          module.py      (save/load: JSON, atomic)
        ModuleList, ModuleDict
    LayerNorm, BatchNorm1d, BatchNorm2d         normalization.py (running statistics)
    Dense (= Linear), ReLU, Tanh, Sigmoid,      dense.py
        Identity, LeakyReLU, GELU, ELU, SiLU,
        Softmax, LogSoftmax, MLP
    Embedding                                   embedding.py
    Conv1d, Conv2d, MaxPool1d, MaxPool2d,       conv.py
        AvgPool1d, AvgPool2d, Flatten
    RNN, LSTM, GRU                              recurrent.py
    MultiheadAttention, functional.scaled_dot_product_attention      attention.py
    Dropout                                     dropout.py
    MSELoss, RMSELoss, L1Loss, HuberLoss,       loss.py        (torch's arguments)
        CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss
    to_torch, from_torch                        bridge.py      (the same model in PyTorch)
    clip_grad_norm, grad_norm                   utils.py
    functional: activations, softmax, log_softmax, attention, losses
"""

from .module import Module, Sequential, ModuleList, ModuleDict, StateDictError
from .normalization import LayerNorm, BatchNorm1d, BatchNorm2d
from .dense import (Dense, Linear, ReLU, Tanh, Sigmoid, Identity, LeakyReLU, GELU, ELU, SiLU,
                    Softmax, LogSoftmax, MLP)
from .embedding import Embedding
from .conv import Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, Flatten
from .recurrent import RNN, LSTM, GRU
from .attention import MultiheadAttention
from .dropout import Dropout
from .loss import (MSELoss, RMSELoss, L1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss,
                   BCEWithLogitsLoss)
from .utils import clip_grad_norm, clip_grad_norm_, grad_norm
from .bridge import to_torch, from_torch
from . import functional

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "LayerNorm", "BatchNorm1d",
           "BatchNorm2d",
           "StateDictError", "Dense", "Linear", "ReLU", "Tanh",
           "Sigmoid", "Identity", "LeakyReLU", "GELU", "ELU", "SiLU", "Softmax", "LogSoftmax",
           "MLP", "Embedding", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
           "AvgPool2d", "Flatten",
           "RNN", "LSTM", "GRU", "MultiheadAttention", "Dropout", "functional", "to_torch", "from_torch", "MSELoss", "RMSELoss",
           "L1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "clip_grad_norm",
           "clip_grad_norm_", "grad_norm"]
