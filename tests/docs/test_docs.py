"""Every ```python block in the READMEs and docs/ (Korean docs/ko/ included) runs, so the docs
cannot drift from the code.

The blocks of one file run in order in one namespace (later blocks use earlier names), in a
temporary working directory. A ```text block that follows a python block with nothing but
blank lines between them is that block's printed output, and must match it exactly (the
Korean error page shows the real messages this way).
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([
    ROOT / "README.md",
    ROOT / "README.ko.md",
    *(ROOT / "docs").glob("*.md"),
    *(ROOT / "docs" / "ko").glob("*.md"),
])
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def fenced_blocks(path: Path) -> list[tuple[str, str, str | None]]:
    """(language, code, expected output or None) for every fenced block of `path`."""
    text = path.read_text(encoding="utf-8")
    fences = list(FENCE.finditer(text))
    blocks = []
    for this, following in zip(fences, [*fences[1:], None]):
        expected = None
        if (
            this.group(1) == "python"
            and following is not None
            and following.group(1) == "text"
            and not text[this.end():following.start()].strip()
        ):
            expected = following.group(2)
        blocks.append((this.group(1), this.group(2), expected))
    return blocks


def python_blocks(path: Path) -> list[str]:
    return [code for language, code, _ in fenced_blocks(path) if language == "python"]


def test_the_collector_finds_the_blocks():
    concepts = ROOT / "docs" / "concepts.md"
    assert len(python_blocks(concepts)) >= 8


def test_the_collector_pairs_a_block_with_its_printed_output(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(1)\n```\n\n```text\n1\n```\n\nprose\n\n```python\nx = 2\n```\n"
        "\nprose\n\n```text\nnot an output: prose in between\n```\n",
        encoding="utf-8",
    )
    assert [expected for _, _, expected in fenced_blocks(page)] == ["1\n", None, None, None]


def test_the_korean_docs_are_collected():
    names = {str(d.relative_to(ROOT)) for d in DOCUMENTS}
    assert {"README.ko.md", "docs/ko/tutorial.md", "docs/ko/errors.md"} <= names


@pytest.mark.parametrize(
    "document",
    [d for d in DOCUMENTS if d.exists() and python_blocks(d)],
    ids=lambda d: str(d.relative_to(ROOT)),
)
def test_document_code_runs(document, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    blocks = [(code, expected) for language, code, expected in fenced_blocks(document)
              if language == "python"]
    for number, (block, expected) in enumerate(blocks, start=1):
        name = f"{document.name} block {number}"
        code = compile(block, name, "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102  (our own documentation); a failing block raises
        if expected is not None:
            assert printed.getvalue() == expected, f"{name} printed something else than shown"
    assert blocks and len(namespace) > 1  # the blocks ran and defined what they show
