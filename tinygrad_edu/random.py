"""One seeded random generator shared by the factories, `nn.init`, `Dropout` and `DataLoader`.

>>> import tinygrad_edu as tg
>>> _ = tg.manual_seed(0); a = tg.Tensor.randn(2)
>>> _ = tg.manual_seed(0); b = tg.Tensor.randn(2)
>>> bool((a == b).numpy().all())
True
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator, so that runs repeat exactly; returns the generator."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The generator in use (what `manual_seed` last set)."""
    return _generator
