"""The backward pass, one op at a time, as the notes compute it by hand.

`explain_backward(loss)` runs the same backward pass as `loss.backward()` and keeps each of
its steps: the op, the gradient that arrives at its output (`gy`), the op's local rule in
words and the gradient it sends to each input. Printed, the steps read like the notes'
delta computation:

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> import tinygrad_edu.viz
>>> x = tg.Tensor([0.0, 2.0], dtype=np.float64, requires_grad=True, name="x")
>>> y = x.sigmoid()
>>> y.name = "y"
>>> steps = tg.viz.explain_backward(y.sum())
>>> [step.op for step in steps]
['Sum', 'Sigmoid']
>>> steps[1].rule
'gy * y * (1 - y)'
>>> print(steps[1])
step 2: y = Sigmoid(x)
  rule      gy * y * (1 - y)
  gy at y   [1 1]
  -> x      [ 0.25 0.105]
>>> x.grad.numpy().round(3).tolist()       # accumulated, as backward() does
[0.25, 0.105]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import autograd
from ..tensor import Tensor
from .drawing import printable
from .formatting import format_array

__all__ = ["BackwardStep", "BackwardSteps", "explain_backward"]

@dataclass(eq=False)
class BackwardStep:
    """One op of the backward pass: `gy` arrives at its output, `grads_sent` leave to its inputs.

    `grads_sent[i]` is None for an input that needs no gradient (data, constants). Arrays are
    copies taken when the step ran, so later updates of `.grad` do not change them.
    """

    number: int  # 1 for the first step the engine takes
    op: str  # the Function's class name, e.g. "Sigmoid"
    function: object  # the Function instance (the recorded op)
    output: Tensor
    output_label: str
    grad_output: np.ndarray  # gy = d loss / d output
    rule: str
    inputs: tuple
    input_labels: tuple
    grads_sent: tuple
    show_values: bool = True

    @property
    def formula(self) -> str:
        """How the op's output was computed: `y = Sigmoid(matmul2)`."""
        return f"{self.output_label} = {self.op}({', '.join(self.input_labels)})"

    def lines(self) -> list:
        show = format_array if self.show_values else _shape_only
        rows = [("rule", self.rule), (f"gy at {self.output_label}", show(self.grad_output))]
        for label, sent in zip(self.input_labels, self.grads_sent):
            rows.append((f"-> {label}", "(needs no gradient)" if sent is None else show(sent)))
        width = max(len(name) for name, _ in rows) + 3
        lines = [f"step {self.number}: {self.formula}"]
        for name, text in rows:
            first, *rest = text.split("\n")
            lines.append(f"  {name:<{width}}{first}")
            lines.extend(" " * (width + 2) + line for line in rest)
        return lines

    def __str__(self):
        return "\n".join(self.lines())


class BackwardSteps(list):
    """The steps of one backward pass, in the order the engine took them; prints as a table."""

    def __init__(self, steps=(), output_label="loss"):
        super().__init__(steps)
        self.output_label = output_label

    def __str__(self):
        head = (
            f"backward pass of {self.output_label}: {len(self)} steps in the engine's order "
            f"(gy = d {self.output_label} / d output)"
        )
        return "\n\n".join([head] + [str(step) for step in self])

    __repr__ = __str__


def explain_backward(loss, show_values=True, grad=None, retain_graph=False,
                     create_graph=False, model=None) -> BackwardSteps:
    """Run `loss.backward(grad, retain_graph, create_graph)` and return its steps.

    The gradients and their accumulation into `.grad` are exactly `backward()`'s: the same
    engine loop runs, and hands each step to a recorder (`autograd.run_backward`'s
    `on_step`). Printing the result gives a table: for each op, the rule, the gradient that
    arrives and the ones sent on; with `show_values=False` shapes instead of numbers. Tensors
    without a name are called after the op that made them (`sigmoid1`, `matmul2`, in
    forward order); with `model` (an nn.Module) parameters get their names in it.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"explain_backward needs a Tensor, got {type(loss).__name__}")
    return record_steps(loss, grad, retain_graph or create_graph, create_graph,
                        store_grads=True, show_values=show_values, model=model)


def record_steps(loss, grad=None, retain_graph=False, create_graph=False, store_grads=True,
                 show_values=True, model=None) -> BackwardSteps:
    """The steps of `loss`'s backward pass; `store_grads=False` leaves every `.grad` alone."""
    start = autograd._root_grad(loss, grad, create_graph)
    labels = Labels(loss, model)
    steps = BackwardSteps(output_label=labels(loss))
    steps.labels = labels  # the explorer page names tensors the same way

    def record(function, output, grad_output, input_grads):
        steps.append(BackwardStep(
            number=len(steps) + 1,
            op=type(function).__name__,
            function=function,
            output=output,
            output_label=labels(output),
            grad_output=_copy(grad_output),
            rule=getattr(function, "rule", "custom"),
            inputs=tuple(function.inputs),
            input_labels=tuple(labels(t) for t in function.inputs),
            grads_sent=tuple(
                None if g is None or not t._requires_grad else _copy(g)
                for t, g in zip(function.inputs, input_grads)
            ),
            show_values=show_values,
        ))

    autograd.run_backward([loss], [start], retain_graph, create_graph,
                          wanted=None if store_grads else set(), on_step=record)
    return steps


class Labels:
    """A name for every tensor of a graph: its own, its model name, or its op's and a number.

    Numbers count in forward order per op (`matmul1` is the first MatMul computed). A
    one-element constant is shown as its value; other unnamed leaves are `param1`, `data1`.
    """

    def __init__(self, output, model=None):
        self.names = {}
        if model is not None:
            if not hasattr(model, "named_parameters"):
                raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
            self.names = {id(p): name for name, p in model.named_parameters()}
        self.counts = {}
        for tensor in autograd.topological_order([output]):  # inputs before outputs
            self(tensor)

    def __call__(self, tensor) -> str:
        label = self.names.get(id(tensor))
        if label is not None:
            return label
        if tensor.name is not None:
            label = printable(tensor.name)  # any object, control characters written out
        elif tensor._ctx is not None:
            label = self._next(type(tensor._ctx).__name__.lower())
        elif tensor.size == 1 and not tensor.requires_grad:
            label = format_array(tensor.data.reshape(()))
        else:
            label = self._next("param" if tensor.requires_grad else "data")
        self.names[id(tensor)] = label
        return label

    def _next(self, stem) -> str:
        self.counts[stem] = self.counts.get(stem, 0) + 1
        return f"{stem}{self.counts[stem]}"


def _copy(grad):
    return np.array(grad.data if isinstance(grad, Tensor) else grad, copy=True)


def _shape_only(array) -> str:
    return f"shape {np.shape(array)}"
