"""What a file holds, judged from its first bytes, and `.npy` arrays read safely.

The readers use `describe` to say what a wrong file *is* (a CSV file, an `.npz` archive, a `.npy`
array...) instead of quoting the error a parser raised on it, and `read_npy` to read the image
files the command line takes. Nothing here runs code from a file: pickles are never loaded.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from mnistgan_lib.core.errors import InputError

NPY_MAGIC = b"\x93NUMPY"
SIGNATURES = {  # first bytes -> kind
    NPY_MAGIC: "npy",
    b"PK\x03\x04": "zip",
    b"PK\x05\x06": "zip",  # an empty zip archive
    b"\x89HDF\r\n\x1a\n": "hdf5",
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "png",
}
SNIFF_BYTES = 4096


def kind_of(path: str | os.PathLike) -> str:
    """One word for what the file at `path` holds: npy, npz, zip, hdf5, gzip, png, pickle, csv,
    text, empty or binary (none of those); folder or missing when it is no file."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    if not path.is_file():
        return "missing"
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        return "empty"
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return _zip_kind(path) if kind == "zip" else kind
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:  # pickle protocols 2..5
        return "pickle"
    text = _as_text(head)
    if text is None:
        return "binary"
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return "csv" if "," in first or ";" in first else "text"


def _zip_kind(path: Path) -> str:
    """npz when every member of the zip archive is a .npy array, else zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"  # a truncated archive: its reader says so
    return "npz" if names and all(name.endswith(".npy") for name in names) else "zip"


def _as_text(head: bytes) -> str | None:
    """`head` as text when it is UTF-8 without control characters (a cut character at the end is
    fine), else None."""
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        controls = [char for char in text if ord(char) < 32 and char not in "\t\r\n\f"]
        return None if controls or "\x7f" in text else text
    return None


def npz_members(path: str | os.PathLike) -> list[str]:
    """The array names in an .npz archive (its members less `.npy`)."""
    with zipfile.ZipFile(path) as archive:
        return [name.removesuffix(".npy") for name in archive.namelist()]


def describe(path: str | os.PathLike) -> str:
    """What the file at `path` is, in words, e.g. 'a CSV text file (its first line starts
    'label,p0,p1')' or 'an .npz archive of the arrays x_train, y_train, x_test, y_test'."""
    kind = kind_of(path)
    if kind == "npy":
        return f"a NumPy .npy array{_npy_header(Path(path))}"
    if kind == "npz":
        return f"an .npz archive of the arrays {', '.join(npz_members(path))}"
    if kind in ("csv", "text"):
        with open(path, "rb") as handle:
            head = _as_text(handle.read(SNIFF_BYTES)) or ""
        first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
        shown = first[:24] + ("..." if len(first) > 24 else "")
        what = "a CSV text file" if kind == "csv" else "a text file"
        return f"{what} (its first line starts {shown!r})"
    return {
        "folder": "a folder",
        "missing": "missing (no such file)",
        "empty": "an empty file (0 bytes)",
        "zip": "a zip archive that is not an .npz of arrays",
        "hdf5": "an HDF5 file (e.g. Keras weights)",
        "gzip": "a gzip-compressed file",
        "png": "a PNG image",
        "pickle": "a Python pickle",
        "binary": "a binary file of no format this library reads",
    }[kind]


def _npy_header(path: Path) -> str:
    """' of shape (N, 28, 28), dtype float32' from a .npy header, or '' if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read(handle)
    except Exception:  # a damaged header: the caller's reader says so
        return ""
    return f" of shape {shape}, dtype {dtype}"


def read_npy(path: str | os.PathLike, what: str = "images") -> np.ndarray:
    """The array in a `.npy` file, read without pickle, or an InputError that says what the file is
    and what is expected. `what` names the contents in messages (e.g. 'samples')."""
    path = Path(path)
    kind = kind_of(path)
    if kind == "missing":
        raise InputError(f"{what} file {path} does not exist; give the path of a .npy file")
    save = "write it with numpy.save (e.g. numpy.save('images.npy', images))"
    if kind != "npy":
        hint = ""
        if kind == "npz":
            names = npz_members(path)
            name = "x_test" if "x_test" in names else names[0] if names else None
            hint = (
                f"; to use one of its arrays, save it on its own: numpy.save('{name}.npy', "
                f"numpy.load('{path.name}')['{name}'])"
                if name
                else ""
            )
        raise InputError(
            f"{path} cannot be read as a .npy array: it is {describe(path)}. "
            f"{what.capitalize()} are read from one .npy array; {save}{hint}"
        )
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error) or "Object arrays" in str(error):
            raise InputError(
                f"{path} cannot be read as a .npy array of numbers: it holds Python objects "
                f"(dtype object), which are not loaded because loading them could run code; "
                f"save an array of numbers instead and {save}"
            ) from None
        raise _damaged(path, error, save) from None
    except (EOFError, OSError) as error:
        raise _damaged(path, error, save) from None


def _damaged(path: Path, error: Exception, save: str) -> InputError:
    return InputError(
        f"{path} cannot be read as a .npy array: it is truncated or corrupt "
        f"({type(error).__name__}: {error}); {save} again"
    )
