"""The heart of the engine: `Function` (one recorded op), grad mode, and the backward pass.

How a graph is recorded (see docs/concepts.md):

    y = Mul.apply(a, b)        # runs Mul.forward(a.data, b.data) on plain arrays
    y._ctx                     # the Mul instance: it keeps .inputs (a, b) and .saved arrays

The output points at the op that made it and the op points at its inputs, never back at its
output, so a graph is a tree of references that dies by reference counting alone.

`backward()` walks that graph once, outputs before inputs (a topological order found with an
explicit stack, so a 100,000-op chain needs no recursion), calls each op's `backward` with the
gradient of its output, and adds up the gradients that reach a tensor along several paths.
"""

from __future__ import annotations

import threading

import numpy as np

# --------------------------------------------------------------------------------------------
# Grad mode: a switch per thread, so that one thread's `no_grad()` never changes another's.


class _GradMode(threading.local):
    enabled = True  # every new thread starts with recording on


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when new ops are recorded for backward (the default)."""
    return _grad_mode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode, restoring the old mode on exit.

    As a decorator it works with or without parentheses: `@tg.no_grad()` or `@tg.no_grad`.
    """

    mode = True

    def __new__(cls, function=None):
        manager = super().__new__(cls)
        return manager if function is None else manager(function)

    def __enter__(self):
        self._previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _grad_mode.enabled = self._previous
        return False

    def __call__(self, function):
        import functools

        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            previous = _grad_mode.enabled
            _grad_mode.enabled = mode
            try:
                return function(*args, **kwargs)
            finally:
                _grad_mode.enabled = previous

        return wrapper


class no_grad(_SetGradMode):
    """Record nothing inside: for evaluation and for updating parameters by hand.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_SetGradMode):
    """Turn recording back on inside a `no_grad()` block (also a decorator)."""

    mode = True


# --------------------------------------------------------------------------------------------
# Function: the base class of every op, built-in or written by a user.


class Function:
    """One differentiable operation: a `forward` on NumPy arrays and its hand-derived `backward`.

    Subclass it the way the notes derive a delta by hand, then call `MyOp.apply(tensor)`:

    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> class MySigmoid(tg.Function):
    ...     def forward(self, x):
    ...         y = 1.0 / (1.0 + np.exp(-x))
    ...         self.save_for_backward(y)
    ...         return y
    ...     def backward(self, grad_output):
    ...         (y,) = self.saved
    ...         return grad_output * y * (1.0 - y)       # d sigmoid = y (1 - y)
    >>> x = tg.Tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    >>> MySigmoid.apply(x).sum().backward()
    >>> x.grad.numpy().round(4).tolist()
    [0.25, 0.105]
    >>> tg.gradcheck(MySigmoid.apply, (x,))
    True

    Rules for `backward(self, grad_output)`: return one gradient per input of `forward` (a
    tuple when there are several; None for an input that needs none), each of that input's
    shape (`unbroadcast` sums a broadcast gradient back). `self.needs_input_grad[i]` says
    whether input i wants one, so work for data inputs can be skipped.

    Write `backward` with NumPy operators, methods and functions (`np.exp`, `np.where`,
    `.sum(axis, keepdims=True)`, ...). When a user asks for `create_graph=True`, the same
    code runs again with Tensors in place of arrays (Tensors answer to those NumPy calls), so
    the backward pass is itself recorded and can be differentiated. For that to be exact,
    save the input and output arrays themselves (`self.save_for_backward(x)` or `(y)`, not
    copies): those come back as the graph's Tensors. Anything else you save (a mask, an
    index) comes back unchanged and counts as a constant.
    """

    __slots__ = ("inputs", "saved", "needs_input_grad", "__dict__")
    retains_grad = False  # set by Tensor.retain_grad(): keep this op's output gradient
    rule = "custom"  # the local derivative in words, shown by tg.viz.explain_backward

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad_output):
        raise NotImplementedError(
            f"{type(self).__name__} must define backward(self, grad_output) to be differentiated"
        )

    def save_for_backward(self, *values):
        """Keep what `backward` needs (released after the first backward pass)."""
        self.saved = values

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on tensors (or anything `Tensor()` accepts) and record it if needed.

        Keyword options go to the op's constructor: `Sum.apply(x, axis=0)`.
        """
        Tensor = _tensor_module.Tensor
        ctx = cls(**options) if options else cls()
        tensors = []
        arrays = []
        needs = []
        for x in inputs:
            if not isinstance(x, Tensor):
                x = Tensor(x)
            tensors.append(x)
            arrays.append(x.data)
            needs.append(x._requires_grad)
        record = _grad_mode.enabled and True in needs
        ctx.needs_input_grad = needs
        ctx.saved = ()
        try:
            y = ctx.forward(*arrays)
        except (ValueError, IndexError) as error:  # NumPy's words, plus the op and shapes
            raise _reworded(error, ctx.explain_error(arrays, error)) from None
        if type(y) is not np.ndarray:
            y = ctx._as_output_array(y)
        out = Tensor.__new__(Tensor)
        out.data = y
        out.grad = None
        out.name = None
        if record:
            ctx.inputs = tensors
            out._requires_grad = True
            out._ctx = ctx
        else:
            out._requires_grad = False
            out._ctx = None
        return out

    def _as_output_array(self, y):
        # NumPy returns scalars (np.float64) from 0-d arithmetic; a Tensor always holds an
        # ndarray. Keep `saved` pointing at the array the output holds, so create_graph can
        # still recognise the saved output.
        array = np.asarray(y)
        if any(s is y for s in self.saved):
            self.saved = tuple(array if s is y else s for s in self.saved)
        return array

    def explain_error(self, arrays, error) -> str:
        """The message a learner reads when forward fails on its input shapes."""
        shapes = ", ".join(str(a.shape) for a in arrays)
        return f"{type(self).__name__.lower()}: {error} (input shapes: {shapes})"

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _reworded(error, message):
    """The same kind of exception with a clearer message (its base type if it cannot be built)."""
    try:
        return type(error)(message)
    except Exception:
        return (IndexError if isinstance(error, IndexError) else ValueError)(message)


# --------------------------------------------------------------------------------------------
# The backward pass.


def topological_order(roots):
    """Every tensor that leads to `roots` and requires grad, inputs before outputs.

    A depth-first search with an explicit stack (no recursion, so a 100,000-op chain is
    fine): a tensor is appended once all of its inputs are. It creates no object per node
    beyond the ids in two sets, so that big graphs do not wake the garbage collector.
    """
    order = []
    expanded = set()  # tensors whose inputs were pushed
    done = set()  # tensors already in `order`
    stack = list(roots)
    while stack:
        node = stack[-1]
        key = id(node)
        if key in expanded:  # its inputs are all in `order` by now
            stack.pop()
            if key not in done:
                done.add(key)
                order.append(node)
            continue
        expanded.add(key)
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.inputs:
                if parent._requires_grad and id(parent) not in expanded:
                    stack.append(parent)
    return order


_BACKWARD_TWICE = (
    "backward through the graph a second time: its saved arrays were freed by the first "
    "backward() (op {op}). Call backward(retain_graph=True) the first time if you need "
    "to go through the same graph again, or recompute the forward pass."
)


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, wanted=None,
                 on_step=None):
    """Send `root_grads` back from `roots` through the recorded graph.

    Without `wanted`, gradients are added into the `.grad` of every leaf that requires grad.
    With `wanted` (a set of ids), gradients of those tensors are returned in a dict instead
    and no `.grad` is touched (that is `tg.grad`). `on_step(op, output, grad, input_grads)`,
    when given, sees each op's step as it is taken (that is `tg.viz.explain_backward`).
    """
    Tensor = _tensor_module.Tensor
    order = topological_order(roots)
    grads = {}
    for root, grad in zip(roots, root_grads):
        key = id(root)
        grads[key] = grad if key not in grads else grads[key] + grad
    captured = {}
    stored = set()  # ids of arrays already stored as a leaf's .grad in this pass
    previous_mode = _grad_mode.enabled
    _grad_mode.enabled = create_graph  # record the backward pass only when asked to
    try:
        for node in reversed(order):
            grad = grads.pop(id(node), None)
            if grad is None:
                continue
            if wanted is not None and id(node) in wanted:
                captured[id(node)] = grad
            ctx = node._ctx
            if ctx is None:
                if wanted is None:
                    _store_grad(node, grad, create_graph, stored)
                continue
            if ctx.retains_grad and wanted is None:
                _store_grad(node, grad, create_graph, stored)
            if ctx.saved is None:
                raise RuntimeError(_BACKWARD_TWICE.format(op=type(ctx).__name__))
            if create_graph:
                input_grads = _backward_recorded(ctx, node, grad, Tensor)
            else:
                input_grads = ctx.backward(grad)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            inputs = ctx.inputs
            if len(input_grads) != len(inputs):
                raise RuntimeError(
                    f"{type(ctx).__name__}.backward returned {len(input_grads)} gradient(s) "
                    f"for {len(inputs)} input(s); return one per input (None where none is needed)"
                )
            if on_step is not None:
                on_step(ctx, node, grad, input_grads)
            for parent, parent_grad in zip(inputs, input_grads):
                if parent_grad is None or not parent._requires_grad:
                    continue
                key = id(parent)
                earlier = grads.get(key)
                grads[key] = parent_grad if earlier is None else earlier + parent_grad
            if not retain_graph:
                ctx.saved = None  # frees the saved arrays and marks the op as used
    finally:
        _grad_mode.enabled = previous_mode
    return captured


def _backward_recorded(ctx, node, grad, Tensor):
    """Run ctx.backward on Tensors, so that the backward pass is recorded (create_graph)."""
    graph_tensors = {id(t.data): t for t in ctx.inputs}
    graph_tensors[id(node.data)] = node
    arrays = ctx.saved
    ctx.saved = tuple(graph_tensors.get(id(s), s) for s in arrays)
    try:
        input_grads = ctx.backward(grad)
    finally:
        ctx.saved = arrays
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    return tuple(
        g if g is None or isinstance(g, Tensor) else Tensor(g, dtype=np.asarray(g).dtype)
        for g in input_grads
    )


def owned_array(grad, stored=None):
    """A gradient array that belongs to nobody else: not a view, not read-only, not shared."""
    if grad.base is not None or not grad.flags.writeable or (stored and id(grad) in stored):
        return grad.copy()
    return grad


def _store_grad(leaf, grad, create_graph, stored):
    """Add `grad` into `leaf.grad` (a leaf, or a tensor that called retain_grad())."""
    Tensor = _tensor_module.Tensor
    if create_graph:
        if grad.dtype != leaf.dtype:
            grad = grad.astype(leaf.dtype)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    if grad.dtype != leaf.data.dtype:  # float32 parameters get float32 gradients
        grad = grad.astype(leaf.data.dtype)
    else:
        grad = owned_array(grad, stored)
    if leaf.grad is not None:
        grad = leaf.grad.data + grad
    stored.add(id(grad))
    leaf.grad = Tensor(grad)


def _root_grad(root, grad, create_graph):
    """The gradient that starts the pass: ones for a scalar, else the user's `grad`."""
    Tensor = _tensor_module.Tensor
    if not root._requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: nothing in its graph has "
            "requires_grad=True (create parameters with requires_grad=True, or check that "
            "you are not inside tg.no_grad())"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {root.data.shape} needs grad= (an array of "
                f"that shape): a gradient can start by itself only from a one-element "
                f"output such as a loss. Call .sum() or .mean() first, or pass grad=."
            )
        array = np.ones_like(root.data)
    else:
        array = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if array.shape != root.data.shape:
            raise ValueError(
                f"backward(grad=...): grad has shape {array.shape} but the output has shape "
                f"{root.data.shape}; they must match"
            )
    if create_graph:
        if isinstance(grad, Tensor):
            return grad
        return Tensor(array)
    return array


def backward(root, grad=None, retain_graph=False, create_graph=False):
    """`root.backward(...)`: add d root / d leaf into every leaf's `.grad`."""
    start = _root_grad(root, grad, create_graph)
    run_backward([root], [start], retain_graph or create_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, as a tuple, without touching `.grad`.

    >>> import numpy as np, tinygrad_edu as tg
    >>> x = tg.Tensor(3.0, dtype=np.float64, requires_grad=True)
    >>> (dx,) = tg.grad(x ** 3, x, create_graph=True)      # 3 x^2 = 27
    >>> (ddx,) = tg.grad(dx, x)                            # 6 x = 18
    >>> float(dx.item()), float(ddx.item())
    (27.0, 18.0)
    """
    Tensor = _tensor_module.Tensor
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"tg.grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x._requires_grad:
            raise RuntimeError(f"tg.grad: input {i} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    starts = [_root_grad(out, g, create_graph) for out, g in zip(outputs, grad_outputs)]
    captured = run_backward(list(outputs), starts, retain_graph, create_graph,
                            wanted={id(x) for x in inputs})
    results = []
    for i, x in enumerate(inputs):
        g = captured.get(id(x))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"tg.grad: input {i} (shape {x.shape}) was not used to compute the "
                    f"outputs; pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif create_graph:
            results.append(g)
        else:
            if g.dtype != x.data.dtype:
                g = g.astype(x.data.dtype)
            results.append(Tensor(owned_array(g)))
    return tuple(results)


def _as_tuple(value):
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


# tensor.py imports this module, and Tensor is needed here only when ops run: import it last,
# once everything above exists, and look `_tensor_module.Tensor` up at call time.
from . import tensor as _tensor_module  # noqa: E402
