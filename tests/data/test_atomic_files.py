"""tinygrad_edu.files: every file the package writes appears whole or not at all."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.viz
from tinygrad_edu import nn
from tinygrad_edu.files import AtomicWriter, write_atomically


def test_writes_a_new_file_with_ordinary_permissions(tmp_path):
    write_atomically(tmp_path / "a.bin", b"new")
    assert (tmp_path / "a.bin").read_bytes() == b"new"
    (tmp_path / "ordinary").write_bytes(b"")
    assert (tmp_path / "a.bin").stat().st_mode == (tmp_path / "ordinary").stat().st_mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "ordinary"]


def test_replacing_keeps_the_old_files_permissions(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path, error):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        with AtomicWriter(target) as file:
            file.write(b"half of the new")
            raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_failing_rename_leaves_no_temporary(tmp_path, monkeypatch):
    def refuse(source, target):
        raise OSError("rename refused")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="rename refused"):
        write_atomically(tmp_path / "a.bin", b"new")
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_file_can_be_checked_before_it_is_moved(tmp_path):
    target = tmp_path / "a.bin"
    writer = AtomicWriter(target)
    with writer as file:
        file.write(b"checked")
        file.flush()
        assert writer.temporary.parent == tmp_path
        assert writer.temporary.read_bytes() == b"checked" and not target.exists()
    assert target.read_bytes() == b"checked"


def test_keep_existing_lets_a_file_that_appeared_meanwhile_win(tmp_path):
    target = tmp_path / "a.bin"
    with AtomicWriter(target, keep_existing=True) as file:
        file.write(b"ours")
        target.write_bytes(b"theirs")  # another download finished first
    assert target.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cannot write .*a.bin: folder .*nowhere does "
                                                 r"not exist"):
        write_atomically(tmp_path / "nowhere" / "a.bin", b"")


def test_models_graphs_and_pages_are_all_written_through_it(tmp_path, monkeypatch):
    moved = []
    original = AtomicWriter._move_into_place

    def record(writer):
        moved.append(writer.path.name)
        original(writer)

    monkeypatch.setattr(AtomicWriter, "_move_into_place", record)
    nn.Linear(2, 2).save(tmp_path / "model")
    w = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    tg.viz.save_graph((w * w).sum(), tmp_path / "graph.dot")
    tg.viz.save_html((w * w).sum(), tmp_path / "page.html")
    assert moved == ["model.npz", "graph.dot", "page.html"]
