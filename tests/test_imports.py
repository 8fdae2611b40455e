"""The house's structure: which module imports which (read from the source, not run)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"


def imports_of(path: Path) -> set:
    """The package modules that `path` imports (relative imports, dotted from the package)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level])
            target = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.add(".".join(target))
            for alias in node.names:
                candidate = ".".join(target + [alias.name])
                if (PACKAGE / Path(*target, alias.name)).with_suffix(".py").exists():
                    found.add(candidate)
    return found


def module_graph() -> dict:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        graph[name] = {m for m in imports_of(path) if m != name}
    return graph


def test_ops_depends_on_autograd_only():
    assert imports_of(PACKAGE / "ops.py") == {"autograd"}


def test_only_tensor_and_autograd_import_each_other():
    # autograd makes Tensors and tensor records ops: the one circle; ops.py, interop.py and
    # functions.py each depend one way
    graph = module_graph()
    pairs = {frozenset((a, b)) for a, targets in graph.items() for b in targets
             if a in graph.get(b, set())}
    assert pairs == {frozenset({"tensor", "autograd"})}


def test_only_tensor_py_names_the_ops():
    # one road into each op: the Tensor method; tg.*, F.*, nn and the NumPy tables call it
    users = {name for name, targets in module_graph().items() if "ops" in targets}
    assert users == {"tensor", "__init__"}  # __init__ exports tg.unbroadcast


def relative_imports():
    """(file, line, module, name) for every `from .x import y` in the package, at any depth
    (inside functions too: an import looked up when called fails only then)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        here = path.relative_to(PACKAGE).with_suffix("").parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = list(here[: len(here) - node.level])
                module = ".".join(["tinygrad_edu", *base, *(node.module or "").split(".")])
                for alias in node.names:
                    yield path.relative_to(PACKAGE), node.lineno, module.rstrip("."), alias.name


def test_every_relative_import_points_at_something():
    # Issue 18 item 6: viz/drawing.py imported Parameter from `.nn` (tinygrad_edu.viz.nn, which
    # does not exist) inside a try/except ImportError, so a frozen Parameter was drawn as data.
    import importlib

    broken = []
    for path, line, module, name in relative_imports():
        try:
            target = importlib.import_module(module)
        except ImportError as error:
            broken.append(f"{path}:{line}: from {module} import {name}: {error}")
            continue
        if name == "*" or hasattr(target, name):
            continue
        try:
            importlib.import_module(f"{module}.{name}")  # a submodule not imported yet
        except ImportError:
            broken.append(f"{path}:{line}: {module} has no {name}")
    assert broken == []
