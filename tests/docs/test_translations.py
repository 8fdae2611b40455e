"""The Korean docs stay the translations of the English ones.

Every heading of an English page has an anchor slug (GitHub's rule); its Korean page carries
the same anchors explicitly, `<a id="slug"></a>` on the line before each Korean heading, in
the same order and at the same heading level. A section added, removed or renamed on one side
only fails here. The code is the same too: the python blocks of a translation equal the
English ones once comments and docstrings (the prose inside code) are set aside, and the
numbers in their comments (the printed results) are the same.
"""

import ast
import collections
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from test_docs import python_blocks

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = [  # (English page, Korean page)
    (ROOT / "README.md", ROOT / "README.ko.md"),
    (ROOT / "docs" / "tutorial.md", ROOT / "docs" / "ko" / "tutorial.md"),
    (ROOT / "docs" / "errors.md", ROOT / "docs" / "ko" / "errors.md"),
    (ROOT / "docs" / "bptt.md", ROOT / "docs" / "ko" / "bptt.md"),
]
PAIR_IDS = [korean.name if korean.parent == ROOT else "docs/ko/" + korean.name
            for _, korean in TRANSLATIONS]
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
HEADING = re.compile(r"^(#{1,6}) +(.+?) *$", re.M)
ANCHOR = re.compile(r'^<a id="([^"]+)"></a>\n(#{1,6}) ', re.M)
LINK_TO_SECTION = re.compile(r"\]\(#([^)]+)\)")


def prose(path: Path) -> str:
    """The page without its fenced blocks (a `# comment` in code is not a heading)."""
    return FENCED.sub("", path.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def english_sections(path: Path) -> list[tuple[str, int]]:
    return [(slug(title), len(hashes)) for hashes, title in HEADING.findall(prose(path))]


def korean_sections(path: Path) -> list[tuple[str, int]]:
    return [(anchor, len(hashes)) for anchor, hashes in ANCHOR.findall(prose(path))]


def test_slug_follows_githubs_rule_as_the_english_contents_links_use_it():
    tutorial = ROOT / "docs" / "tutorial.md"
    slugs = {s for s, _ in english_sections(tutorial)}
    links = LINK_TO_SECTION.findall(prose(tutorial))
    assert len(links) >= 8 and set(links) <= slugs
    assert slug("4. Backprop by hand: the notes' two deltas") == (
        "4-backprop-by-hand-the-notes-two-deltas")
    assert slug("The same with `backward()`") == "the-same-with-backward"


@pytest.mark.parametrize(("english", "korean"), TRANSLATIONS, ids=PAIR_IDS)
def test_every_english_section_has_its_korean_counterpart(english, korean):
    english_side = english_sections(english)
    korean_side = korean_sections(korean)
    assert english_side, f"no headings found in {english.name}"
    missing = [s for s, _ in english_side if s not in {k for k, _ in korean_side}]
    extra = [k for k, _ in korean_side if k not in {s for s, _ in english_side}]
    assert not missing, f"sections of {english.name} with no Korean counterpart: {missing}"
    assert not extra, f"Korean sections with no English counterpart: {extra}"
    assert korean_side == english_side, "the sections are in another order or at other levels"


@pytest.mark.parametrize(("english", "korean"), TRANSLATIONS, ids=PAIR_IDS)
def test_every_korean_heading_carries_an_anchor(english, korean):
    headings = len(HEADING.findall(prose(korean)))
    assert headings == len(korean_sections(korean)), (
        f"{korean.name} has a heading without <a id=...></a> on the line before it")


KOREAN_PAGES = sorted([ROOT / "README.ko.md", *(ROOT / "docs" / "ko").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors_of(path: Path) -> set[str]:
    """What `page#anchor` can point at: explicit `<a id>`s and GitHub's heading slugs."""
    text = prose(path)
    return set(re.findall(r'<a id="([^"]+)"></a>', text)) | {
        slug(title) for _, title in HEADING.findall(text)}


def korean_links() -> list[tuple[str, Path, str]]:
    """(where, page the link is relative to, target) for every link of the Korean pages and
    the markdown cells of the notebooks."""
    links = [(page.name, page, target) for page in KOREAN_PAGES
             for target in LINK.findall(prose(page))]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "markdown":
                links += [(notebook.name, notebook, target)
                          for target in LINK.findall("".join(cell["source"]))]
    return links


def test_links_in_the_korean_pages_and_notebooks_land():
    links = korean_links()
    assert len(links) >= 30
    for where, page, target in links:
        if target.startswith(("http://", "https://")):
            continue
        file_part, _, anchor = target.partition("#")
        path = (page.parent / file_part).resolve() if file_part else page
        assert path.exists(), f"{where} links to {target}: no such file"
        if anchor:
            assert anchor in anchors_of(path), f"{where} links to {target}: no such section"


def test_the_check_notices_a_section_added_on_one_side(tmp_path):
    english = tmp_path / "page.md"
    korean = tmp_path / "page.ko.md"
    english.write_text("# Title\n\n## One\n\n## Two: more\n", encoding="utf-8")
    korean.write_text('<a id="title"></a>\n# 제목\n\n<a id="one"></a>\n## 하나\n',
                      encoding="utf-8")
    assert english_sections(english) == [("title", 1), ("one", 2), ("two-more", 2)]
    assert korean_sections(korean) == [("title", 1), ("one", 2)]
    with pytest.raises(AssertionError, match="two-more"):
        test_every_english_section_has_its_korean_counterpart(english, korean)


def code_without_prose(block: str) -> str:
    """The block's syntax tree with docstrings removed: comments and layout never enter it."""
    tree = ast.parse(block)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list) and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def numbers_in_comments(block: str) -> collections.Counter:
    comments = [token.string for token in tokenize.generate_tokens(io.StringIO(block).readline)
                if token.type == tokenize.COMMENT]
    return collections.Counter(re.findall(r"\d+(?:\.\d+)?", " ".join(comments)))


@pytest.mark.parametrize(("english", "korean"), TRANSLATIONS, ids=PAIR_IDS)
def test_the_translation_runs_the_same_code_and_shows_the_same_numbers(english, korean):
    english_blocks = python_blocks(english)
    korean_blocks = python_blocks(korean)
    assert len(korean_blocks) == len(english_blocks)
    for number, (en, ko) in enumerate(zip(english_blocks, korean_blocks), start=1):
        assert code_without_prose(ko) == code_without_prose(en), f"python block {number} differs"
        assert numbers_in_comments(ko) == numbers_in_comments(en), (
            f"python block {number}: the numbers in the comments (printed results) differ")


def test_code_comparison_ignores_prose_but_not_code():
    english = 'def f(x):\n    """Square."""\n    return x * x   # note 000\n'
    korean = 'def f(x):\n    """제곱."""\n    return x * x   # 노트 000\n'
    assert code_without_prose(english) == code_without_prose(korean)
    assert code_without_prose(english) != code_without_prose(korean.replace("x * x", "x * 2"))
    assert numbers_in_comments(english) == numbers_in_comments(korean)
    assert numbers_in_comments("y = 1  # [0 1]\n") != numbers_in_comments("y = 1  # [0 0]\n")


GLOSSARY_API = re.compile(r"`((?:tg|F|nn|optim)\.[\w.]+)`")


def test_every_api_name_in_the_glossary_exists():
    glossary = (ROOT / "docs" / "ko" / "glossary.md").read_text(encoding="utf-8")
    api_column = [row.rsplit("|", 2)[1] for row in glossary.splitlines()
                  if row.startswith("| ") and not row.startswith("| ---")]
    names = GLOSSARY_API.findall(" ".join(api_column))
    assert len(names) >= 40
    roots = {"tg": tg, "F": F, "nn": nn, "optim": optim}
    for name in names:
        first, *rest = name.split(".")
        thing = roots[first]
        for part in rest:
            assert hasattr(thing, part), f"the glossary names {name}, which does not exist"
            thing = getattr(thing, part)
