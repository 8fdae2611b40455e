"""Every ```python block in README.md and docs/*.md runs, so the docs cannot drift from the code.

The blocks of one file run in order in one namespace (later blocks use earlier names), in a
temporary working directory.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def test_the_collector_finds_the_blocks():
    concepts = ROOT / "docs" / "concepts.md"
    assert len(python_blocks(concepts)) >= 8


@pytest.mark.parametrize(
    "document",
    [d for d in DOCUMENTS if d.exists() and python_blocks(d)],
    ids=lambda d: str(d.relative_to(ROOT)),
)
def test_document_code_runs(document, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    blocks = python_blocks(document)
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"{document.name} block {number}", "exec")
        exec(code, namespace)  # noqa: S102  (our own documentation); a failing block raises
    assert blocks and len(namespace) > 1  # the blocks ran and defined what they show
