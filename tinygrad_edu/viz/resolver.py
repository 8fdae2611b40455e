"""Finding the program that turns DOT source into a picture, and running it.

`draw_graph` only builds DOT text (pure Python). A picture needs a `dot` program: the
`graphviz-pure` binary that pip installs with this package, or a system Graphviz.
`find_renderer` looks for one in a fixed order and says what it tried when it finds none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PdfNeedsSystemGraphviz",
    "RenderError",
    "Renderer",
    "RendererNotFound",
    "find_renderer",
    "render_source",
    "script_directories",
]

RENDERER_ENV_VAR = "TINYGRAD_EDU_DOT"
PURE_RENDERER = "graphviz-pure"
SYSTEM_RENDERER = "dot"

RENDERED_FORMATS = ("svg", "png", "pdf", "json")
SOURCE_FORMATS = ("dot", "gv")  # the DOT text itself: written without any renderer


class RendererNotFound(RuntimeError):
    """No program to turn DOT source into a picture: the message lists what was tried."""


class PdfNeedsSystemGraphviz(RendererNotFound):
    """PDF was asked for, but only graphviz-pure (which writes no PDF) is available."""


class RenderError(RuntimeError):
    """The renderer ran and failed; the message carries what it wrote on stderr."""





@dataclass(frozen=True)
class Renderer:
    """A program that reads DOT on stdin and writes a picture: `executable -Tsvg`."""

    executable: str
    found_by: str  # how it was found, for messages

    @property
    def is_graphviz_pure(self) -> bool:
        return Path(self.executable).name.lower().startswith(PURE_RENDERER)

    def writes(self, format: str) -> bool:
        return not (format == "pdf" and self.is_graphviz_pure)


def script_directories() -> list:
    """Where this interpreter's console scripts live: an unactivated venv's bin/ is not on PATH.

    sysconfig's answer is the install location; the interpreter's own folder covers a venv run
    through a symlink, where the two can differ.
    """
    folders = []
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        if folder and folder not in folders:
            folders.append(folder)
    return folders


def find_renderer(format=None) -> Renderer:
    """The renderer to use, searched in this order.

    1. `$TINYGRAD_EDU_DOT`: an explicit path (or command name); used as it is.
    2. `graphviz-pure` on PATH.
    3. `graphviz-pure` in this interpreter's scripts folder (`script_directories()`).
    4. A system Graphviz `dot` on PATH.

    For `format="pdf"`, graphviz-pure (which writes no PDF) is passed over for a system `dot`.
    Raises `RendererNotFound` listing what was tried and the command that fixes it.

    >>> renderer = find_renderer()
    >>> renderer.found_by in ("$TINYGRAD_EDU_DOT", "graphviz-pure on PATH",
    ...                       "graphviz-pure in the scripts folder", "dot on PATH")
    True
    """
    explicit = os.environ.get(RENDERER_ENV_VAR, "")
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise RendererNotFound(
                f"${RENDERER_ENV_VAR} is set to {explicit!r}, which is not an executable "
                f"program. Point it at graphviz-pure or Graphviz's dot, or unset it to let "
                f"tinygrad_edu search PATH."
            )
        renderer = Renderer(found, f"${RENDERER_ENV_VAR}")
        if not renderer.writes(format or "svg"):
            raise PdfNeedsSystemGraphviz(_pdf_message(renderer))
        return renderer

    tried = [f"${RENDERER_ENV_VAR}: not set"]
    passed_over = None  # a graphviz-pure found while looking for a PDF writer
    candidates = [(PURE_RENDERER, None, "graphviz-pure on PATH")]
    candidates += [
        (PURE_RENDERER, folder, "graphviz-pure in the scripts folder")
        for folder in script_directories()
    ]
    candidates.append((SYSTEM_RENDERER, None, "dot on PATH"))
    for program, folder, how in candidates:
        found = shutil.which(program, path=folder)
        where = f"in {folder}" if folder else "on PATH"
        if found is None:
            tried.append(f"{program} {where}: not found")
            continue
        renderer = Renderer(found, how)
        if renderer.writes(format or "svg"):
            return renderer
        tried.append(f"{program} {where}: {found} (cannot write {format.upper()})")
        passed_over = passed_over or renderer
    if passed_over is not None:
        raise PdfNeedsSystemGraphviz(_pdf_message(passed_over))
    raise RendererNotFound(
        "no Graphviz renderer found to draw the graph. Tried:\n  - "
        + "\n  - ".join(tried)
        + f"\nFix it with:\n    {_interpreter()} -m pip install graphviz-pure\n"
        + f"(or set ${RENDERER_ENV_VAR} to a dot program; saving as .dot needs no renderer)"
    )


def _pdf_message(renderer) -> str:
    return (
        f"PDF needs the system Graphviz `dot`, but the renderer found is graphviz-pure "
        f"({renderer.executable}), which cannot write PDF. Install Graphviz "
        f"(https://graphviz.org/download/, e.g. `apt install graphviz` or "
        f"`brew install graphviz`), or save the graph as .svg or .png instead."
    )


def _interpreter() -> str:
    return f'"{sys.executable}"' if " " in sys.executable else sys.executable


def render_source(source, format="svg") -> bytes:
    """Run the renderer from `find_renderer` on DOT `source` (str or bytes): `dot -Tformat`.

    >>> render_source("digraph { a -> b }", "svg").startswith(b"<?xml")
    True
    """
    format = format.lower()
    if format not in RENDERED_FORMATS:
        raise ValueError(
            f"cannot render format {format!r}; choose one of {', '.join(RENDERED_FORMATS)} "
            f"(or {', '.join(SOURCE_FORMATS)} for the DOT source through save_graph)"
        )
    renderer = find_renderer(format)
    data = source.encode("utf-8") if isinstance(source, str) else source
    command = [renderer.executable, "-T" + format]
    try:
        done = subprocess.run(command, input=data, capture_output=True, check=False)
    except OSError as error:
        raise RenderError(
            f"could not run the renderer {renderer.executable} (found by {renderer.found_by}): "
            f"{error}"
        ) from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or "(nothing on stderr)"
        if format == "pdf" and "not recognized" in message:  # a graphviz-pure under another name
            raise PdfNeedsSystemGraphviz(_pdf_message(renderer))
        raise RenderError(
            f"{renderer.executable} -T{format} failed with exit code {done.returncode} "
            f"(renderer found by {renderer.found_by}):\n{message}"
        )
    if not done.stdout:
        raise RenderError(f"{renderer.executable} -T{format} wrote nothing")
    return done.stdout
