"""The in-place version counter: saved arrays must not change before backward reads them.

`mark_changed_in_place` is called by every in-place change through the Tensor API (`t -= ...`,
`t[i] = ...`, an optimizer step, `load_state_dict`); autograd.py records `clock` when an op
runs and calls `check_saved_versions` in backward when the clock has moved since.
"""

from __future__ import annotations

import weakref

import numpy as np

# --------------------------------------------------------------------------------------------
# In-place changes: the version counter (as PyTorch's) that keeps saved arrays honest.
#
# An op saves arrays for backward (`save_for_backward`); changing one of them in place before
# backward would silently give wrong gradients. A change through the Tensor API (`t -= ...`,
# `t[i] = ...`, an optimizer step) calls `mark_changed_in_place`, which stamps the memory
# with a clock that counts all such changes; an op records the clock when it runs, and its
# backward stops if a saved array's memory was stamped later. The stamp belongs to the
# memory (the array's base), so views and detached tensors share it, as PyTorch's views share
# one counter. Writing into `t.data` directly bypasses the check (it is NumPy, as PyTorch's
# `.data` is the way around its counter).

clock = 0  # how many in-place changes there have been, ever
changed_at = {}  # id(memory) -> (clock at its last in-place change, reference to the memory)
_prune_above = 256  # forget the stamps of dead memory when the table grows past this


def memory_of(array):
    """The array that owns `array`'s memory (itself, or the base of a view)."""
    base = array.base
    return array if base is None else base


def mark_changed_in_place(array) -> None:
    """Record that `array` (a tensor's data) was just changed in place."""
    global clock
    clock += 1
    memory = array if array.base is None else array.base  # (memory_of, inlined: every step)
    key = id(memory)
    stamp = changed_at.get(key)
    if stamp is not None and stamp[1]() is memory:
        changed_at[key] = (clock, stamp[1])
        return
    # A weak reference without a callback: the stamp of dead memory is found dead (and its id,
    # reused by a new array, is not mistaken for it) and pruned now and then. Not a
    # weakref.finalize: its callback is Python code run as the memory dies, and Python drops a
    # Ctrl-C that lands in such a callback ("Exception ignored in ..."); clip_grad_norm_ stamps
    # new gradient arrays at every step.
    try:
        reference = weakref.ref(memory)
    except TypeError:  # memory without weak references (bytes): hold it, to keep the stamp true
        def reference():
            return memory
    changed_at[key] = (clock, reference)
    if len(changed_at) > _prune_above:
        _prune()


def _prune() -> None:
    global _prune_above
    for key in [key for key, (_, reference) in changed_at.items() if reference() is None]:
        del changed_at[key]
    _prune_above = max(256, 2 * len(changed_at))  # amortized: each stamp is checked O(1) times


def changed_since(memory, moment: int) -> bool:
    """Whether `memory` was changed in place after the clock read `moment`."""
    stamp = changed_at.get(id(memory))
    return stamp is not None and stamp[0] > moment and stamp[1]() is memory


def check_saved_versions(ctx, node):
    """Raise if an array `ctx` saved was changed in place after `ctx` ran (see above)."""
    for array in ctx.saved:
        if not isinstance(array, np.ndarray):
            continue
        memory = memory_of(array)
        if not changed_since(memory, ctx.saved_at):
            continue
        what = "an array"
        for i, t in enumerate(ctx.inputs):
            if memory_of(t.data) is memory:
                named = f"'{t.name}', " if t.name else ""
                what = f"input {i} ({named}shape {t.data.shape})"
                break
        else:
            if memory_of(node.data) is memory:
                what = f"its output (shape {node.data.shape})"
        raise RuntimeError(
            f"{type(ctx).__name__} saved {what} for backward, but it was changed in place "
            f"(`-=`, `t[i] = ...` or an optimizer step inside no_grad) since the forward pass: "
            f"backward would use the new values and give wrong gradients. Change it after "
            f"backward() (the usual order: forward, backward, step), or compute the forward "
            f"pass again after the change"
        )
