"""The Korean chapter notebooks in notebooks/ run top to bottom in a fresh kernel, and are kept
in git without outputs.

Each notebook runs in a new kernel started by nbclient. The kernel is this interpreter (the
project's .venv under `make test`), never whatever "python3" kernel the user's Jupyter set-up
happens to list first: a kernel spec pointing at `sys.executable` is put first on JUPYTER_PATH.
A failing cell (an `assert` cell included) fails the test with the cell and its error.
"""

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
CHAPTERS = ["01_gates_and_delta_rule", "02_xor_and_backprop",
            "03_numerical_gradient_and_gradcheck", "04_mnist", "05_convolution",
            "06_recurrent_networks"]
CELL_TIMEOUT_S = 120


def load_writer():
    spec = importlib.util.spec_from_file_location("make_notebooks", FOLDER / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_notebook_per_chapter_of_the_notes():
    assert [path.stem for path in NOTEBOOKS] == CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name} cell {number} was saved with its outputs: notebooks are kept "
                "without them. Run `.venv/bin/python notebooks/make_notebooks.py` (rewrites "
                "them clean) or clear the outputs in Jupyter before saving"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_what_make_notebooks_writes(path):
    written = load_writer().build(path.name)
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(nbformat.writes(written)) == on_disk, (
        f"{path.name} differs from its source notebooks/src/{path.stem}.py: edit the source "
        "and run `.venv/bin/python notebooks/make_notebooks.py`")


def test_each_notebook_has_one_source_file():
    assert [source.stem for source in sorted((FOLDER / "src").glob("*.py"))] == CHAPTERS
    assert load_writer().notebook_names() == [name + ".ipynb" for name in CHAPTERS]


def test_a_source_splits_into_its_cells_and_refuses_a_stray_line():
    writer = load_writer()
    source = "# %% [markdown]\n# # Title\n#\n#   - item\n\n# %%\nx = 1\n\n\n# %%\nprint(x)\n"
    assert writer.cells(source) == [("markdown", "# Title\n\n  - item"), ("code", "x = 1"),
                                    ("code", "print(x)")]
    with pytest.raises(ValueError, match="not a comment: 'oops'"):
        writer.cells("# %% [markdown]\n# text\noops\n", "here")
    with pytest.raises(ValueError, match="must begin with a `# %%` line"):
        writer.cells("x = 1\n# %%\ny = 2\n", "here")


def markdown_cells(path):
    return [cell.source for cell in nbformat.read(path, as_version=4).cells
            if cell.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_renders_as_prose_not_as_code(path):
    # Four leading spaces make a markdown line a code block: the intro paragraphs once were.
    for text in markdown_cells(path):
        prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
        indented = [line for line in prose.splitlines() if line.startswith("    ")]
        assert not indented, f"{path.name}: these lines would render as code: {indented}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_names_the_notebook_and_the_books_chapter(path):
    number = int(path.name.split("_")[0])
    title = markdown_cells(path)[0].splitlines()[0]
    # "노트북 5: 합성곱 신경망 (책 7장)": the notebook's number is not a chapter of the book
    assert re.fullmatch(rf"# 노트북 {number}: .+ \(책 [^)]*\d+장[^)]*\)", title), title
    for text in markdown_cells(path):
        assert not re.search(r"(^|[^책 ])[1-5]장[의.]", text), "a notebook called a chapter"


def test_the_outputs_check_notices_a_saved_output(tmp_path):
    notebook = load_writer().build(NOTEBOOKS[0].name)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    saved = tmp_path / NOTEBOOKS[0].name
    nbformat.write(notebook, saved)
    with pytest.raises(AssertionError, match="saved with its outputs"):
        test_committed_notebook_has_no_outputs(saved)


@pytest.fixture
def this_interpreters_kernel(tmp_path, monkeypatch):
    """Make the kernel named "python3" this interpreter, ahead of any user or system spec."""
    spec_folder = tmp_path / "jupyter" / "kernels" / "python3"
    spec_folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tinygrad_edu tests)",
        "language": "python",
    }
    (spec_folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    working_folder = tmp_path / "cwd"  # what a notebook writes stays out of the repository
    working_folder.mkdir()
    return working_folder


def execute(notebook, working_folder):
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(working_folder)}},
    )
    client.execute()
    return notebook


def outputs_of(notebook) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs]


def test_the_kernel_is_this_interpreter(this_interpreters_kernel):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    printed = outputs_of(execute(notebook, this_interpreters_kernel))[0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.prefix).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, this_interpreters_kernel):
    notebook = nbformat.read(path, as_version=4)
    asserts = [c for c in notebook.cells if c.cell_type == "code" and "assert " in c.source]
    assert asserts, f"{path.name} checks nothing: it needs assert cells"

    outputs = outputs_of(execute(notebook, this_interpreters_kernel))  # a failing cell raises

    kinds = [kind for output in outputs for kind in output.get("data", {})]
    assert "image/png" in kinds, f"{path.name} shows no matplotlib plot"
    assert "image/svg+xml" in kinds, f"{path.name} shows no graph drawn inline"
    svg = next(o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {}))
    assert "<svg" in svg and "tensor" in svg  # a drawn computational graph, not an empty picture
    drawn = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert not any(">nan" in g or " nan" in g for g in drawn)  # Once: `[nan nan nan]`
    warnings = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not warnings, f"{path.name} wrote to stderr: {warnings}"
