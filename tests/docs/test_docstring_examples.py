"""The runnable examples in the docstrings of every module run and print what they show."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import tinygrad_edu

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(tinygrad_edu.__path__, "tinygrad_edu.")
)


def test_every_module_is_collected():
    assert {"tinygrad_edu.tensor", "tinygrad_edu.autograd", "tinygrad_edu.ops"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"np": np}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
