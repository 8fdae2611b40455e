"""The heart of the engine: `Function` (one recorded op) and the backward pass.

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

import itertools

import numpy as np

from . import versions
from .modes import anomaly, check_backward, check_forward, grad_mode, user_line
from .versions import check_saved_versions

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

    __slots__ = ("inputs", "saved", "needs_input_grad", "saved_at", "number", "__dict__")
    retains_grad = False  # set by Tensor.retain_grad(): keep this op's output gradient
    # The package's own ops (each gradchecked in the tests) return one well-formed gradient per
    # input; an op written elsewhere has its gradients checked as they arrive (count, type,
    # shape), so that its mistake is named. Set by __init_subclass__.
    builtin = False
    forward_arrays = None  # set by apply when two inputs hold one array (see _own_objects)
    rule = "custom"  # the local derivative in words, shown by tg.viz.explain_backward

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.builtin = cls.__module__.startswith(__package__ + ".")

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad_output):
        raise NotImplementedError(
            f"{type(self).__name__} must define backward(self, grad_output) to be differentiated"
        )

    def save_for_backward(self, *values):
        """Keep what `backward` needs (released after the first backward pass)."""
        self.saved = values

    # An identity op whose users gather its gradient for it during a pass (Unbind,
    # SharedOverTime; they hand the op a zero placeholder): the engine takes its output's
    # gradient, for retain_grad, tg.grad and the explorer, from what its backward hands on.
    gathers_gradient = False
    gathered_in = None  # the backward pass that last called first_gradient_of_pass

    def first_gradient_of_pass(self) -> bool:
        """For an op whose consumers gather its gradient for it during a backward pass (Unbind,
        SharedOverTime): True at the first call in this pass, then False. What an earlier pass
        left (one interrupted by Ctrl-C or an error) is so known to be stale."""
        if self.gathered_in == current_pass:
            return False
        self.gathered_in = current_pass
        return True

    def gathered_this_pass(self) -> bool:
        return self.gathered_in == current_pass

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on tensors (or anything `Tensor()` accepts) and record it if needed.

        Keyword options go to the op's constructor: `Sum.apply(x, axis=0)`.
        """
        Tensor = _tensor_module.Tensor
        if len(inputs) == 2 and isinstance(inputs[0], Tensor) and isinstance(inputs[1], Tensor):
            # The binary ops (most calls): the general loop below, written out for two inputs.
            a, b = inputs
            arrays = [a.data, b.data]
            # (one of four shared tuples: no new object per op for the garbage collector to
            # track, which on a long graph costs more than the lookup; see _NEEDS)
            needs = _NEEDS[a._requires_grad][b._requires_grad]
            record = grad_mode.enabled and (needs[0] or needs[1])
            shared = record and arrays[0] is arrays[1] and a is not b
        else:
            arrays = []
            needs = []
            for x in inputs:
                if not isinstance(x, Tensor):  # a number or an array: as a constant Tensor
                    return cls.apply(*[t if isinstance(t, Tensor) else Tensor(t)
                                       for t in inputs], **options)
                arrays.append(x.data)
                needs.append(x._requires_grad)
            needs = tuple(needs)  # a tuple of bools: the garbage collector stops tracking it
            record = grad_mode.enabled and True in needs
            shared = record and len(arrays) > 1 and _shares_an_array(inputs, arrays)
        ctx = cls(**options) if options else cls()
        if shared:
            arrays = ctx.forward_arrays = _own_objects(inputs, arrays)
        ctx.needs_input_grad = needs
        ctx.saved = ()
        try:
            y = ctx.forward(*arrays)
        except (ValueError, IndexError) as error:  # NumPy's words, plus the op and shapes
            raise _reworded(error, ctx.explain_error(arrays, error)) from None
        if type(y) is not np.ndarray:  # NumPy gives a scalar (np.float64) for 0-d arithmetic
            y = ctx._as_output_array(y) if ctx.saved else np.asarray(y)
        if anomaly.enabled:  # debugging only: off, this is the one check it costs
            ctx.created_at = user_line()
            check_forward(ctx, arrays, y, ctx.created_at)
        out = Tensor.__new__(Tensor)
        out.data = y
        out._grad = None
        out.name = None
        if record:
            ctx.inputs = inputs
            ctx.number = next(_op_numbers)  # see topological_order
            ctx.saved_at = versions.clock  # saved arrays must not change after this (versions.py)
            out._requires_grad = True
            out._ctx = ctx
        else:
            out._requires_grad = False
            out._ctx = None
        return out

    @classmethod
    def in_backward(cls, value, **options):
        """This op, used inside another op's backward: on an array (the usual backward pass)
        its forward alone, on a Tensor (`create_graph=True`) recorded by `apply`.

        An op whose backward is another op (indexing's is ScatterAdd, im2col's is col2im)
        calls it this way, so that its backward is written once for both passes.
        """
        if isinstance(value, (np.ndarray, np.generic)):  # (0-d arithmetic gives NumPy scalars)
            return cls(**options).forward(value)
        return cls.apply(value, **options)

    def _as_output_array(self, y):
        # A Tensor always holds an ndarray. Keep `saved` pointing at the array the output
        # holds, so create_graph can still recognise the saved output.
        array = np.asarray(y)
        for s in self.saved:
            if s is y:
                self.saved = tuple(array if s is y else s for s in self.saved)
                break
        return array

    def explain_error(self, arrays, error) -> str:
        """The message a learner reads when forward fails on its input shapes."""
        shapes = ", ".join(str(a.shape) for a in arrays)
        return f"{type(self).__name__.lower()}: {error} (input shapes: {shapes})"

    def __repr__(self):
        return f"<{type(self).__name__}>"


# needs_input_grad of a binary op, by whether each input requires grad (False/True index 0/1)
_NEEDS = (((False, False), (False, True)), ((True, False), (True, True)))


def _shares_an_array(tensors, arrays) -> bool:
    """True when two different tensors hold one array object (`x.detach() * x`)."""
    if len(arrays) == 2:
        return arrays[0] is arrays[1] and tensors[0] is not tensors[1]
    return len({id(a) for a in arrays}) < len({id(t) for t in tensors})


def _own_objects(tensors, arrays):
    """Arrays for forward in which two different tensors never pass the same object.

    `x.detach() * x`: both inputs hold one array. A view for the second gives forward two
    objects, so that create_graph can tell which saved array stands for which input.
    """
    seen = {}
    own = []
    for t, a in zip(tensors, arrays):
        first = seen.setdefault(id(a), t)
        own.append(a if first is t else a.view())
    return own


def _reworded(error, message):
    """The same kind of exception with a clearer message (its base type if it cannot be built)."""
    try:
        return type(error)(message)
    except Exception:
        return (IndexError if isinstance(error, IndexError) else ValueError)(message)


# --------------------------------------------------------------------------------------------
# The backward pass.


# Every recorded op gets the next number. An op runs after the ops that made its inputs, so
# its number is larger than theirs: sorting a graph's ops by number is a topological order.
_op_numbers = itertools.count()

# Every backward pass gets the next number, readable while it runs: an op that keeps something
# between the backwards of several ops (Unbind's gradient buffer) knows what an earlier,
# interrupted pass left behind.
_pass_numbers = itertools.count(1)
current_pass = 0
# True while a pass runs that frees each op's saved arrays after its backward (backward()
# without retain_graph): an op may then make its gradient in a saved array of its own making
# (CrossEntropy's exps) instead of a new one, as nothing reads that array again.
frees_saved = False


def topological_order(roots):
    """Every tensor that leads to `roots` and requires grad, inputs before outputs.

    The ops were numbered as they ran (`apply`), so one walk that visits each tensor once
    collects the graph and one sort of the numbers orders it (the leaves come first). It
    creates no object per node beyond a set entry and one dict entry, so that big graphs do
    not wake the garbage collector. (Tensors are keys by identity: `Tensor.__hash__`.)
    """
    seen = set()
    leaves = []
    ops = {}  # op number -> the tensor it made
    stack = list(roots)
    push = stack.append
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        ctx = node._ctx
        if ctx is None:
            leaves.append(node)
            continue
        if ops.setdefault(ctx.number, node) is not node:  # two tensors, one op: stand-ins
            return _depth_first_order(roots)              # of a released graph (rare)
        for parent in ctx.inputs:
            if parent._requires_grad and parent not in seen:
                push(parent)
    return leaves + [ops[number] for number in sorted(ops)]


def _depth_first_order(roots):
    """topological_order without op numbers, for a graph where two tensors share one op.

    A depth-first search with an explicit stack (no recursion, so a 100,000-op chain is
    fine): a tensor is appended once all of its inputs are. It creates no object per node
    beyond entries in two sets, so that big graphs do not wake the garbage collector.
    """
    order = []
    expanded = set()  # tensors whose inputs were pushed
    done = set()  # tensors already in `order`
    stack = list(roots)
    push = stack.append
    while stack:
        node = stack[-1]
        if node in expanded:  # its inputs are all in `order` by now
            stack.pop()
            if node not in done:
                done.add(node)
                order.append(node)
            continue
        expanded.add(node)
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.inputs:
                if parent._requires_grad and parent not in expanded:
                    push(parent)
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

    Every array in `grads` belongs to one receiver only (an op's backward or a leaf), so that
    a backward that edits its grad_output in place (the books' `dout[mask] = 0`) harms no one.
    """
    order = topological_order(roots)
    grads = {}  # tensor -> the sum of the gradients that reached it so far
    for root, grad in zip(roots, root_grads):
        grads[root] = grad if root not in grads else grads[root] + grad
    captured = {}
    stand_ins = None if retain_graph else {}  # see _release_inputs
    # What only some passes do at each op (tg.grad, explain_backward, detect_anomaly, a
    # recorded backward pass, an op written outside the package) is decided here, once, so
    # that the loop of an ordinary backward() stays short.
    watched = wanted is not None or on_step is not None or anomaly.enabled
    global current_pass, frees_saved
    previous = grad_mode.enabled, current_pass, frees_saved
    grad_mode.enabled = create_graph  # record the backward pass only when asked to
    current_pass = next(_pass_numbers)
    frees_saved = stand_ins is not None
    try:
        for node in reversed(order):
            grad = grads.pop(node, None)
            if grad is None:
                continue
            ctx = node._ctx
            if ctx is None:  # a leaf: every gradient that reaches it has arrived
                if wanted is None:
                    _store_grad(node, grad, create_graph)
                elif id(node) in wanted:
                    captured[id(node)] = grad
                continue
            kept = watched or ctx.retains_grad
            if kept and not ctx.gathers_gradient:
                _keep_intermediate_grad(node, grad, create_graph, wanted, captured)
            if ctx.saved is None:
                raise RuntimeError(_BACKWARD_TWICE.format(op=type(ctx).__name__))
            if ctx.saved_at != versions.clock:  # some array changed in place since: were ours?
                check_saved_versions(ctx, node)
            if create_graph:
                input_grads = _backward_recorded(ctx, node, grad)
            else:
                input_grads = ctx.backward(grad)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
            inputs = ctx.inputs
            if create_graph or not ctx.builtin:  # a custom backward's mistake stops here, named
                input_grads = _checked_gradients(ctx, inputs, input_grads, create_graph)
            if ctx.gathers_gradient:  # an identity whose users gathered its gradient for it:
                grad = input_grads[0]  # what it hands on is its output's true gradient
                if kept:
                    _keep_intermediate_grad(node, grad, create_graph, wanted, captured)
            if watched:
                if on_step is not None:
                    on_step(ctx, node, grad, input_grads)
                if anomaly.enabled:
                    check_backward(ctx, input_grads)
            handed = None  # ids of the gradients given to earlier inputs, from the third on
            for i, parent in enumerate(inputs):
                parent_grad = input_grads[i]
                if parent_grad is None or not parent._requires_grad:
                    continue
                earlier = grads.get(parent)
                if earlier is not None:
                    grads[parent] = earlier + parent_grad  # a new array, held by no one else
                    continue
                # One array for two inputs (Add gives gy to both): the second gets a copy.
                # Past two inputs the earlier ones are looked up in a set, not scanned, so that
                # an op of n inputs (concatenate, stack) costs n steps, not n * n.
                if i and not create_graph:
                    if i == 1:
                        shared = parent_grad is input_grads[0]
                    else:
                        if handed is None:
                            handed = {id(g) for g in input_grads[:i]}
                        shared = id(parent_grad) in handed
                        handed.add(id(parent_grad))
                    if shared:
                        parent_grad = parent_grad.copy()
                grads[parent] = parent_grad
            if stand_ins is not None:
                ctx.saved = None  # frees the saved arrays and marks the op as used
                _release_inputs(ctx, stand_ins)
    finally:
        grad_mode.enabled, current_pass, frees_saved = previous
    return captured


def _keep_intermediate_grad(node, grad, create_graph, wanted, captured):
    """The gradient of a tensor made by an op, kept where asked: for tg.grad (`wanted`), or in
    `.grad` after retain_grad()."""
    if wanted is not None:
        if id(node) in wanted:
            captured[id(node)] = grad if create_graph else grad.copy()
    elif node._ctx.retains_grad:
        _store_grad(node, grad if create_graph else grad.copy(), create_graph)


def _checked_gradients(ctx, inputs, input_grads, create_graph):
    """The gradients of an op written outside the package (or of a recorded backward pass),
    each checked: one per input, each of its input's type and shape."""
    if len(input_grads) != len(inputs):
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned {len(input_grads)} gradient(s) "
            f"for {len(inputs)} input(s); return one per input (None where none is "
            f"needed), several as a tuple"
        )
    usable = {_tensor_module.Tensor} if create_graph else _GRAD_TYPES
    checked = list(input_grads)
    for i, (parent, grad) in enumerate(zip(inputs, input_grads)):
        if grad is None or not parent._requires_grad:
            continue
        if type(grad) not in usable or grad.shape != parent.data.shape:
            checked[i] = _checked_gradient(ctx, i, parent, grad, create_graph)
    return tuple(checked)


# What a backward may return for one input: an array, or the NumPy scalar that 0-d arithmetic
# gives (`gy * b` on 0-d arrays); Tensors when the backward pass is recorded.
_GRAD_TYPES = frozenset({np.ndarray, np.float16, np.float32, np.float64, np.longdouble})


def _checked_gradient(ctx, i, parent, grad, create_graph):
    """`grad` for input i if it is a usable gradient (a NumPy scalar becomes an array), else
    the error that names the op, the input and both shapes or types."""
    Tensor = _tensor_module.Tensor
    if isinstance(grad, Tensor) and not create_graph:
        grad = grad.data  # a Tensor from a plain backward: its values
    if isinstance(grad, np.generic) or (type(grad) is not np.ndarray and
                                        isinstance(grad, np.ndarray)):
        grad = np.asarray(grad)
        if create_graph:
            grad = Tensor(grad, dtype=grad.dtype)
    named = f", named '{parent.name}'" if parent.name else ""
    wanted = f"input {i} (shape {parent.data.shape}{named})"
    kind = "Tensor" if create_graph else "NumPy array"
    if isinstance(grad, (np.ndarray, Tensor)):
        if grad.shape == parent.data.shape:
            return grad
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned a gradient of shape {grad.shape} for "
            f"{wanted}: each gradient must have its input's shape (use tg.unbroadcast to sum "
            f"a broadcast gradient back)"
        )
    raise RuntimeError(
        f"{type(ctx).__name__}.backward returned a {type(grad).__name__} for {wanted}: "
        f"return a {kind} of that shape (None for an input that needs no gradient)"
    )


def _release_inputs(ctx, stand_ins):
    """After an op's backward (without retain_graph): keep the graph's shape, not its values.

    A kept loss (`losses.append(loss)`) still reaches every op through `_ctx` and `.inputs`,
    so that it can be drawn, but each input that is not a parameter (an intermediate tensor,
    a data batch) is replaced by a stand-in with its name, shape and dtype and no values:
    the activations die with the last reference the user holds. `stand_ins` gives a tensor
    used by several ops one stand-in.
    """
    if ctx.forward_arrays is not None:  # (set only when it was set: no per-op dict)
        ctx.forward_arrays = None
    Released = _tensor_module.Released
    released = []
    for t in ctx.inputs:
        # parameters stay (the user holds them anyway, and drawings show their .grad), and
        # so do numbers (one element) and what is already a stand-in
        if (t._ctx is None and t._requires_grad) or type(t) is Released or t.data.size <= 1:
            released.append(t)
            continue
        stand_in = stand_ins.get(t)
        if stand_in is None:
            stand_in = stand_ins[t] = Released(t)
        released.append(stand_in)
    ctx.inputs = tuple(released)


def _backward_recorded(ctx, node, grad):
    """Run ctx.backward on Tensors, so that the backward pass is recorded (create_graph)."""
    Tensor = _tensor_module.Tensor
    forward_arrays = ctx.forward_arrays or [t.data for t in ctx.inputs]
    graph_tensors = {id(a): t for a, t in zip(forward_arrays, ctx.inputs)}
    graph_tensors.setdefault(id(node.data), node)
    arrays = ctx.saved
    ctx.saved = tuple(graph_tensors.get(id(s), s) for s in arrays)
    try:
        input_grads = ctx.backward(grad)
    finally:
        ctx.saved = arrays
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    return tuple(  # arrays (constants of the backward pass) become Tensors; others are checked
        Tensor(g, dtype=g.dtype) if type(g) is np.ndarray else g for g in input_grads
    )


def owned_array(grad):
    """A gradient array that belongs to nobody else: not a view, not read-only."""
    if grad.base is not None or not grad.flags.writeable:
        return grad.copy()
    return grad


def _store_grad(leaf, grad, create_graph):
    """Add `grad` into `leaf.grad` (a leaf, or a tensor that called retain_grad())."""
    Tensor = _tensor_module.Tensor
    if create_graph:
        if grad.dtype != leaf.dtype:
            grad = grad.astype(leaf.dtype)
        leaf._grad = grad if leaf._grad is None else leaf._grad + grad
        return
    if grad.dtype != leaf.data.dtype:  # float32 parameters get float32 gradients
        grad = grad.astype(leaf.data.dtype)
    elif leaf._grad is None:
        grad = owned_array(grad)
    if leaf._grad is not None:
        grad = leaf._grad.data + grad  # a new array
    # (a NumPy scalar from 0-d arithmetic becomes an array in Tensor())
    leaf._grad = _tensor_module._wrap(grad) if type(grad) is np.ndarray else Tensor(grad)


def root_gradient(root, grad, create_graph):
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
        array = np.ones(root.data.shape, root.data.dtype)
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
    start = root_gradient(root, grad, create_graph)
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
    starts = [root_gradient(out, g, create_graph) for out, g in zip(outputs, grad_outputs)]
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
            results.append(g if g.dtype == x.dtype else g.astype(x.dtype))  # recorded cast
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
