"""Module and Parameter: a network is an object that knows its own weights.

The notes keep weights in a dict, `params['W1']`, and write every update by hand. A Module
finds its weights by itself: assigning a `Parameter` or another `Module` to an attribute
registers it, in the order the lines run, so `parameters()` hands an optimizer everything
to train and `state_dict()` everything to save.

>>> import numpy as np
>>> import tinygrad_edu.nn as nn
>>> class TwoLayerNet(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc1 = nn.Linear(3, 4)
...         self.fc2 = nn.Linear(4, 1)
...     def forward(self, x):
...         return self.fc2(self.fc1(x).sigmoid())
>>> net = TwoLayerNet()
>>> [name for name, _ in net.named_parameters()]
['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
>>> net(np.zeros((2, 3), np.float32)).shape
(2, 1)
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..files import AtomicWriter
from ..tensor import Tensor
from ..versions import mark_changed_in_place


class Parameter(Tensor):
    """A Tensor that is a weight of a Module: it requires grad and registers itself.

    Only float data can be a parameter (an integer array is a TypeError, as for any tensor
    that requires grad). The array is shared, not copied, just as `Tensor(array)` does.

    >>> import numpy as np
    >>> w = Parameter(np.zeros((3, 4), np.float32))
    >>> w.requires_grad, w.shape
    (True, (3, 4))
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True, name=None):
        super().__init__(data, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class LoadResult(NamedTuple):
    """What `load_state_dict(..., strict=False)` could not match (both empty when strict)."""

    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of every layer and network.

    Subclass it, call `super().__init__()` first, assign layers and Parameters as
    attributes and write `forward`; call the module like a function. Members register in
    definition order (one plain dict, which keeps insertion order), so names and the order
    of `parameters()` never depend on hashing; re-assigning a name keeps its place.
    """

    def __init__(self):
        # name -> Parameter, Module or buffer (an ndarray), in the order they were assigned.
        # object.__setattr__: it must exist before our own __setattr__ can use it.
        object.__setattr__(self, "_members", {})
        object.__setattr__(self, "training", True)

    # ---- registration ----------------------------------------------------------------------

    def __setattr__(self, name, value):
        members = self.__dict__.get("_members")
        if members is None:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__() ran: call "
                f"super().__init__() at the top of {type(self).__name__}.__init__"
            )
        old = members.get(name)
        if isinstance(value, (Parameter, Module)):
            members[name] = value
        elif isinstance(old, np.ndarray):  # a buffer stays a buffer
            members[name] = value = self._check_buffer(name, value)
        elif isinstance(old, Parameter) and isinstance(value, Tensor):
            # `layer.weight = layer.weight - lr * grad` (the notes' update) would replace the
            # weight by a result of the graph and silently stop training it.
            raise TypeError(
                f"cannot assign a plain Tensor to the Parameter {type(self).__name__}.{name}: "
                f"update it in place without recording, as optimizers do (`with "
                f"tg.no_grad(): layer.{name} -= lr * layer.{name}.grad`), or assign "
                f"nn.Parameter(array)"
            )
        elif isinstance(value, (list, tuple)) and any(
            isinstance(v, (Module, Parameter)) for v in value
        ):
            # A plain list hides its layers from parameters(): the optimizer would silently
            # train nothing in them.
            raise TypeError(
                f"{type(self).__name__}.{name} is a {type(value).__name__} of layers or "
                f"Parameters, which would not be registered (no training, no saving); "
                f"wrap it: self.{name} = nn.ModuleList([...])"
            )
        else:
            members.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._members.pop(name, None)
        object.__delattr__(self, name)

    @staticmethod
    def _check_buffer(name, value):
        if isinstance(value, Tensor):
            value = value.data
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"buffer '{name}' must be a NumPy array, got {type(value).__name__}"
            )
        return value

    def register_buffer(self, name: str, array) -> None:
        """Keep an array that is state but not a weight (BatchNorm's running statistics).

        Buffers are saved in `state_dict()` and loaded back, but `parameters()` leaves them
        out, so no optimizer touches them.
        """
        members = self.__dict__.get("_members")
        if members is None:
            raise AttributeError(
                f"register_buffer('{name}') before Module.__init__() ran: call "
                f"super().__init__() at the top of {type(self).__name__}.__init__"
            )
        members[name] = array = self._check_buffer(name, array)
        object.__setattr__(self, name, array)

    # ---- calling ---------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, ...)")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- walking the tree ------------------------------------------------------------------

    def _walk(self, prefix="", seen=None):
        """(dotted name, member) for every Parameter, buffer and Module inside, depth first,
        in definition order. A Parameter or Module used twice comes once, at its first name."""
        seen = set() if seen is None else seen
        for name, member in self._members.items():
            if not isinstance(member, np.ndarray):
                if id(member) in seen:
                    continue
                seen.add(id(member))
            yield prefix + name, member
            if isinstance(member, Module):
                yield from member._walk(prefix + name + ".", seen)

    def named_modules(self):
        """(dotted name, module) for this module ('') and every module inside it."""
        return [("", self)] + [(n, m) for n, m in self._walk() if isinstance(m, Module)]

    def modules(self):
        """This module and every module inside it, depth first (a list)."""
        return [module for _, module in self.named_modules()]

    def named_children(self):
        seen = set()
        found = []
        for name, member in self._members.items():
            if isinstance(member, Module) and id(member) not in seen:
                seen.add(id(member))
                found.append((name, member))
        return found

    def children(self):
        """The modules assigned directly to this one, in definition order (a list)."""
        return [module for _, module in self.named_children()]

    def named_parameters(self):
        """(dotted name, Parameter) pairs such as ('fc1.weight', W), in definition order."""
        return [(n, p) for n, p in self._walk() if isinstance(p, Parameter)]

    def parameters(self):
        """Every Parameter, in definition order: what an optimizer trains (a list)."""
        return [p for _, p in self._walk() if isinstance(p, Parameter)]

    def named_buffers(self):
        return [(n, b) for n, b in self._walk() if isinstance(b, np.ndarray)]

    def buffers(self):
        return [b for _, b in self._walk() if isinstance(b, np.ndarray)]

    # ---- training ------------------------------------------------------------------------

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (`.grad = None`) before the next backward."""
        for parameter in self.parameters():
            parameter.grad = None

    def train(self, mode: bool = True):
        """Training mode (Dropout drops, BatchNorm uses batch statistics), for every layer."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode (Dropout passes through, BatchNorm uses running statistics)."""
        return self.train(False)

    # ---- saving and loading ----------------------------------------------------------------

    def _state_arrays(self):
        """(name, array) of every parameter and buffer, in definition order."""
        return [(name, member.data if isinstance(member, Parameter) else member)
                for name, member in self._walk() if not isinstance(member, Module)]

    def state_dict(self) -> OrderedDict:
        """An ordered dict of name -> a copy of each parameter's and buffer's array."""
        return OrderedDict((name, array.copy()) for name, array in self._state_arrays())

    def load_state_dict(self, state, strict: bool = True) -> LoadResult:
        """Copy arrays from `state` (name -> array or Tensor) into this module, in place.

        Every problem is found before anything is copied, and reported in one error:
        missing keys and unexpected keys (errors when `strict`, otherwise returned in the
        result) and shape mismatches (always errors). Values are cast to the dtype the
        module already has.
        """
        own = OrderedDict(self._state_arrays())
        missing = [name for name in own if name not in state]
        unexpected = [name for name in state if name not in own]
        values = {}
        wrong = []
        for name, target in own.items():
            if name not in state:
                continue
            value = state[name]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != target.shape:
                wrong.append(
                    f"'{name}': the state dict has shape {value.shape}, the model has "
                    f"{target.shape}"
                )
            elif value.dtype.kind not in "biuf":
                wrong.append(f"'{name}': the value has dtype {value.dtype}, not numbers")
            values[name] = value
        problems = []
        if strict and missing:
            problems.append(f"missing keys (in the model, not in the state dict): {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys (in the state dict, not in the model): {unexpected}")
        if wrong:
            problems.append("wrong shapes: " + "; ".join(wrong))
        if problems:
            hint = "" if not strict or wrong else " (strict=False loads what matches)"
            raise ValueError(
                f"cannot load the state dict into {type(self).__name__}: "
                + "; ".join(problems) + hint
            )
        for name, value in values.items():
            own[name][...] = value  # in place: optimizers keep pointing at the same arrays
            mark_changed_in_place(own[name])
        return LoadResult(missing, unexpected)

    def save(self, path) -> Path:
        """Write `state_dict()` to an `.npz` file, atomically; returns the path written.

        As with `np.savez`, `.npz` is added to a name that does not end in it: `save("m")`
        writes `m.npz`, and `load("m")` reads it back. The file is written whole or not at
        all (`tinygrad_edu.files`): if anything fails midway, an old file is untouched.
        Nothing is pickled.
        """
        path = npz_path(path)
        with AtomicWriter(path) as file:
            _write_npz(file, self.state_dict())
        return path

    def load(self, path, strict: bool = True) -> LoadResult:
        """Load an `.npz` file written by `save` (never unpickles anything).

        The name follows `save`'s rule: `load("m")` reads `m.npz` (a file that exists under
        exactly the name given is read as it is).
        """
        path = Path(os.fspath(path))
        if not path.exists():
            path = npz_path(path)
        try:
            archive = np.load(path, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError(f"it holds one array of shape {np.shape(archive)}, not named ones")
            with archive:
                state = {name: archive[name] for name in archive.files}
        except FileNotFoundError:
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"cannot load '{path}': it is not an .npz file written by Module.save ({error})"
            ) from None
        return self.load_state_dict(state, strict=strict)

    # ---- printing --------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The settings shown inside the parentheses of repr(), e.g. 'p=0.5'."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, module in self.named_children():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"


def npz_path(path) -> Path:
    """`path` with `.npz` added unless it already ends in `.npz` (NumPy's `savez` rule)."""
    path = Path(os.fspath(path))
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def _write_npz(file, state) -> None:
    # An .npz file is a zip archive of .npy files, one per array (NumPy's documented format);
    # writing it here, rather than with np.savez(**state), lets any key name through and
    # refuses object arrays, which only pickling could store.
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in state.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


class ModuleList(Module):
    """A list of modules whose parameters register (a plain Python list's would not).

    >>> import tinygrad_edu.nn as nn
    >>> class Deep(nn.Module):
    ...     def __init__(self, sizes):
    ...         super().__init__()
    ...         self.layers = nn.ModuleList(
    ...             [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x).relu()
    ...         return x
    >>> [name for name, _ in Deep([2, 3, 1]).named_parameters()][:2]
    ['layers.0.weight', 'layers.0.bias']
    """

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__} holds Modules, got {type(module).__name__} at "
                f"position {len(self._members)}"
            )
        setattr(self, str(len(self._members)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self):
        return iter(self._members.values())

    def __getitem__(self, index):
        modules = list(self._members.values())
        if isinstance(index, slice):
            return type(self)(modules[index])
        return modules[index]

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} is only a container: call its modules in your own "
            f"forward (or use nn.Sequential, which chains them)"
        )
