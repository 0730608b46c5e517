"""Module: the base of every layer, and Sequential.

    Module          parameters, named_parameters, zero_grad, train/eval, repr,
                    state_dict / load_state_dict, save / load (JSON, atomic, no pickle)
    Sequential      layers applied in order, named "0", "1", ... as in PyTorch
    ModuleList      a list of modules ("0", "1", …), ModuleDict: modules by name
    StateDictError  a state dict or file that does not fit the model

A parameter is a tensor kept as a nested list of Values with PyTorch's layout (a Dense
``weight`` is out×in).  ``state_dict()`` uses PyTorch's keys ("0.weight", "0.bias", ...) and
nested lists of floats, so each entry loads into the equivalent torch module with
``torch.tensor(entry)``.
"""

import json
import os
from collections import OrderedDict

from .. import files
from ..engine import Value
from ..nested import shape_of, entries, index_label, leaves_of_shape

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "StateDictError"]

FORMAT = "tinygrad_lite.state_dict"
FORMAT_VERSION = 1


class StateDictError(ValueError):
    """A state dict (or a saved file) that does not fit the model; the model is left unchanged."""


class Module:
    """Base class of layers and models: holds parameters (nested lists of Values) and submodules.

    Subclasses call ``super().__init__()``, create parameters with ``register_parameter`` and
    assign submodules as attributes; ``forward`` computes the output and ``__call__`` runs it.
    Assigning a nested list of Values to a parameter's attribute (``layer.bias = [Value(0.)]``)
    registers it in place of the old one, as torch does for a Parameter; an optimizer made
    before that still holds the old Values, as in torch: make it again.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        modules = self.__dict__.get("_modules")
        if modules is None:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes (assigning {name!r})")
        if isinstance(value, Module):
            modules[name] = value
        elif name in modules:
            del modules[name]
        if name in self._parameters:
            # As torch does when a Parameter is assigned: the new tensor becomes the parameter
            # (parameters(), state_dict(), and optimizers or compiled graphs made from now on).
            if not isinstance(value, list):
                raise AttributeError(f"{type(self).__name__}.{name} is a parameter; assign a "
                                     "nested list of Values, or set its entries' .data")
            self.register_parameter(name, value)
            return
        object.__setattr__(self, name, value)

    def register_parameter(self, name, tensor):
        """Make ``tensor`` (a nested list of Values) a parameter called ``name``; returns it."""
        for index, v in entries(tensor):
            if not isinstance(v, Value):
                raise TypeError(f"{type(self).__name__}.register_parameter({name!r}): entry "
                                f"{index_label(index)} is {type(v).__name__}, not a Value")
        self._parameters[name] = tensor
        object.__setattr__(self, name, tensor)
        return tensor

    def register_buffer(self, name, value):
        """Make ``value`` (a number, or a nested list of numbers) a buffer called ``name``: state
        that is saved and loaded with the parameters but not trained (BatchNorm's running
        statistics), as torch's register_buffer."""
        self._buffers[name] = value
        object.__setattr__(self, name, value)
        return value

    def named_buffers(self):
        """Yield (state-dict key, value) for every buffer: "0.running_mean", ..."""
        for module_name, module in self.named_modules():
            for name, value in module._buffers.items():
                yield (f"{module_name}.{name}" if module_name else name), getattr(module, name)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- parameters -----------------------------------------------------------------------

    def named_modules(self, prefix=""):
        """Yield (qualified name, module) for this module and every submodule, depth first."""
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def named_tensors(self):
        """Yield (state-dict key, nested list of Values): "0.weight", "0.bias", ..."""
        for module_name, module in self.named_modules():
            for name, tensor in module._parameters.items():
                yield (f"{module_name}.{name}" if module_name else name), tensor

    def named_parameters(self):
        """Yield (name, Value) for every scalar parameter: "0.weight[1][2]", "0.bias[1]", ..."""
        for key, tensor in self.named_tensors():
            for index, v in entries(tensor):
                yield key + index_label(index), v

    def parameters(self):
        """Every scalar parameter, in a stable order."""
        return [v for _, v in self.named_parameters()]

    def zero_grad(self):
        """Set every parameter's gradient to 0.0."""
        for v in self.parameters():
            v.grad = 0.0

    def train(self, mode=True):
        """Training mode (dropout active) for this module and its submodules; returns self."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode (dropout off); returns self."""
        return self.train(False)

    def extra_repr(self):
        return ""

    def __repr__(self):
        count = sum(1 for _ in self.named_parameters())
        head = f"{type(self).__name__}({self.extra_repr()})"
        if not self._modules:
            return head + (f"  # {count:,} parameters" if count else "")
        lines = [f"{type(self).__name__}(" + self.extra_repr()]
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(f")  # {count:,} parameters")
        return "\n".join(lines)

    # ---- saving and loading ---------------------------------------------------------------

    def state_dict(self):
        """OrderedDict of PyTorch-style key -> nested list of floats (a copy): each module's
        parameters, then its buffers, as torch orders them."""
        state = OrderedDict()
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, tensor in module._parameters.items():
                state[prefix + name] = _to_floats(tensor)
            for name in module._buffers:
                state[prefix + name] = _copy(getattr(module, name))
        return state

    def load_state_dict(self, state):
        """Copy the numbers of ``state`` into the parameters.  Every key must be present, none
        extra, every shape equal and every entry a finite-or-not real number; otherwise a
        ``StateDictError`` says which, and the model is left unchanged."""
        if not isinstance(state, dict):
            raise StateDictError(f"load_state_dict: expected a dict of key -> nested list, "
                                 f"got {type(state).__name__}")
        tensors = OrderedDict(self.named_tensors())
        buffers = OrderedDict(self.named_buffers())
        missing = [key for key in list(tensors) + list(buffers) if key not in state]
        extra = [key for key in state if key not in tensors and key not in buffers]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected {', '.join(map(str, extra))}")
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(parts))
        updates = []
        for key, tensor in tensors.items():
            try:
                numbers = leaves_of_shape(state[key], shape_of(tensor), key)
            except ValueError as error:
                raise StateDictError(f"load_state_dict: {error}") from None
            for (index, v), x in zip(entries(tensor), numbers):
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise StateDictError(f"load_state_dict: {key}{index_label(index)} is "
                                         f"{x!r}, not a number")
                updates.append((v, float(x)))
        loaded = []
        for key, value in buffers.items():
            try:
                numbers = leaves_of_shape(state[key], shape_of(value), key)
            except ValueError as error:
                raise StateDictError(f"load_state_dict: {error}") from None
            if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in numbers):
                raise StateDictError(f"load_state_dict: {key} holds something not a number")
            loaded.append((key, _copy(state[key])))
        for v, x in updates:
            v.data = x
        owners = {}
        for module_name, module in self.named_modules():
            for name in module._buffers:
                owners[(f"{module_name}." if module_name else "") + name] = (module, name)
        for key, value in loaded:
            module, name = owners[key]
            module.register_buffer(name, type(getattr(module, name))(value)
                                   if not isinstance(value, list) else value)

    def save(self, path):
        """Write the state dict to ``path`` as JSON, atomically: a crash mid-write leaves the
        previous file intact (the text goes to a temporary file that then replaces ``path``).
        An existing file keeps its permissions, a symlink is followed to its target, and a
        path that is a directory or a device is refused (see files.write_atomically)."""
        document = {"format": FORMAT, "version": FORMAT_VERSION, "model": type(self).__name__,
                    "shapes": {key: list(shape_of(t)) for key, t in self.named_tensors()},
                    "state_dict": self.state_dict()}
        text = json.dumps(document, allow_nan=True)
        files.write_atomically(path, text)

    def load(self, path):
        """Load a file written by ``save``; a missing, corrupt or mismatched file is a
        ``StateDictError`` (or ``FileNotFoundError``) and the model is left unchanged.
        Loading reads JSON only: it never executes code."""
        document = read_json(path, FORMAT, FORMAT_VERSION)
        self.load_state_dict(document.get("state_dict"))
        return self


def _to_floats(tensor):
    if isinstance(tensor, list):
        return [_to_floats(item) for item in tensor]
    return tensor.data


def _copy(value):
    """A copy of a buffer: a number, or a nested list of numbers."""
    return [_copy(item) for item in value] if isinstance(value, list) else value


def read_json(path, expected_format, expected_version):
    """Read a JSON document written by save(), checking its format tag and version."""
    if not os.path.lexists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        document = files.read_json(path, files.MODEL_FILE_LIMIT, "model file")
    except files.FileProblem as error:
        raise StateDictError(str(error)) from None
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise StateDictError(f"{path}: not a {expected_format} file")
    if document.get("version") != expected_version:
        raise StateDictError(f"{path}: format version {document.get('version')!r}; this "
                             f"tinygrad_lite reads version {expected_version}")
    return document


class Sequential(Module):
    """Modules applied in order; submodules are named "0", "1", ... (PyTorch's keys)."""

    def __init__(self, *layers):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module) and not callable(layer):
                raise TypeError(f"Sequential: layer {i} is {type(layer).__name__}, "
                                "not a Module or a callable")
            if not isinstance(layer, Module):
                layer = Lambda(layer)
            setattr(self, str(i), layer)

    def __len__(self):
        return len(self._modules)

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x


class ModuleList(Module):
    """A list of modules, registered as "0", "1", … (torch.nn.ModuleList): index, slice,
    append, extend, insert, iterate; its parameters are its modules' parameters.  It has no
    forward of its own: a model loops over it."""

    def __init__(self, modules=None):
        super().__init__()
        self.extend(modules or [])

    def _renumber(self, modules):
        self._modules.clear()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"ModuleList: entry {i} is {type(module).__name__}, not a Module")
            self._modules[str(i)] = module

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))

    def __getitem__(self, i):
        modules = list(self._modules.values())
        if isinstance(i, slice):
            return ModuleList(modules[i])
        if not isinstance(i, int) or isinstance(i, bool) or not -len(modules) <= i < len(modules):
            raise IndexError(f"ModuleList index {i!r} out of range for {len(modules)} modules")
        return modules[i]

    def __setitem__(self, i, module):
        modules = list(self._modules.values())
        modules[self._index(i, len(modules))] = module
        self._renumber(modules)

    def __delitem__(self, i):
        modules = list(self._modules.values())
        del modules[i if isinstance(i, slice) else self._index(i, len(modules))]
        self._renumber(modules)

    @staticmethod
    def _index(i, n):
        if not isinstance(i, int) or isinstance(i, bool) or not -n <= i < n:
            raise IndexError(f"ModuleList index {i!r} out of range for {n} modules")
        return i % n

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self._renumber(list(self._modules.values()) + [module])
        return self

    def extend(self, modules):
        """Add every module of ``modules`` at the end; returns self."""
        self._renumber(list(self._modules.values()) + list(modules))
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (the later ones are renumbered)."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)


class ModuleDict(Module):
    """Modules by name, in insertion order (torch.nn.ModuleDict): d["encoder"] = Dense(…),
    keys, values, items, update, pop, clear, in, len; state-dict keys "encoder.weight"."""

    def __init__(self, modules=None):
        super().__init__()
        self.update(modules or {})

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; it has "
                           f"{', '.join(map(repr, self._modules)) or 'none'}")
        return self._modules[key]

    def __setitem__(self, key, module):
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: a key is a non-empty str without '.', got {key!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict[{key!r}] is {type(module).__name__}, not a Module")
        setattr(self, key, module)

    def __delitem__(self, key):
        self[key]                                       # the same KeyError for a missing key
        del self._modules[key]
        object.__delattr__(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules))

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return list(self._modules.keys())

    def values(self):
        return list(self._modules.values())

    def items(self):
        return list(self._modules.items())

    def update(self, modules):
        """Add (or replace) modules from a dict or from (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        for key in list(self._modules):
            del self[key]


class Lambda(Module):
    """A plain function as a parameter-free layer."""

    def __init__(self, function):
        super().__init__()
        object.__setattr__(self, "function", function)

    def forward(self, x):
        return self.function(x)

    def extra_repr(self):
        return getattr(self.function, "__name__", "function")

