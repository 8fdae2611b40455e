"""How viz writes numbers: one formatter for the drawing, the backward table and the explorer.

>>> import numpy as np
>>> format_array(np.array([0.25, 1 / 3, 2.0]))
'[  0.25 0.3333      2]'
>>> format_array(np.arange(40.0))
'shape (40,): min 0 mean 19.5 max 39'
>>> format_number(np.array(2.0, np.float32))
'2.0'
"""

from __future__ import annotations

import numpy as np

from ..tensor import Released

__all__ = ["SMALL_ARRAY", "format_array", "format_number", "freed_note"]

SMALL_ARRAY = 16  # arrays up to this many elements are printed in full, larger ones summarised


def format_array(array, small=SMALL_ARRAY, width=72) -> str:
    """Numbers to 4 significant digits; an array of more than `small` elements summarised as
    its shape, min, mean and max. Lines are at most `width` characters wide."""
    array = np.asarray(array)
    if array.size == 0:
        return f"(empty, shape {array.shape})"
    if array.size > small:
        values = array.astype(np.float64) if array.dtype.kind == "b" else array
        with np.errstate(all="ignore"):  # nan and inf are shown, not warned about
            low, mean, high = values.min(), values.mean(), values.max()
        return f"shape {array.shape}: min {low:.4g} mean {mean:.4g} max {high:.4g}"
    if array.dtype.kind == "f":
        digits = max(len(f"{v:.4g}") for v in array.reshape(-1).tolist())
        return np.array2string(array, max_line_width=width,
                               formatter={"float_kind": lambda v: f"{v:.4g}".rjust(digits)})
    return np.array2string(array, max_line_width=width)


def format_number(array) -> str:
    """A one-element array as a number: `2.0` (not `2.` or `2.0000001`), `1e-05`, `3`."""
    value = array.reshape(-1)[0]
    if array.dtype.kind == "f" and np.isfinite(value):
        if value != 0 and not 1e-4 <= abs(value) < 1e6:
            return np.format_float_scientific(value, trim="-")
        return np.format_float_positional(value, trim="0")
    return str(value.item())


def freed_note(tensor) -> str | None:
    """What to show instead of the values of a tensor whose values backward() freed, else None.

    After backward() without retain_graph, the graph keeps only stand-ins (tensor.Released) for
    its intermediate tensors and data: the drawing says so rather than inventing numbers.
    """
    if not isinstance(tensor, Released):
        return None
    return ("freed by backward(): to see the values, draw\n"
            "before backward() or call backward(retain_graph=True)")
