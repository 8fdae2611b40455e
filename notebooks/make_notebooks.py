"""Write the Korean notebooks in notebooks/ from their sources in notebooks/src/, one each.

    .venv/bin/python notebooks/make_notebooks.py     # rewrites notebooks/*.ipynb, without outputs

A source is a Python file in the "percent" format that Jupytext, VS Code and Spyder read:
`# %%` starts a code cell, `# %% [markdown]` a markdown cell written as comments (each line's
`# ` is taken off). Edit a source, run this file, and the .ipynb follows. Cell ids are fixed,
so running it twice writes the same files. The notebooks are kept in git without outputs
(tests/test_notebooks.py fails otherwise); running this also clears outputs that Jupyter
saved into them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

FOLDER = Path(__file__).resolve().parent
SOURCES = FOLDER / "src"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
CELL_START = re.compile(r"^# %%( \[markdown\])?[ \t]*$", re.M)


def notebook_names() -> list[str]:
    return [source.stem + ".ipynb" for source in sorted(SOURCES.glob("*.py"))]


def cells(text: str, where: str = "source") -> list[tuple[str, str]]:
    """(kind, text) for each cell of a percent-format source."""
    starts = list(CELL_START.finditer(text))
    if not starts or text[:starts[0].start()].strip():
        raise ValueError(f"{where}: must begin with a `# %%` line")
    found = []
    for start, following in zip(starts, [*starts[1:], None]):
        body = text[start.end():following.start() if following else len(text)].strip("\n")
        if start.group(1):  # markdown: every line a comment
            lines = body.splitlines()
            stray = [line for line in lines if not line.startswith("#")]
            if stray:
                raise ValueError(f"{where}: a markdown cell has a line that is not a comment: "
                                 f"{stray[0]!r}")
            body = "\n".join(line[2:] if line.startswith("# ") else line[1:] for line in lines)
            found.append(("markdown", body.strip()))
        else:
            found.append(("code", body.strip()))
    return found


def build(file_name: str) -> nbformat.NotebookNode:
    """The notebook `file_name` as nbformat builds it: no outputs, fixed cell ids."""
    source = SOURCES / file_name.replace(".ipynb", ".py")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    prefix = file_name.split("_", 1)[0]
    text = source.read_text(encoding="utf-8")
    for number, (kind, body) in enumerate(cells(text, f"notebooks/src/{source.name}"), start=1):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(body, id=f"c{prefix}-{number:02d}"))
    nbformat.validate(notebook)
    return notebook


def main() -> None:
    for file_name in notebook_names():
        nbformat.write(build(file_name), FOLDER / file_name)
        print(f"wrote notebooks/{file_name}")


if __name__ == "__main__":
    main()
