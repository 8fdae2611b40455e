"""How a clone is installed: the installed package wins over a folder of the same name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu as tg

REPO = Path(tg.__file__).resolve().parent.parent


def test_python_started_next_to_a_clone_named_tinygrad_edu_imports_the_package(tmp_path):
    # ~/study/ holds the notebooks and the clone ~/study/tinygrad_edu/ (git clone's default
    # name). Python started in ~/study/ sees that folder first on sys.path; it has no
    # __init__.py, so it would be imported as an empty namespace package unless the install
    # puts the real package on sys.path (make's editable_mode=compat does).
    if not (REPO / "setup.cfg").exists():
        pytest.skip("the package is not running from a clone")
    study = tmp_path / "study"
    study.mkdir()
    try:
        os.symlink(REPO, study / "tinygrad_edu", target_is_directory=True)
    except OSError as error:
        pytest.skip(f"cannot make a symlink here: {error}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", "import tinygrad_edu as tg; print(tg.__file__); "
                               "print(tg.Tensor([1.0, 2.0]).sum().item())"],
        cwd=study, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    where, total = result.stdout.split()
    assert Path(where).resolve() == REPO / "tinygrad_edu" / "__init__.py"
    assert float(total) == 3.0
