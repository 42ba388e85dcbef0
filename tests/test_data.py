"""MNIST readers: good files load exactly, bad ones fail with the file, the problem and the fix."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from mnistgan_lib.core import config, data
from mnistgan_lib.core.data import MnistFileError


def write_npz(path, **arrays):
    np.savez_compressed(path, **arrays)
    return path


def arrays_of(tiny_mnist) -> dict[str, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = tiny_mnist
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


# --- .npz -------------------------------------------------------------------------------


def test_npz_round_trip(tiny_npz, tiny_mnist):
    (x_train, y_train), (x_test, y_test) = data.load_mnist_npz(tiny_npz)
    (ex_train, ey_train), (ex_test, ey_test) = tiny_mnist
    assert np.array_equal(x_train, ex_train) and np.array_equal(y_test, ey_test)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and x_test.shape == (20, 28, 28)


def test_load_mnist_reads_the_file_named_by_the_setting(monkeypatch, tiny_npz, tiny_mnist):
    monkeypatch.setenv(config.DATA_ENV, str(tiny_npz))
    (x_train, _), _ = data.load_mnist()
    assert np.array_equal(x_train, tiny_mnist[0][0])


def test_missing_file_names_the_setting_to_fix(tmp_path):
    missing = tmp_path / "nope.npz"
    with pytest.raises(
        MnistFileError, match=r"nope\.npz: no such file\. Fix: point MNISTGAN_DATA at"
    ):
        data.load_mnist_npz(missing)


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(MnistFileError, match="this is not a file"):
        data.load_mnist_npz(tmp_path)


def test_garbage_bytes_are_reported_as_corrupt(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 2)  # a zip archive's start, then noise
    with pytest.raises(
        MnistFileError,
        match=r"mnist\.npz: cannot be read as an \.npz archive, it is truncated or corrupt"
        r".*Fix: download or copy the file again",
    ):
        data.load_mnist_npz(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file_is_reported_as_corrupt(tiny_npz, keep):
    content = tiny_npz.read_bytes()
    tiny_npz.write_bytes(content[: int(len(content) * keep)])
    with pytest.raises(MnistFileError, match="truncated or corrupt"):
        data.load_mnist_npz(tiny_npz)


def test_missing_array_is_named(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    del arrays["y_test"]
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(
        MnistFileError,
        match=r"missing array\(s\) y_test.*"
        r"Fix: use an \.npz with x_train, y_train, x_test and y_test",
    ):
        data.load_mnist_npz(path)


def test_wrong_image_shape(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["x_train"] = arrays["x_train"].reshape(40, 784)
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(
        MnistFileError,
        match=r"m\.npz \[train\]: images have shape \(40, 784\), expected \(N, 28, 28\)",
    ):
        data.load_mnist_npz(path)


def test_wrong_image_dtype(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["x_test"] = arrays["x_test"].astype(np.float32) / 255
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(
        MnistFileError, match=r"\[test\]: images have dtype float32, expected uint8"
    ):
        data.load_mnist_npz(path)


def test_label_out_of_range(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["y_train"] = arrays["y_train"].copy()
    arrays["y_train"][7] = 11
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(MnistFileError, match=r"\[train\]: label 11 is outside 0\.\.9"):
        data.load_mnist_npz(path)


def test_label_count_must_match_images(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["y_test"] = arrays["y_test"][:-1]
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(MnistFileError, match=r"labels have shape \(19,\), expected \(20,\)"):
        data.load_mnist_npz(path)


def test_float_labels_are_refused(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["y_train"] = arrays["y_train"].astype(np.float64)
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(MnistFileError, match="labels have dtype float64, expected integers"):
        data.load_mnist_npz(path)


def test_pickled_arrays_are_never_unpickled(tmp_path, tiny_mnist):
    arrays = arrays_of(tiny_mnist)
    arrays["y_train"] = np.array([object()] * 40, dtype=object)
    path = write_npz(tmp_path / "m.npz", **arrays)
    with pytest.raises(MnistFileError, match="corrupt.*pickle"):
        data.load_mnist_npz(path)


def test_without_setting_a_failed_download_says_how_to_work_offline(monkeypatch):
    from mnistgan_lib.core.backend import keras

    monkeypatch.delenv(config.DATA_ENV, raising=False)

    def offline():
        raise OSError("Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(
        MnistFileError,
        match=r"could not be downloaded \(OSError: Name or service not known\).*set MNISTGAN_DATA",
    ):
        data.load_mnist()


def test_without_setting_the_keras_download_is_used(monkeypatch, tiny_mnist):
    from mnistgan_lib.core.backend import keras

    monkeypatch.delenv(config.DATA_ENV, raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: tiny_mnist)
    (x_train, _), _ = data.load_mnist()
    assert x_train is tiny_mnist[0][0]


# --- CSV --------------------------------------------------------------------------------


def csv_rows(images, labels) -> list[str]:
    return [",".join(map(str, [label, *image.ravel()])) for image, label in zip(images, labels)]


@pytest.fixture
def tiny_csv_rows(tiny_mnist):
    (x_train, y_train), _ = tiny_mnist
    return csv_rows(x_train[:6], y_train[:6])


@pytest.mark.parametrize("header", [True, False])
def test_csv_round_trip(tmp_path, tiny_mnist, header):
    (x_train, y_train), _ = tiny_mnist
    path = tmp_path / "m.csv"
    if header:
        data.save_mnist_csv(path, x_train, y_train)
        assert path.read_text().startswith("label,p0,p1,")
    else:
        path.write_text("\n".join(csv_rows(x_train, y_train)) + "\n")
    images, labels = data.load_mnist_csv(path)
    assert np.array_equal(images, x_train) and np.array_equal(labels, y_train)
    assert images.dtype == np.uint8 and labels.dtype == np.uint8


def test_csv_with_a_single_row(tmp_path, tiny_csv_rows):
    path = tmp_path / "one.csv"
    path.write_text(tiny_csv_rows[0])
    images, labels = data.load_mnist_csv(path)
    assert images.shape == (1, 28, 28) and labels.shape == (1,)


def bad_csv(tmp_path, rows) -> str:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(MnistFileError) as caught:
        data.load_mnist_csv(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "Fix: every row must be `label,p0,...,p783`" in message
    return message


def test_csv_row_with_missing_pixels(tmp_path, tiny_csv_rows):
    tiny_csv_rows[2] = tiny_csv_rows[2].rsplit(",", 1)[0]
    assert "row 3 has 784 fields, expected 785" in bad_csv(tmp_path, tiny_csv_rows)


def test_csv_non_integer_field(tmp_path, tiny_csv_rows):
    fields = tiny_csv_rows[4].split(",")
    fields[10] = "0.5x"
    tiny_csv_rows[4] = ",".join(fields)
    assert "row 5, column 11: '0.5x' is not an integer" in bad_csv(tmp_path, tiny_csv_rows)


def test_csv_pixel_out_of_range(tmp_path, tiny_csv_rows):
    fields = tiny_csv_rows[1].split(",")
    fields[785 - 1] = "256"
    tiny_csv_rows[1] = ",".join(fields)
    assert "row 2: pixel p783 is 256, outside 0..255" in bad_csv(tmp_path, tiny_csv_rows)


def test_csv_label_out_of_range(tmp_path, tiny_csv_rows):
    tiny_csv_rows[0] = "12" + tiny_csv_rows[0][1:]
    assert "row 1: label is 12, outside 0..9" in bad_csv(tmp_path, tiny_csv_rows)


def test_csv_negative_label(tmp_path, tiny_csv_rows):
    tiny_csv_rows[3] = "-1" + tiny_csv_rows[3][1:]
    assert "row 4: label is -1, outside 0..9" in bad_csv(tmp_path, tiny_csv_rows)


def test_csv_header_is_counted_in_row_numbers(tmp_path, tiny_csv_rows):
    header = ",".join(["label"] + [f"p{i}" for i in range(784)])
    tiny_csv_rows[1] = tiny_csv_rows[1] + ",7"
    assert "row 3 has 786 fields" in bad_csv(tmp_path, [header, *tiny_csv_rows])


@pytest.mark.parametrize("content", ["", "label,p0\n", "\n\n"])
def test_csv_without_rows(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(MnistFileError, match=r"empty\.csv: holds no data rows"):
        data.load_mnist_csv(path)


def test_csv_that_is_binary(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(MnistFileError, match=r"bin\.csv: is not a text file"):
        data.load_mnist_csv(path)


def test_csv_missing_file(tmp_path):
    with pytest.raises(MnistFileError, match=r"gone\.csv: no such file\. Fix: pass the path"):
        data.load_mnist_csv(tmp_path / "gone.csv")


@pytest.mark.parametrize("header", [True, False])
def test_csv_with_a_byte_order_mark_and_windows_line_ends(tmp_path, tiny_mnist, header):
    (x_train, y_train), _ = tiny_mnist
    rows = csv_rows(x_train, y_train)
    if header:
        rows.insert(0, ",".join(["label"] + [f"p{i}" for i in range(784)]))
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")  # "CSV UTF-8"
    images, labels = data.load_mnist_csv(path)
    assert np.array_equal(images, x_train) and np.array_equal(labels, y_train)


# --- a folder of CSV files, and files of another kind ----------------------------------------


def test_a_folder_of_mnist_train_and_test_csv_is_mnist(tmp_path, tiny_mnist, monkeypatch):
    (x_train, y_train), (x_test, y_test) = tiny_mnist
    data.save_mnist_csv(tmp_path / "mnist_train.csv", x_train, y_train)
    data.save_mnist_csv(tmp_path / "mnist_test.csv", x_test, y_test)
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path))
    (train_images, train_labels), (test_images, test_labels) = data.load_mnist()
    assert np.array_equal(train_images, x_train) and np.array_equal(test_labels, y_test)
    assert data.mnist_source() == tmp_path
    (tmp_path / "mnist_train.csv").unlink()
    assert data.mnist_source() is None
    with pytest.raises(
        MnistFileError,
        match=r"this folder has no mnist_train\.csv \(found: mnist_test\.csv\)\. Fix: "
        r"MNISTGAN_DATA takes an \.npz in the Keras layout .* or a folder holding",
    ):
        data.load_mnist()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "write, described",
    [
        (lambda path: path.write_bytes(npy_bytes(np.zeros((2, 28, 28), np.uint8))), "a NumPy .npy"),
        (lambda path: path.write_text("label,p0\n1,0\n"), "a CSV text file"),
        (lambda path: path.write_bytes(b""), r"an empty file \(0 bytes\)"),
        (lambda path: path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(50)), "an HDF5 file"),
        (lambda path: path.write_bytes(b"\x1f\x8b" + bytes(50)), "a gzip-compressed file"),
    ],
)
def test_another_kind_of_file_is_named_for_what_it_is(tmp_path, write, described):
    path = tmp_path / "mnist.npz"
    write(path)
    with pytest.raises(MnistFileError) as caught:
        data.load_mnist_npz(path)
    message = str(caught.value)
    assert re.search(f"mnist\\.npz: this is {described}", message), message
    assert "not an .npz archive of MNIST" in message and "truncated" not in message


def test_mnist_source_is_the_setting_or_the_keras_download(tmp_path, tiny_npz, monkeypatch):
    monkeypatch.setenv(config.DATA_ENV, str(tiny_npz))
    assert data.mnist_source() == tiny_npz
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path / "nowhere.npz"))
    assert data.mnist_source() is None
    monkeypatch.delenv(config.DATA_ENV)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert data.mnist_source() is None
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    (tmp_path / "keras" / "datasets" / "mnist.npz").write_bytes(tiny_npz.read_bytes())
    assert data.mnist_source() == tmp_path / "keras" / "datasets" / "mnist.npz"


def test_read_npy_says_what_a_file_is_instead_of_quoting_numpy(tmp_path):
    from mnistgan_lib.core import files

    np.save(tmp_path / "ok.npy", np.ones((2, 28, 28), np.float32))
    assert files.read_npy(tmp_path / "ok.npy").shape == (2, 28, 28)
    np.save(tmp_path / "objects.npy", np.array([{}, []], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"holds Python objects \(dtype object\), which are not"):
        files.read_npy(tmp_path / "objects.npy")
    (tmp_path / "cut.npy").write_bytes((tmp_path / "ok.npy").read_bytes()[:200])
    with pytest.raises(
        ValueError,
        match=r"cut\.npy cannot be read as a \.npy array: it is "
        r"truncated or corrupt",
    ):
        files.read_npy(tmp_path / "cut.npy")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(
        ValueError,
        match=r"picture\.png cannot be read as a \.npy array: it is a "
        r"PNG image\. Images are read from one \.npy array",
    ):
        files.read_npy(tmp_path / "picture.png")


# --- subsets and batching ------------------------------------------------------------------


def test_take_subset_is_seeded_and_keeps_pairs(tiny_mnist):
    (x_train, y_train), _ = tiny_mnist
    a_images, a_labels = data.take_subset(x_train, y_train, 10, seed=3)
    b_images, _ = data.take_subset(x_train, y_train, 10, seed=3)
    assert np.array_equal(a_images, b_images) and len(a_images) == 10
    for image, label in zip(a_images, a_labels):
        index = next(i for i in range(len(x_train)) if np.array_equal(x_train[i], image))
        assert y_train[index] == label
    assert data.take_subset(x_train, y_train, None)[0] is x_train
    with pytest.raises(ValueError, match="count must be positive"):
        data.take_subset(x_train, y_train, 0)


def test_make_dataset_yields_full_scaled_batches(tiny_mnist):
    (x_train, y_train), _ = tiny_mnist
    batches = list(data.make_dataset(x_train, y_train, batch_size=16))
    assert len(batches) == 2  # 40 images: two full batches, the remainder dropped
    images, labels = batches[0]
    assert images.shape == (16, 28, 28, 1) and labels.shape == (16,)
    assert float(images.numpy().min()) >= -1.0 and float(images.numpy().max()) <= 1.0
    with pytest.raises(ValueError, match=r"batch_size must be in 1\.\.40"):
        data.make_dataset(x_train, batch_size=41)


def test_take_subset_refuses_unpaired_images_and_labels(tiny_mnist):
    (images, labels), _ = tiny_mnist
    with pytest.raises(
        ValueError, match=r"images \(\d+\) and labels \(3\) must have the same length"
    ):
        data.take_subset(images, labels[:3], 2)


@pytest.mark.parametrize(
    "value, whole",
    [
        (3, True),
        (np.int64(3), True),
        (0, True),
        (True, False),
        (3.0, False),
        ("3", False),
        (None, False),
    ],
)
def test_is_whole_number_accepts_python_and_numpy_integers_but_not_bools(value, whole):
    assert data.is_whole_number(value) is whole


def test_an_mnist_file_error_survives_a_trip_between_processes():
    import pickle

    error = MnistFileError("mnist.npz", "no such file", "set MNISTGAN_DATA")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and (copy.path, copy.fix) == ("mnist.npz", "set MNISTGAN_DATA")
