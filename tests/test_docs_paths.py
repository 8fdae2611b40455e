"""The docs show paths a reader can use: none of the machine they were written on."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Folders of a particular machine: root's home, a CI or build checkout, a real user's home.
# "/home/you/" stands for the reader's own home in the docs and is allowed.
MACHINE_PATH = re.compile(r"(/root/|/work/|/tmp/pytest-|/home/(?!you/)[a-z_][a-z0-9_-]*/)")


def documents():
    docs = [ROOT / "README.md", *ROOT.glob("README.*.md"), *(ROOT / "docs").rglob("*.md")]
    return [d for d in docs if d.exists()]


def test_the_docs_name_no_folder_of_the_machine_they_were_written_on():
    found = []
    for document in documents():
        for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{document.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "absolute paths of one machine in the docs:\n" + "\n".join(found)


def test_the_check_sees_a_machine_path():
    assert MACHINE_PATH.search("graph: /work/main/demos/output/xor_graph.svg")
    assert MACHINE_PATH.search("/home/alice/study/x.svg")
    assert not MACHINE_PATH.search("/home/you/project/.venv/bin/python")


SHELL_BLOCK = re.compile(r"^```(?:sh|text)\n(.*?)^```", re.S | re.M)
LEAVES_THE_PROJECT = re.compile(r"(?:^|\s)\.\./")  # commands run from the clone's root


def test_commands_in_the_docs_name_no_folder_outside_the_project():
    found = []
    for document in documents():
        for block in SHELL_BLOCK.findall(document.read_text(encoding="utf-8")):
            found += [f"{document.relative_to(ROOT)}: {line.strip()}"
                      for line in block.splitlines()
                      if line.lstrip("$ ").startswith((".venv/", "python", "make"))
                      and LEAVES_THE_PROJECT.search(line)]
    assert not found, "commands that reach outside the project:\n" + "\n".join(found)
    assert LEAVES_THE_PROJECT.search("demos/cnn_mnist.py --data-dir ../shared/data")


def test_skip_messages_name_no_folder_of_this_machine():
    from conftest import FASHION_MISSING

    assert not MACHINE_PATH.search(FASHION_MISSING) and "TINYGRAD_EDU_DATA" in FASHION_MISSING
    tests = Path(__file__).resolve().parent
    formatted = [f"{path.name}:{number}" for path in sorted(tests.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"pytest\.skip\(f\"[^\"]*\{[^}]*(DATA|ROOT|REPO|_dir|path)", line)]
    assert not formatted, f"skip messages that print a folder of this machine: {formatted}"
