"""Writing a file whole or not at all: the one way the package saves anything to disk.

Models (`Module.save`), graph pictures (`viz.save_graph`, `viz.save_html`) and downloaded
datasets are written to a temporary file beside the target, which then replaces the target
in one step (`os.replace`). A reader sees the old file or the new one, never half of one;
an error or Ctrl-C on the way removes the temporary file and leaves the old file untouched.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomically(folder / "notes.txt", b"delta = y * (1 - y) * e")
>>> (folder / "notes.txt").read_text()
'delta = y * (1 - y) * e'
>>> [p.name for p in folder.iterdir()]          # no temporary file left behind
['notes.txt']
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["AtomicWriter", "write_atomically"]

_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate newlines


class AtomicWriter:
    """`with AtomicWriter(path) as file:` writes bytes to `file`; `path` appears on success.

    The temporary file (`writer.temporary`, in the target's folder, so that the final rename
    never crosses file systems) exists from construction on: a caller can check what it
    wrote through that path before the `with` block ends. A new file gets the permissions
    any new file of the user's gets (umask); a replaced file keeps its own. With
    `keep_existing=True` a target that appeared meanwhile wins and the new copy is dropped
    (two downloads of the same file racing each other).
    """

    def __init__(self, path, keep_existing: bool = False):
        self.path = Path(path)
        self.keep_existing = keep_existing
        folder = self.path.parent
        if not folder.is_dir():
            raise FileNotFoundError(
                f"cannot write {self.path}: folder {folder} does not exist"
            )
        name = f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        self.temporary = folder / name
        # O_EXCL: a fresh file of our own, never someone else's that happens to have the name.
        handle = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
        self.file = os.fdopen(handle, "wb")

    def __enter__(self):
        return self.file

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())  # on disk before the rename makes it visible
                self.file.close()
                self._move_into_place()
        finally:
            self.file.close()
            with contextlib.suppress(OSError):  # already renamed, or never fully made
                os.unlink(self.temporary)
        return False

    def _move_into_place(self):
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            mode = None
        if mode is not None and self.keep_existing:
            return
        if mode is not None:
            os.chmod(self.temporary, mode)
        os.replace(self.temporary, self.path)


def write_atomically(path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see the module's docstring)."""
    with AtomicWriter(path) as file:
        file.write(data)
