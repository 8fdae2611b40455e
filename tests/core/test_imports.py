"""The house's structure: which module imports which (read from the source, not run)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tinygrad_edu"


def _is_module(parts) -> bool:
    path = PACKAGE.joinpath(*parts)
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _module_name(path: Path) -> str:
    """ops/binary.py -> "ops.binary", ops/__init__.py -> "ops", __init__.py -> "__init__"."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set:
    """The package modules that `path` imports (relative imports, dotted from the package),
    at any depth of the file (an import inside a function is an edge too)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level])
            target = base + (node.module.split(".") if node.module else [])
            if node.module:
                found.add(".".join(target))
            for alias in node.names:
                if _is_module(target + [alias.name]):
                    found.add(".".join(target + [alias.name]))
    return found


def module_graph() -> dict:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        graph[name] = {m for m in imports_of(path) if m != name}
    return graph


def find_circle(graph: dict):
    """One circle of imports (a list of modules, first == last), or None (depth-first)."""
    state = {}  # module -> "open" while on the path, "done" once all it reaches is explored
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [], [(start, iter(sorted(graph[start])))]
        state[start] = "open"
        path.append(start)
        while stack:
            node, targets = stack[-1]
            for target in targets:
                if state.get(target) == "open":
                    return path[path.index(target):] + [target]
                if target not in state and target in graph:
                    state[target] = "open"
                    path.append(target)
                    stack.append((target, iter(sorted(graph[target]))))
                    break
            else:
                state[node] = "done"
                path.pop()
                stack.pop()
    return None


def test_the_op_catalogue_depends_on_the_engine_and_the_geometry_only():
    graph = module_graph()
    catalogue = {name for name in graph if name == "ops" or name.startswith("ops.")}
    assert catalogue >= {"ops.binary", "ops.unary", "ops.reduce", "ops.shape", "ops.loss",
                         "ops.window"}
    outside = set().union(*(graph[name] for name in catalogue)) - catalogue
    assert outside == {"autograd", "conv"}
    assert graph["conv"] == set()  # conv.py: array geometry, no ops, no Tensors


def test_no_import_circle_but_the_one_tensor_and_autograd_need():
    # autograd makes Tensors and tensor records ops: autograd imports tensor (at its end, once
    # Function exists), the one edge back. Without it the house must have no circle at all,
    # of any length (tensor -> ops -> autograd -> tensor is that same edge).
    graph = module_graph()
    assert "tensor" in graph["autograd"]
    graph["autograd"] = graph["autograd"] - {"tensor"}
    assert find_circle(graph) is None


def test_the_circle_finder_sees_circles_of_any_length():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_only_tensor_py_names_the_ops():
    # one road into each op: the Tensor method; tg.*, F.*, nn and the NumPy tables call it
    users = {name for name, targets in module_graph().items()
             if not (name == "ops" or name.startswith("ops."))
             and any(t == "ops" or t.startswith("ops.") for t in targets)}
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
    # Once: viz/drawing.py imported Parameter from `.nn` (tinygrad_edu.viz.nn, which
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


def test_grad_mode_and_the_version_counter_are_leaf_modules():
    graph = module_graph()
    assert graph["modes"] == set() and graph["versions"] == set()
    for user in ("optim", "nn.module", "nn.functional"):  # they import the switches directly
        assert graph[user] & {"modes", "versions"}, user


def private_reaches(path: Path) -> list:
    """`module._name` in `path`, where `module` is a package module it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {alias.asname or alias.name for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.level for alias in node.names
               if _is_module(list(path.relative_to(PACKAGE).parent.parts[: len(
                   path.relative_to(PACKAGE).parts) - node.level]) +
                   (node.module.split(".") if node.module else []) + [alias.name])}
    return [f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in modules and node.attr.startswith("_")
            and not node.attr.startswith("__")]


def test_viz_optim_and_nn_use_only_the_engines_public_names():
    reaches = [reach for folder in ("viz", "nn") for path in sorted((PACKAGE / folder).glob("*.py"))
               for reach in private_reaches(path)]
    reaches += private_reaches(PACKAGE / "optim.py")
    assert reaches == []
