"""MNIST and Fashion-MNIST as NumPy arrays, checked before they are used.

>>> import tinygrad_edu as tg
>>> (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist()
>>> x_train.shape, x_train.dtype, t_train[:5].tolist()
((60000, 784), dtype('float32'), [5, 0, 4, 1, 9])
>>> (x, t), _ = tg.datasets.load_mnist(normalize=False, flatten=False, one_hot=True)
>>> x.shape, x.dtype, t.shape
((60000, 1, 28, 28), dtype('uint8'), (60000, 10))

Where the files are looked for
------------------------------
Each data set is the four standard IDX files, gzip-compressed, in one folder:
`<root>/mnist/` for MNIST and `<root>/fashion-mnist/` for Fashion-MNIST. With
`root=None`, `<root>` is the first of:

1. `$TINYGRAD_EDU_DATA`, when that environment variable is set;
2. the repository's own `data/` folder (next to the `tinygrad_edu` package), when it holds
   all four files of the data set asked for (a clone ships `data/mnist/`);
3. a per-user cache folder: `$XDG_CACHE_HOME/tinygrad_edu`, else `~/.cache/tinygrad_edu`
   (`%LOCALAPPDATA%\\tinygrad_edu` on Windows).

`data_root(kind)` tells which one it is on your machine.

What is checked
---------------
Every file is verified before it is parsed: its gzip stream, the IDX header (magic number,
number of dimensions, 28x28 images, a byte length equal to what the header announces), and
the SHA-256 of its decompressed contents against the digests below. Image and label counts
must agree. A file that fails raises `CorruptDataError` naming the file, the problem and the
fix; it is never parsed into garbage, and never deleted or overwritten.

Missing files are downloaded (with `download=True`) from the mirrors in `MIRRORS`, tried in
order, each to a temporary file in the destination folder that is verified and then moved
into place atomically, so an interrupted download leaves nothing behind. When every mirror
fails, or `download=False`, one `MissingDataError` lists the missing files, the folder they
belong in, each mirror's failure and how to fix it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import urllib.error
import urllib.request
import zlib
from http.client import HTTPException, IncompleteRead
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .files import AtomicWriter

__all__ = [
    "CorruptDataError",
    "DatasetError",
    "MIRRORS",
    "MissingDataError",
    "data_root",
    "download_file",
    "load_mnist",
]

DATA_ENV_VAR = "TINYGRAD_EDU_DATA"

# The repository ships data/mnist next to the package; an installed wheel has no such folder.
REPO_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# kind -> folder under the data root
SUBFOLDERS = {"mnist": "mnist", "fashion": "fashion-mnist"}
DISPLAY_NAMES = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (count)
IMAGE_SIDE = 28
NUM_CLASSES = 10

# SHA-256 of the *decompressed* IDX bytes. Mirrors re-compress the files (other gzip headers,
# other MD5s of the .gz) but the contents never change, so this is what identifies a good file.
# Computed once with hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() on the files
# in data/mnist (byte-identical to the published originals) and on Fashion-MNIST's (Debian's
# dataset-fashion-mnist package).
IDX_SHA256 = {
    "mnist": {
        TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion": {
        TRAIN_IMAGES: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        TRAIN_LABELS: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        TEST_IMAGES: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        TEST_LABELS: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

# The MD5s published for the original MNIST .gz files (LeCun's site; torchvision checks the same
# ones). Not used to accept or reject a file, since a re-compressed copy is just as good; kept so
# that `md5sum` can tell whether a copy is byte for byte the original (the shipped data/mnist is).
PUBLISHED_GZIP_MD5 = {
    "mnist": {
        TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
        TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
        TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
    },
}

# Tried in this order; each URL is a folder that holds the four files.
# yann.lecun.com comes last: it often answers 403 or not at all.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ],
}

DOWNLOAD_TIMEOUT = 30.0  # seconds without progress before a mirror counts as unreachable
_CHUNK = 1 << 20


class _CutShort(ConnectionError):
    """The server hung up before sending the whole file."""


class DatasetError(ValueError):
    """A data file is missing, corrupt or could not be downloaded; the message says what to do."""


class CorruptDataError(DatasetError):
    """A data file exists but is not the expected one (bad gzip, bad IDX header, checksum)."""

    def __init__(self, path, problem, advice=""):
        self.path = Path(path)
        self.problem = problem
        message = f"Corrupt data file {self.path}: {problem}."
        super().__init__(f"{message}\n{advice}" if advice else message)


class MissingDataError(DatasetError):
    """Data files are missing and could not be downloaded (or downloading was turned off).

    `failures` lists `(url, why)` for every mirror tried, in order.
    """

    def __init__(self, message, failures=()):
        self.failures = list(failures)
        super().__init__(message)


def _check_kind(kind):
    if kind not in SUBFOLDERS:
        allowed = ", ".join(repr(k) for k in SUBFOLDERS)
        raise ValueError(f"kind must be one of {allowed}; got {kind!r}")


def _user_cache_dir() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "tinygrad_edu"


def data_root(kind="mnist") -> Path:
    """The folder `load_mnist(root=None, kind=kind)` uses; the files live in a subfolder of it.

    `$TINYGRAD_EDU_DATA` if set, else the repository's `data/` folder if it holds all four
    files of `kind`, else the per-user cache folder (see the module docstring).
    """
    _check_kind(kind)
    from_env = os.environ.get(DATA_ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    shipped = REPO_DATA_DIR / SUBFOLDERS[kind]
    if all((shipped / name).is_file() for name in FILE_NAMES):
        return REPO_DATA_DIR
    return _user_cache_dir()


# ---------------------------------------------------------------------------------------------
# Reading and verifying one IDX file
# ---------------------------------------------------------------------------------------------


def _read_exactly(stream, size):
    """Up to `size` bytes; reads in chunks so that a lying header cannot ask for terabytes."""
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(min(_CHUNK, size - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _read_verified_idx(path, kind, file_name):
    """The array stored in the IDX .gz file `path` (which is `file_name` of `kind`).

    Every check runs before anything is parsed; the first that fails raises CorruptDataError.
    """
    path = Path(path)
    expected_magic = IMAGES_MAGIC if "images" in file_name else LABELS_MAGIC
    ndim = expected_magic & 0xFF

    def corrupt(problem):
        return CorruptDataError(path, problem, _corrupt_advice(kind, file_name))

    with open(path, "rb") as raw:
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                magic_bytes = _read_exactly(stream, 4)
                if len(magic_bytes) < 4:
                    raise corrupt("truncated: too short to hold an IDX header")
                magic = int.from_bytes(magic_bytes, "big")
                if magic != expected_magic:
                    what = {IMAGES_MAGIC: "an image file", LABELS_MAGIC: "a label file"}
                    seen = f" ({what[magic]})" if magic in what else ""
                    raise corrupt(
                        f"bad magic number 0x{magic:08X}{seen}, expected 0x{expected_magic:08X} "
                        f"({what[expected_magic]}); is it the right file?"
                    )
                dim_bytes = _read_exactly(stream, 4 * ndim)
                if len(dim_bytes) < 4 * ndim:
                    raise corrupt("truncated inside the IDX header")
                dims = tuple(int(d) for d in np.frombuffer(dim_bytes, dtype=">u4"))
                if ndim == 3 and dims[1:] != (IMAGE_SIDE, IMAGE_SIDE):
                    raise corrupt(
                        f"images are {dims[1]}x{dims[2]}, expected {IMAGE_SIDE}x{IMAGE_SIDE}"
                    )
                size = int(np.prod(dims, dtype=np.int64))
                payload = _read_exactly(stream, size)
                if len(payload) < size:
                    raise corrupt(
                        f"truncated: the header announces shape {dims}, that is {size} bytes of "
                        f"data, but the file holds only {len(payload)}"
                    )
                # Reading on to the end of the gzip stream also checks its CRC.
                if stream.read(1):
                    raise corrupt(
                        f"over-long: more data follows the {size} bytes that the header "
                        f"announces for shape {dims}"
                    )
        except EOFError:
            raise corrupt("truncated: the gzip stream ends too early") from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise corrupt(f"not a valid gzip file ({exc})") from None

    digest = hashlib.sha256(magic_bytes)
    digest.update(dim_bytes)
    digest.update(payload)
    actual, expected = digest.hexdigest(), IDX_SHA256[kind][file_name]
    if actual != expected:
        raise corrupt(
            "SHA-256 checksum mismatch of the decompressed contents "
            f"(expected {expected}, got {actual})"
        )
    # bytearray-backed, so the caller gets a writable array without another copy
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def _corrupt_advice(kind, file_name):
    mirror = MIRRORS[kind][0] if MIRRORS.get(kind) else ""
    source = f" (for example {mirror}{file_name})" if mirror else ""
    return (
        "The file was left untouched. Delete it and run again with download=True to fetch a "
        f"fresh copy, or replace it with an intact copy of {file_name}{source}."
    )


# ---------------------------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------------------------


def _why(exc) -> str:
    """One line on why a mirror failed, for the error that lists all of them."""
    if isinstance(exc, CorruptDataError):
        return f"downloaded file is corrupt: {exc.problem}"
    if isinstance(exc, _CutShort):
        return str(exc)
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return "timed out"
        return f"cannot connect ({reason})"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _fetch(url, out, timeout, label):
    """Stream `url` into the open binary file `out`; a short body is an error, not a success."""
    request = urllib.request.Request(url, headers={"User-Agent": "tinygrad_edu"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        received, cut_short = 0, False
        # disable=None: a bar on a terminal only, not a growing line of redraws in a log file.
        with tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=None) as bar:
            while True:
                try:
                    chunk = response.read(64 * 1024)
                except IncompleteRead:
                    cut_short = True
                    break
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    # When the server hangs up early, http.client raises IncompleteRead or, depending on the
    # Python version and transfer encoding, quietly returns b"": compare with Content-Length.
    if cut_short or (total is not None and received != total):
        expected = f"{total}" if total is not None else "an unknown number of"
        raise _CutShort(f"connection closed after {received} of {expected} bytes")


def download_file(file_name, folder, kind="mnist", mirrors=None, timeout=None) -> Path:
    """Download one of the four files of `kind` into `folder` and return its path.

    Mirrors (default `MIRRORS[kind]`) are tried in order. Each download goes to a temporary file
    in `folder`, is verified like `load_mnist` verifies (gzip, IDX header, SHA-256), and only
    then moved into place with `os.replace`; on any failure the temporary file is removed and
    the next mirror is tried. A file that is already there is returned as it is, never
    replaced (load_mnist verifies it). Raises MissingDataError, listing every mirror and why it
    failed, when none works.
    """
    _check_kind(kind)
    if file_name not in FILE_NAMES:
        raise ValueError(f"file_name must be one of {', '.join(FILE_NAMES)}; got {file_name!r}")
    folder = Path(folder)
    target = folder / file_name
    if target.exists():
        return target
    mirrors = list(MIRRORS[kind] if mirrors is None else mirrors)
    timeout = DOWNLOAD_TIMEOUT if timeout is None else timeout
    new_folders = [f for f in (folder, *folder.parents) if not f.exists()]  # deepest first
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(
            f"Cannot create the data folder {folder} ({exc}). Set {DATA_ENV_VAR} or pass root= "
            "to point at a folder you can write to."
        ) from None

    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file_name
        try:
            # keep_existing: someone may put the file there meanwhile; theirs wins.
            writer = AtomicWriter(target, keep_existing=True)
        except OSError as exc:
            raise DatasetError(
                f"Cannot write to the data folder {folder} ({exc}). Set {DATA_ENV_VAR} or pass "
                "root= to point at a folder you can write to."
            ) from None
        try:
            with writer as out:
                _fetch(url, out, timeout, file_name)
                out.flush()
                _read_verified_idx(writer.temporary, kind, file_name)  # before it is in place
            return target
        except (OSError, HTTPException, CorruptDataError) as exc:
            failures.append((url, _why(exc)))

    for created in new_folders:  # leave no empty folders behind a failed download
        try:
            created.rmdir()
        except OSError:  # not empty (something else was saved there meanwhile): keep it
            break
    tried = _list_failures(failures)
    raise MissingDataError(
        f"Could not download {file_name} into {folder}; every mirror failed:\n{tried}",
        failures=failures,
    )


def _list_failures(failures):
    return "\n".join(f"    {url}: {why}" for url, why in failures) or "    (no mirrors given)"


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def _fetch_missing(folder, kind, download):
    missing = [name for name in FILE_NAMES if not (folder / name).exists()]
    if not missing:
        return
    failures, failed_file = [], None
    if download:
        for name in missing:
            try:
                download_file(name, folder, kind)
            except MissingDataError as exc:
                # Offline, each further file would only wait for the same timeouts again.
                failures, failed_file = exc.failures, name
                break
        missing = [name for name in FILE_NAMES if not (folder / name).exists()]
        if not missing:
            return

    title = DISPLAY_NAMES[kind]
    lines = [f"{title} data files are missing from {folder}:"]
    lines += [f"    {name}" for name in missing]
    if download:
        lines.append(f"Downloading {failed_file} failed on every mirror:")
        lines.append(_list_failures(failures))
    else:
        lines.append("Downloading is off (download=False).")
    lines.append("To fix this, do one of:")
    lines.append(
        f"  - copy the four files ({', '.join(FILE_NAMES)}) into {folder}"
        + (", for example from " + MIRRORS[kind][0] if MIRRORS.get(kind) else "")
    )
    lines.append(
        f"  - set the {DATA_ENV_VAR} environment variable (or pass root=) to a folder whose "
        f"'{SUBFOLDERS[kind]}' subfolder holds them"
    )
    if not download:
        lines.append("  - call load_mnist(..., download=True) to download them")
    raise MissingDataError("\n".join(lines), failures=failures)


def _load_split(folder, kind, images_name, labels_name, normalize, flatten, one_hot):
    # Labels first: they are small, so a broken set is reported before 47 MB are unpacked.
    labels = _read_verified_idx(folder / labels_name, kind, labels_name)
    images = _read_verified_idx(folder / images_name, kind, images_name)
    if len(images) != len(labels):
        raise CorruptDataError(
            folder / images_name,
            f"it holds {len(images)} images but {labels_name} holds {len(labels)} labels",
            "Both files must come from the same download; replace them with intact copies.",
        )

    images = images.reshape(len(images), -1) if flatten else images[:, np.newaxis, :, :]
    if normalize:
        images = images.astype(np.float32)
        images /= 255.0
    if one_hot:
        labels = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    else:
        labels = labels.astype(np.int64)
    return images, labels


def load_mnist(root=None, normalize=True, flatten=True, one_hot=False, kind="mnist", download=True):
    """MNIST (or Fashion-MNIST: `kind="fashion"`) as `(x_train, t_train), (x_test, t_test)`.

    - images: float32 in [0, 1] when `normalize`, else uint8 in 0..255; shape (N, 784) when
      `flatten`, else (N, 1, 28, 28) (one channel, as convolution layers expect);
    - labels: int64 class indices of shape (N,), or float32 one-hot rows (N, 10) when `one_hot`;
    - N is 60,000 for training and 10,000 for testing.

    Files are read from `<root>/mnist/` (or `<root>/fashion-mnist/`); `root=None` picks the
    folder as described in the module docstring (`data_root`). Missing files are downloaded
    when `download` is true. Raises `MissingDataError` when files are missing and cannot be
    downloaded, and `CorruptDataError` when a file fails a check; existing files are never
    changed.
    """
    _check_kind(kind)
    base = data_root(kind) if root is None else Path(root).expanduser()
    folder = base / SUBFOLDERS[kind]
    _fetch_missing(folder, kind, download)
    options = dict(normalize=normalize, flatten=flatten, one_hot=one_hot)
    train = _load_split(folder, kind, TRAIN_IMAGES, TRAIN_LABELS, **options)
    test = _load_split(folder, kind, TEST_IMAGES, TEST_LABELS, **options)
    return train, test
