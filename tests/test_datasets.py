"""tinygrad_edu.datasets: the shipped MNIST files, Fashion-MNIST, file checks and downloads.

Downloads are tested against a local HTTP server on 127.0.0.1 that serves the repository's own
MNIST files (or broken versions of them); nothing here touches the internet.
"""

import gzip
import hashlib
import http.server
import shutil
import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import datasets
from tinygrad_edu.datasets import (
    FILE_NAMES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    CorruptDataError,
    DatasetError,
    MissingDataError,
    load_mnist,
)

REPO = Path(__file__).resolve().parents[1]
SHIPPED_MNIST = REPO / "data" / "mnist"

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ---------------------------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------------------------


def shipped_bytes(name):
    return (SHIPPED_MNIST / name).read_bytes()


def idx(magic, dims, payload=None):
    """An uncompressed IDX file; payload defaults to zeros of the announced size."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    if payload is None:
        payload = bytes(int(np.prod(dims)))
    return header + payload


def gz(data):
    return gzip.compress(data, mtime=0)


def relabelled_train_labels():
    """A valid gzip + IDX labels file whose first label is changed: only the checksum can tell."""
    raw = bytearray(gzip.decompress(shipped_bytes(TRAIN_LABELS)))
    raw[8] = (raw[8] + 1) % 10
    return gz(bytes(raw))


def listing(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def dataset_folder(root, replace=None, leave_out=()):
    """`root/mnist` with copies of the shipped files, some replaced by given bytes."""
    folder = Path(root) / "mnist"
    folder.mkdir(parents=True)
    for name in FILE_NAMES:
        if name in leave_out:
            continue
        if replace and name in replace:
            (folder / name).write_bytes(replace[name])
        else:
            shutil.copyfile(SHIPPED_MNIST / name, folder / name)
    return folder


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers each path the way the test put in `server.routes`; 404 for anything else."""

    def do_GET(self):
        self.server.requests.append(self.path)
        how, body = self.server.routes.get(self.path, ("missing", b""))
        if how == "missing":
            self.send_error(404, "Not Found")
            return
        if how == "slow":
            self.server.release.wait(5)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if how == "cut":
            # announce the whole file, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (the timeout and cut-connection tests) leaves the handler
        # writing into a closed socket: expected here, so no traceback on the test's output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LocalMirror:
    def __init__(self, server):
        self.server = server
        self.routes = server.routes
        self.requests = server.requests

    def url(self, folder):
        return f"http://127.0.0.1:{self.server.server_address[1]}/{folder}/"

    def serve(self, folder, name, body, how="ok"):
        self.routes[f"/{folder}/{name}"] = (how, body)

    def serve_mnist(self, folder):
        for name in FILE_NAMES:
            self.serve(folder, name, shipped_bytes(name))


@pytest.fixture
def mirror(monkeypatch):
    # A proxy set in the environment must not swallow requests to 127.0.0.1.
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    server = _Server(("127.0.0.1", 0), _Handler)
    server.routes, server.requests, server.release = {}, [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield LocalMirror(server)
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port_url():
    """The URL of a port nobody listens on: connecting is refused, as when offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def quiet_env(monkeypatch, tmp_path):
    """No data-folder settings from the machine running the tests."""
    monkeypatch.delenv(datasets.DATA_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return monkeypatch


@pytest.fixture(scope="module")
def mnist():
    """load_mnist() with every default, as a fresh clone sees it (the shipped data/mnist)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(datasets.DATA_ENV_VAR, raising=False)
        return load_mnist(download=False)


@pytest.fixture(scope="module")
def mnist_raw():
    return load_mnist(REPO / "data", normalize=False, flatten=False, one_hot=True, download=False)


# ---------------------------------------------------------------------------------------------
# The shipped MNIST files
# ---------------------------------------------------------------------------------------------


def test_shipped_files_are_the_published_originals():
    for name, md5 in datasets.PUBLISHED_GZIP_MD5["mnist"].items():
        assert hashlib.md5(shipped_bytes(name)).hexdigest() == md5, name


def test_default_load_shapes_dtypes_and_ranges(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert t_train.shape == (60000,) and t_test.shape == (10000,)
    assert t_train.dtype == np.int64 and t_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    # the usual normalisation constants, as the README lists them
    assert x_train.mean() == pytest.approx(0.130660, abs=1e-5)
    assert x_test.mean() == pytest.approx(0.132515, abs=1e-5)


def test_first_labels_and_label_counts(mnist):
    (_, t_train), (_, t_test) = mnist
    assert t_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert t_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(t_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test, minlength=10).tolist() == TEST_COUNTS


def test_raw_unflattened_one_hot_variant(mnist_raw):
    (x_train, t_train), (x_test, t_test) = mnist_raw
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert x_train.dtype == np.uint8 and x_train.min() == 0 and x_train.max() == 255
    assert t_train.shape == (60000, 10) and t_test.shape == (10000, 10)
    assert t_train.dtype == np.float32
    assert set(np.unique(t_train).tolist()) == {0.0, 1.0}
    assert (t_train.sum(axis=1) == 1).all() and (t_test.sum(axis=1) == 1).all()
    # learners augment images in place; a read-only view of a buffer would refuse that
    assert x_train.flags.writeable


def test_variants_agree_with_each_other(mnist, mnist_raw):
    for (x, t), (x_raw, t_one_hot) in zip(mnist, mnist_raw):
        assert np.array_equal(x, x_raw.reshape(len(x_raw), 784).astype(np.float32) / 255)
        assert np.array_equal(t_one_hot.argmax(axis=1), t)
    # row-major flattening: pixel (row 14, column 10) of image 0 is feature 14 * 28 + 10
    (x_train, _), _ = mnist
    (x_raw_train, _), _ = mnist_raw
    assert x_train[0, 14 * 28 + 10] * 255 == x_raw_train[0, 0, 14, 10]


def test_unknown_kind_names_the_allowed_values():
    with pytest.raises(ValueError, match=r"kind must be one of 'mnist', 'fashion'; got 'emnist'"):
        load_mnist(kind="emnist")
    with pytest.raises(ValueError, match=r"'mnist', 'fashion'"):
        datasets.data_root("digits")


# ---------------------------------------------------------------------------------------------
# Fashion-MNIST (not shipped; read from ../shared/data when it is there)
# ---------------------------------------------------------------------------------------------


def test_fashion_mnist_from_shared_folder(fashion_root):
    (x_train, t_train), (x_test, t_test) = load_mnist(fashion_root, kind="fashion", download=False)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() == 1.0
    assert t_train.dtype == np.int64
    assert np.bincount(t_train).tolist() == [6000] * 10
    assert np.bincount(t_test).tolist() == [1000] * 10
    assert t_train[:4].tolist() == [9, 0, 0, 3]  # ankle boot, T-shirt, T-shirt, dress
    assert t_test[:4].tolist() == [9, 2, 1, 1]


def test_fashion_files_are_rejected_as_mnist(tmp_path, fashion_root):
    fashion_labels = (fashion_root / "fashion-mnist" / TRAIN_LABELS).read_bytes()
    dataset_folder(tmp_path, replace={TRAIN_LABELS: fashion_labels})
    with pytest.raises(CorruptDataError, match=r"train-labels-idx1-ubyte\.gz: SHA-256 checksum"):
        load_mnist(tmp_path, download=False)


# ---------------------------------------------------------------------------------------------
# Corrupt files already on disk: reported, never parsed, never touched
# ---------------------------------------------------------------------------------------------

LABELS_RAW = gzip.decompress(shipped_bytes(TRAIN_LABELS))

CORRUPTIONS = {
    "checksum": (
        TRAIN_LABELS,
        relabelled_train_labels,
        r"train-labels-idx1-ubyte\.gz: SHA-256 checksum mismatch of the decompressed contents "
        r"\(expected 65a50cbb[0-9a-f]{56}, got [0-9a-f]{64}\)",
    ),
    "cut gzip": (
        TRAIN_LABELS,
        lambda: shipped_bytes(TRAIN_LABELS)[:10000],
        r"train-labels-idx1-ubyte\.gz: truncated: the gzip stream ends too early",
    ),
    "cut IDX": (
        TRAIN_LABELS,
        lambda: gz(LABELS_RAW[:-100]),
        r"truncated: the header announces shape \(60000,\), that is 60000 bytes of data, "
        r"but the file holds only 59900",
    ),
    "over-long IDX": (
        TRAIN_LABELS,
        lambda: gz(LABELS_RAW + b"\x00"),
        r"over-long: more data follows the 60000 bytes that the header announces",
    ),
    "empty": (TRAIN_LABELS, lambda: b"", r"truncated: too short to hold an IDX header"),
    "not gzip": (
        TRAIN_LABELS,
        lambda: b"<html><body>Rate limit exceeded</body></html>",
        r"not a valid gzip file",
    ),
    "labels where images belong": (
        TRAIN_IMAGES,
        lambda: gz(idx(0x801, (3,))),
        r"train-images-idx3-ubyte\.gz: bad magic number 0x00000801 \(a label file\), "
        r"expected 0x00000803 \(an image file\)",
    ),
    "unknown magic": (
        TRAIN_LABELS,
        lambda: gz(b"\x1f\x8b\x08\x00" + LABELS_RAW[4:]),
        r"bad magic number 0x1F8B0800, expected 0x00000801 \(a label file\)",
    ),
    "wrong image size": (
        TRAIN_IMAGES,
        lambda: gz(idx(0x803, (2, 27, 27))),
        r"images are 27x27, expected 28x28",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupt_file_on_disk_is_reported_and_left_alone(case, tmp_path, mirror, monkeypatch):
    name, make_bytes, problem = CORRUPTIONS[case]
    bad = make_bytes()
    folder = dataset_folder(tmp_path, replace={name: bad})
    mirror.serve_mnist("good")
    monkeypatch.setitem(datasets.MIRRORS, "mnist", [mirror.url("good")])

    with pytest.raises(CorruptDataError, match=problem) as info:
        load_mnist(tmp_path, download=True)

    message = str(info.value)
    assert str(folder / name) in message
    assert "The file was left untouched. Delete it and run again" in message
    assert isinstance(info.value, ValueError)
    # reported, not replaced: same bytes, nothing downloaded, nothing added next to it
    assert (folder / name).read_bytes() == bad
    assert mirror.requests == []
    assert listing(folder) == sorted(FILE_NAMES)


def test_image_and_label_counts_must_agree(tmp_path, monkeypatch):
    # Only a file that passes its checksum reaches this check, so pin the checksum to a fake.
    images = idx(0x803, (3, 28, 28))
    monkeypatch.setitem(
        datasets.IDX_SHA256,
        "mnist",
        {**datasets.IDX_SHA256["mnist"], TRAIN_IMAGES: hashlib.sha256(images).hexdigest()},
    )
    dataset_folder(tmp_path, replace={TRAIN_IMAGES: gz(images)})
    with pytest.raises(
        CorruptDataError,
        match=r"train-images-idx3-ubyte\.gz: it holds 3 images but train-labels-idx1-ubyte\.gz "
        r"holds 60000 labels",
    ):
        load_mnist(tmp_path, download=False)


def test_recompressed_files_are_accepted(tmp_path):
    """Mirrors re-gzip the files: other gzip bytes, same contents, so the file is good."""
    recompressed = gz(gzip.decompress(shipped_bytes(TEST_LABELS)))
    assert recompressed != shipped_bytes(TEST_LABELS)
    folder = dataset_folder(tmp_path, replace={TEST_LABELS: recompressed})
    labels = datasets._read_verified_idx(folder / TEST_LABELS, "mnist", TEST_LABELS)
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


# ---------------------------------------------------------------------------------------------
# Missing files
# ---------------------------------------------------------------------------------------------


def test_missing_files_with_download_off(tmp_path, mirror, monkeypatch):
    monkeypatch.setitem(datasets.MIRRORS, "mnist", [mirror.url("good")])
    folder = dataset_folder(tmp_path, leave_out=(TEST_IMAGES, TRAIN_LABELS))
    with pytest.raises(MissingDataError) as info:
        load_mnist(tmp_path, download=False)
    message = str(info.value)
    assert f"MNIST data files are missing from {folder}:" in message
    assert TEST_IMAGES in message and TRAIN_LABELS in message
    assert f"    {TRAIN_IMAGES}\n" not in message  # only the missing ones are listed
    assert "Downloading is off (download=False)" in message
    assert f"into {folder}" in message
    assert "TINYGRAD_EDU_DATA" in message
    assert "download=True" in message
    assert mirror.requests == []
    assert listing(folder) == sorted([TRAIN_IMAGES, TEST_LABELS])


def test_offline_gives_one_error_naming_files_folder_and_mirrors(
    tmp_path, closed_port_url, monkeypatch
):
    second = closed_port_url.replace("/mnist/", "/other/")
    monkeypatch.setitem(datasets.MIRRORS, "mnist", [closed_port_url, second])
    folder = tmp_path / "mnist"
    with pytest.raises(MissingDataError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert message.startswith(f"MNIST data files are missing from {folder}:")
    for name in FILE_NAMES:
        assert f"    {name}\n" in message
    assert f"Downloading {TRAIN_IMAGES} failed on every mirror:" in message
    assert f"{closed_port_url}{TRAIN_IMAGES}: cannot connect" in message
    assert f"{second}{TRAIN_IMAGES}: cannot connect" in message
    assert "copy the four files" in message and f"into {folder}" in message
    assert "set the TINYGRAD_EDU_DATA environment variable" in message
    assert [url for url, _ in info.value.failures] == [
        closed_port_url + TRAIN_IMAGES,
        second + TRAIN_IMAGES,
    ]
    assert not folder.exists()  # no temporary file left behind, nor the folder made for it


def test_a_failed_download_removes_only_the_folders_it_made(tmp_path, closed_port_url,
                                                             monkeypatch):
    monkeypatch.setitem(datasets.MIRRORS, "mnist", [closed_port_url])
    root = tmp_path / "new" / "deeper"
    with pytest.raises(MissingDataError):
        load_mnist(root)
    assert not (tmp_path / "new").exists() and tmp_path.exists()


def test_data_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data root should be")
    with pytest.raises(DatasetError, match=r"Cannot create the data folder .*not-a-folder"):
        load_mnist(blocker)


# ---------------------------------------------------------------------------------------------
# Downloads from a local mirror
# ---------------------------------------------------------------------------------------------


def test_download_into_env_folder_then_load(tmp_path, mirror, quiet_env, mnist):
    mirror.serve_mnist("good")
    quiet_env.setitem(datasets.MIRRORS, "mnist", [mirror.url("good")])
    quiet_env.setenv(datasets.DATA_ENV_VAR, str(tmp_path / "data"))

    (x_train, t_train), (x_test, t_test) = load_mnist()

    folder = tmp_path / "data" / "mnist"
    assert listing(folder) == sorted(FILE_NAMES)
    for name in FILE_NAMES:
        assert (folder / name).read_bytes() == shipped_bytes(name)
    (x_ref, t_ref), (x_test_ref, t_test_ref) = mnist
    assert np.array_equal(t_train, t_ref) and np.array_equal(t_test, t_test_ref)
    assert np.array_equal(x_train, x_ref) and np.array_equal(x_test, x_test_ref)
    assert sorted(mirror.requests) == sorted(f"/good/{name}" for name in FILE_NAMES)

    load_mnist()
    assert len(mirror.requests) == 4  # present files are not fetched again


def test_only_missing_files_are_downloaded(tmp_path, mirror, monkeypatch):
    mirror.serve_mnist("good")
    monkeypatch.setitem(datasets.MIRRORS, "mnist", [mirror.url("good")])
    folder = dataset_folder(tmp_path, leave_out=(TEST_LABELS,))
    (_, _), (_, t_test) = load_mnist(tmp_path)
    assert mirror.requests == [f"/good/{TEST_LABELS}"]
    assert t_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert listing(folder) == sorted(FILE_NAMES)


# download_file on the small test-labels file keeps these fast.
GOOD_LABELS = shipped_bytes(TEST_LABELS) if SHIPPED_MNIST.is_dir() else b""


def corrupt_test_labels():
    raw = bytearray(gzip.decompress(GOOD_LABELS))
    raw[-1] = (raw[-1] + 1) % 10
    return gz(bytes(raw))


@pytest.mark.parametrize(
    "how, body, why",
    [
        ("missing", b"", r"HTTP 404 Not Found"),
        ("cut", GOOD_LABELS, r"connection closed after 2271 of 4542 bytes"),
        ("ok", corrupt_test_labels(), r"downloaded file is corrupt: SHA-256 checksum mismatch"),
        ("ok", GOOD_LABELS[:3000], r"downloaded file is corrupt: truncated"),
    ],
    ids=["404", "cut mid-file", "checksum", "truncated"],
)
def test_failing_mirror_then_working_one(how, body, why, tmp_path, mirror):
    mirror.serve("bad", TEST_LABELS, body, how=how)
    mirror.serve("good", TEST_LABELS, GOOD_LABELS)

    # alone, the bad mirror fails with its reason and leaves nothing behind
    with pytest.raises(MissingDataError, match=rf"bad/{TEST_LABELS}: {why}"):
        datasets.download_file(TEST_LABELS, tmp_path, mirrors=[mirror.url("bad")])
    assert listing(tmp_path) == []

    # followed by a good one, the good one is used
    path = datasets.download_file(
        TEST_LABELS, tmp_path, mirrors=[mirror.url("bad"), mirror.url("good")]
    )
    assert path == tmp_path / TEST_LABELS
    assert path.read_bytes() == GOOD_LABELS
    assert listing(tmp_path) == [TEST_LABELS]
    assert mirror.requests == [f"/bad/{TEST_LABELS}"] * 2 + [f"/good/{TEST_LABELS}"]


def test_refused_connection_then_working_mirror(tmp_path, mirror, closed_port_url):
    mirror.serve("good", TEST_LABELS, GOOD_LABELS)
    path = datasets.download_file(
        TEST_LABELS, tmp_path, mirrors=[closed_port_url, mirror.url("good")]
    )
    assert path.read_bytes() == GOOD_LABELS
    assert listing(tmp_path) == [TEST_LABELS]


def test_silent_mirror_times_out(tmp_path, mirror):
    mirror.serve("slow", TEST_LABELS, GOOD_LABELS, how="slow")
    mirror.serve("good", TEST_LABELS, GOOD_LABELS)
    with pytest.raises(MissingDataError, match=rf"slow/{TEST_LABELS}: timed out"):
        datasets.download_file(TEST_LABELS, tmp_path, mirrors=[mirror.url("slow")], timeout=0.2)
    assert listing(tmp_path) == []
    path = datasets.download_file(
        TEST_LABELS, tmp_path, mirrors=[mirror.url("slow"), mirror.url("good")], timeout=0.2
    )
    assert path.read_bytes() == GOOD_LABELS


def test_download_never_replaces_an_existing_file(tmp_path, mirror):
    mirror.serve("good", TEST_LABELS, GOOD_LABELS)
    (tmp_path / TEST_LABELS).write_bytes(b"mine")
    path = datasets.download_file(TEST_LABELS, tmp_path, mirrors=[mirror.url("good")])
    assert path.read_bytes() == b"mine"
    assert mirror.requests == []


def test_download_file_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError, match=r"file_name must be one of train-images-idx3-ubyte\.gz"):
        datasets.download_file("train-images.gz", tmp_path)


# ---------------------------------------------------------------------------------------------
# Where root=None looks
# ---------------------------------------------------------------------------------------------


def test_env_var_comes_first(quiet_env, tmp_path):
    quiet_env.setenv(datasets.DATA_ENV_VAR, str(tmp_path / "mine"))
    assert datasets.data_root("mnist") == tmp_path / "mine"
    assert datasets.data_root("fashion") == tmp_path / "mine"


def test_env_var_is_used_by_load_mnist(quiet_env, tmp_path):
    quiet_env.setenv(datasets.DATA_ENV_VAR, str(tmp_path / "mine"))
    with pytest.raises(MissingDataError, match=rf"missing from {tmp_path / 'mine' / 'mnist'}"):
        load_mnist(download=False)


def test_repository_data_folder_when_complete(quiet_env, tmp_path):
    assert datasets.REPO_DATA_DIR == REPO / "data"
    assert datasets.data_root("mnist") == REPO / "data"  # this checkout ships data/mnist

    repo_data = tmp_path / "repo-data"
    (repo_data / "mnist").mkdir(parents=True)
    for name in FILE_NAMES:
        (repo_data / "mnist" / name).touch()
    quiet_env.setattr(datasets, "REPO_DATA_DIR", repo_data)
    assert datasets.data_root("mnist") == repo_data
    # no fashion-mnist folder there: the cache is used for that kind
    assert datasets.data_root("fashion") == tmp_path / "xdg-cache" / "tinygrad_edu"


def test_incomplete_repository_data_falls_back_to_cache(quiet_env, tmp_path):
    repo_data = tmp_path / "repo-data"
    (repo_data / "mnist").mkdir(parents=True)
    for name in FILE_NAMES[:3]:
        (repo_data / "mnist" / name).touch()
    quiet_env.setattr(datasets, "REPO_DATA_DIR", repo_data)
    assert datasets.data_root("mnist") == tmp_path / "xdg-cache" / "tinygrad_edu"


def test_home_cache_without_xdg(quiet_env, tmp_path):
    quiet_env.setattr(datasets, "REPO_DATA_DIR", tmp_path / "nothing")
    quiet_env.setattr(datasets.sys, "platform", "linux")
    quiet_env.delenv("XDG_CACHE_HOME")
    quiet_env.setenv("HOME", str(tmp_path / "home"))
    assert datasets.data_root() == tmp_path / "home" / ".cache" / "tinygrad_edu"


def test_windows_cache_in_local_appdata(quiet_env, tmp_path):
    quiet_env.setattr(datasets, "REPO_DATA_DIR", tmp_path / "nothing")
    quiet_env.setattr(datasets.sys, "platform", "win32")
    quiet_env.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    assert datasets.data_root() == tmp_path / "AppData" / "Local" / "tinygrad_edu"


def test_cache_folder_is_where_downloads_go(quiet_env, tmp_path, mirror):
    quiet_env.setattr(datasets, "REPO_DATA_DIR", tmp_path / "nothing")
    mirror.serve_mnist("good")
    quiet_env.setitem(datasets.MIRRORS, "mnist", [mirror.url("good")])
    (x, t), _ = load_mnist()
    assert x.shape == (60000, 784) and t[:3].tolist() == [5, 0, 4]
    cache = tmp_path / "xdg-cache" / "tinygrad_edu" / "mnist"
    assert listing(cache) == sorted(FILE_NAMES)


def test_the_local_mirror_is_quiet_when_a_client_hangs_up(capsys):
    # A client that gives up mid-answer made `make test` print a stray BrokenPipeError
    # traceback; other server errors must still be shown.
    server = _Server(("127.0.0.1", 0), _Handler)
    try:
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            server.handle_error(None, ("127.0.0.1", 1))
        assert "Traceback" not in capsys.readouterr().err
        try:
            raise KeyError("a real bug in the handler")
        except KeyError:
            server.handle_error(None, ("127.0.0.1", 1))
        assert "a real bug in the handler" in capsys.readouterr().err
    finally:
        server.server_close()
