"""MNIST from an `.npz` (Keras layout), a CSV file or a folder of two CSV files, checked, and
batched for training.

Every reader returns `uint8` images of shape (N, 28, 28) and `uint8` labels in
0..9, or raises `MnistFileError` with the file, the problem and the fix. The
batches hold [-1, 1] floats, scaled by `pixels.to_gan_range`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from mnistgan_lib.core import config, files
from mnistgan_lib.core.errors import InputError
from mnistgan_lib.core.pixels import IMAGE_SHAPE, PIXELS, to_gan_range

NUM_CLASSES = 10
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
CSV_FILES = ("mnist_train.csv", "mnist_test.csv")  # a folder of these is MNIST too
EXPECTED = (
    f"{config.DATA_ENV} takes an .npz in the Keras layout (x_train, y_train, x_test, y_test) or "
    f"a folder holding {CSV_FILES[0]} and {CSV_FILES[1]}"
)
Split = tuple[np.ndarray, np.ndarray]


class MnistFileError(InputError):
    """A file that cannot be read as MNIST; the message says which, why, and the fix."""

    def __init__(self, path: str | os.PathLike | None, problem: str, fix: str):
        self.path, self.problem, self.fix = path, problem, fix
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{problem}. Fix: {fix}")

    def __reduce__(self):
        # rebuilt from its three parts: a grid's worker process sends it to the parent
        return type(self), (self.path, self.problem, self.fix)


def check_images_and_labels(
    images: np.ndarray, labels: np.ndarray, source: str | os.PathLike
) -> Split:
    """Check one split's arrays have MNIST's shapes, dtypes and label range."""
    remake = "re-create the file from the original MNIST (see the README's data section)"
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise MnistFileError(
            source, f"images have shape {images.shape}, expected (N, 28, 28)", remake
        )
    if images.dtype != np.uint8:
        raise MnistFileError(
            source, f"images have dtype {images.dtype}, expected uint8 pixels in 0..255", remake
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise MnistFileError(
            source,
            f"labels have shape {labels.shape}, expected ({len(images)},), one per image",
            remake,
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise MnistFileError(source, f"labels have dtype {labels.dtype}, expected integers", remake)
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        bad = labels[(labels < 0) | (labels >= NUM_CLASSES)][0]
        raise MnistFileError(source, f"label {bad} is outside 0..9", remake)
    return images, labels.astype(np.uint8)


def load_mnist_npz(path: str | os.PathLike) -> tuple[Split, Split]:
    """Read ((x_train, y_train), (x_test, y_test)) from an `.npz` in the Keras layout."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistFileError(
            path,
            "no such file" if not path.exists() else "this is not a file",
            f"point {config.DATA_ENV} at an existing mnist.npz, "
            "e.g. export MNISTGAN_DATA=$HOME/data/mnist.npz",
        )
    kind = files.kind_of(path)
    if kind in ("npy", "csv", "text", "hdf5", "gzip", "png", "pickle", "empty"):
        # Another kind of file altogether: say what it is rather than that it is corrupt.
        single_csv = "; read one CSV file with data.load_mnist_csv" if kind == "csv" else ""
        raise MnistFileError(
            path,
            f"this is {files.describe(path)}, not an .npz archive of MNIST",
            f"{EXPECTED}{single_csv}",
        )
    try:
        # allow_pickle=False: a data file must never run code when read.
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise MnistFileError(
                    path,
                    f"missing array(s) {', '.join(missing)} "
                    f"(found: {', '.join(archive.files) or 'none'})",
                    "use an .npz with x_train, y_train, x_test and y_test, "
                    "as keras.datasets.mnist writes",
                )
            arrays = {key: archive[key] for key in NPZ_KEYS}
        # NpzFile hands back raw bytes for a member without a .npy header instead of failing.
        not_arrays = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
        if not_arrays:
            raise MnistFileError(
                path,
                f"member(s) {', '.join(not_arrays)} are not NumPy arrays",
                "write the file with numpy.savez or numpy.savez_compressed",
            )
    except MnistFileError:
        raise
    except Exception as error:  # zip, zlib, EOF and format errors all mean the same to a reader
        raise MnistFileError(
            path,
            "cannot be read as an .npz archive, it is truncated or corrupt "
            f"({type(error).__name__}: {error})",
            "download or copy the file again and check its sha256 against the one its source "
            "publishes",
        ) from error
    train = check_images_and_labels(arrays["x_train"], arrays["y_train"], f"{path} [train]")
    test = check_images_and_labels(arrays["x_test"], arrays["y_test"], f"{path} [test]")
    return train, test


def _first_bad_csv_row(text: str, path: Path) -> MnistFileError:
    """Scan CSV text row by row and describe the first row that is not `label,p0..p783`."""
    fix = "every row must be `label,p0,...,p783`: a label 0..9 and 784 integer pixels 0..255"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or (number == 1 and _is_header(line)):
            continue
        fields = line.split(",")
        if len(fields) != PIXELS + 1:
            return MnistFileError(
                path, f"row {number} has {len(fields)} fields, expected {PIXELS + 1}", fix
            )
        for column, field in enumerate(fields):
            try:
                value = int(field)
            except ValueError:
                return MnistFileError(
                    path, f"row {number}, column {column + 1}: {field!r} is not an integer", fix
                )
            top = NUM_CLASSES - 1 if column == 0 else 255
            if not 0 <= value <= top:
                what = "label" if column == 0 else f"pixel p{column - 1}"
                return MnistFileError(
                    path, f"row {number}: {what} is {value}, outside 0..{top}", fix
                )
    return MnistFileError(path, "cannot be parsed as CSV", fix)


def _is_header(line: str) -> bool:
    return line.split(",")[0].strip().strip('"').lower() == "label"


def load_mnist_csv(path: str | os.PathLike) -> Split:
    """Read (images, labels) from a CSV of `label,p0,...,p783` rows (a header row is optional)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MnistFileError(path, "no such file", "pass the path of an existing MNIST CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Excel's "CSV UTF-8") too
    except UnicodeDecodeError as error:
        raise MnistFileError(
            path, f"is not a text file ({error})", "pass a plain-text CSV file"
        ) from error
    lines = text.splitlines()
    skip = 1 if lines and _is_header(lines[0]) else 0
    if len([line for line in lines[skip:] if line.strip()]) == 0:
        raise MnistFileError(
            path, "holds no data rows", "pass a CSV with at least one `label,p0,...,p783` row"
        )
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64, skiprows=skip, ndmin=2)
    except ValueError as error:
        raise _first_bad_csv_row(text, path) from error
    if (
        table.shape[1] != PIXELS + 1
        or table.min() < 0
        or table[:, 1:].max() > 255
        or table[:, 0].max() > 9
    ):
        raise _first_bad_csv_row(text, path)
    return table[:, 1:].reshape(-1, *IMAGE_SHAPE).astype(np.uint8), table[:, 0].astype(np.uint8)


def save_mnist_csv(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray) -> None:
    """Write (images, labels) as a CSV with a `label,p0,...,p783` header."""
    images, labels = check_images_and_labels(np.asarray(images), np.asarray(labels), "arguments")
    table = np.column_stack([labels, images.reshape(len(images), PIXELS)])
    header = ",".join(["label"] + [f"p{i}" for i in range(PIXELS)])
    np.savetxt(path, table, fmt="%d", delimiter=",", header=header, comments="")


def load_mnist_csv_folder(folder: str | os.PathLike) -> tuple[Split, Split]:
    """Read ((x_train, y_train), (x_test, y_test)) from a folder holding mnist_train.csv and
    mnist_test.csv (rows `label,p0,...,p783`, as `load_mnist_csv` reads them)."""
    folder = Path(folder).expanduser()
    missing = [name for name in CSV_FILES if not (folder / name).is_file()]
    if missing:
        found = sorted(path.name for path in folder.iterdir())[:8] if folder.is_dir() else []
        listed = ", ".join(found) or "nothing"
        raise MnistFileError(
            folder,
            f"this folder has no {' and no '.join(missing)} (found: {listed})",
            f"{EXPECTED}; name the two CSV files {CSV_FILES[0]} and {CSV_FILES[1]}",
        )
    train, test = (load_mnist_csv(folder / name) for name in CSV_FILES)
    return train, test


def load_mnist(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """MNIST as ((x_train, y_train), (x_test, y_test)) from `path` or `MNISTGAN_DATA` (an .npz in
    the Keras layout, or a folder of mnist_train.csv and mnist_test.csv), else Keras's download."""
    chosen = Path(path).expanduser() if path is not None else config.data_path()
    if chosen is not None:
        if chosen.is_dir():
            return load_mnist_csv_folder(chosen)
        return load_mnist_npz(chosen)
    from mnistgan_lib.core.backend import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # offline machines fail here with a variety of network errors
        raise MnistFileError(
            None,
            f"MNIST could not be downloaded ({type(error).__name__}: {error})",
            f"on a machine without internet set {config.DATA_ENV} to the path of an mnist.npz "
            "in the Keras layout (or of a folder holding mnist_train.csv and mnist_test.csv), "
            "e.g. export MNISTGAN_DATA=../shared/data/mnist.npz",
        ) from error
    return (x_train, y_train), (x_test, y_test)


def keras_cache_file() -> Path:
    """Where Keras keeps its MNIST download ($KERAS_HOME or ~/.keras, then datasets/mnist.npz)."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return Path(home).expanduser() / "datasets" / "mnist.npz"


def mnist_source() -> Path | None:
    """Where `load_mnist()` reads MNIST without the internet: the file or folder `MNISTGAN_DATA`
    names if it exists, else Keras's earlier download; None when neither is there."""
    chosen = config.data_path()
    if chosen is not None:
        csv_folder = chosen.is_dir() and all((chosen / name).is_file() for name in CSV_FILES)
        return chosen if chosen.is_file() or csv_folder else None
    cached = keras_cache_file()
    return cached if cached.is_file() else None


def is_whole_number(value) -> bool:
    """True for Python and NumPy integers; False for all else, bools included (Python's ints)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def take_subset(images: np.ndarray, labels: np.ndarray, count: int | None, seed: int = 0) -> Split:
    """A seeded random subset of `count` examples (all of them when `count` is None)."""
    if len(images) != len(labels):
        raise InputError(
            f"images ({len(images)}) and labels ({len(labels)}) must have the same length"
        )
    if count is None or count >= len(images):
        return images, labels
    if count <= 0:
        raise InputError(f"count must be positive or None, got {count}")
    order = np.random.default_rng(seed).permutation(len(images))[:count]
    return images[order], labels[order]


def make_dataset(
    images: np.ndarray, labels: np.ndarray | None = None, batch_size: int = 128, seed: int = 0
):
    """A shuffled, cached `tf.data.Dataset` of full batches of [-1, 1] images (and labels)."""
    from mnistgan_lib.core.backend import tf

    if batch_size <= 0 or batch_size > len(images):
        raise InputError(
            f"batch_size must be in 1..{len(images)} (the number of images), got {batch_size}"
        )
    scaled = to_gan_range(images)
    tensors = scaled if labels is None else (scaled, np.asarray(labels, dtype=np.int32))
    dataset = tf.data.Dataset.from_tensor_slices(tensors).cache()
    dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def make_epoch_batches(
    images: np.ndarray,
    batch_size: int,
    seed: int,
    first_epoch: int,
    epochs: int,
    labels: np.ndarray | None = None,
    passes: int = 1,
):
    """Full batches of [-1, 1] images (and labels, if given) for epochs `first_epoch`..`epochs - 1`.

    An epoch is `passes` passes over the images, each in its own order. Returns the dataset and
    the steps per epoch. Epoch e's order depends only on (seed, e), so a run resumed at epoch e
    sees exactly the batches an uninterrupted run would have seen.
    """
    from mnistgan_lib.core.backend import tf

    if batch_size <= 0 or batch_size > len(images):
        raise InputError(
            f"batch_size must be in 1..{len(images)} (the number of images), got {batch_size}"
        )
    if labels is not None and np.shape(labels) != (len(images),):
        raise InputError(
            f"labels must hold one class per image, shape ({len(images)},), "
            f"got shape {np.shape(labels)}"
        )
    per_pass = len(images) // batch_size
    orders = [
        # Pass 0 keeps the one-pass order ([seed, epoch]), so passes=1 runs are unchanged.
        np.random.default_rng([seed, epoch] + ([part] if part else [])).permutation(len(images))[
            : per_pass * batch_size
        ]
        for epoch in range(first_epoch, epochs)
        for part in range(passes)
    ]
    steps = passes * per_pass
    scaled = tf.constant(to_gan_range(images))
    indices = np.concatenate(orders) if orders else np.zeros(0, np.int64)
    batches = tf.data.Dataset.from_tensor_slices(indices).batch(batch_size)
    if labels is None:
        dataset = batches.map(lambda batch: tf.gather(scaled, batch))
    else:
        classes = tf.constant(np.asarray(labels, np.int32))
        dataset = batches.map(lambda batch: (tf.gather(scaled, batch), tf.gather(classes, batch)))
    return dataset.prefetch(tf.data.AUTOTUNE), steps
