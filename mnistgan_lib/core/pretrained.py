"""Shipped weights: each `NAME.weights.h5` beside a `NAME.json` card that says how it was made.

Weights are plain Keras `.weights.h5` files loaded into architectures built
by this library's own code, so loading them never deserialises code. A file
whose sha256 differs from its card is refused before Keras opens it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mnistgan_lib.core.errors import InputError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


class WeightsError(InputError):
    """Weights that cannot be used; the message names the file, the problem and the fix."""


def sha256_of(path: str | os.PathLike) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder(directory: str | os.PathLike | None) -> Path:
    """`directory`, or the package's weights folder (looked up now, so tests can move it)."""
    return Path(directory) if directory is not None else WEIGHTS_DIR


def available(directory: str | os.PathLike | None = None) -> list[str]:
    """Names of the weights in `directory` (default: the package's) that have a card."""
    return sorted(path.stem for path in _folder(directory).glob("*.json"))


def read_card(name: str, directory: str | os.PathLike | None = None) -> dict:
    """The card of the weights called `name`."""
    directory = _folder(directory)
    path = directory / f"{name}.json"
    if not path.is_file():
        names = ", ".join(available(directory)) or "none"
        raise WeightsError(f"no weights called {name!r} in {directory} (available: {names})")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise WeightsError(
            f"{path}: the card is not valid JSON ({error}); restore it from the repository"
        ) from error


def save_with_card(
    model, name: str, card: dict, directory: str | os.PathLike | None = None
) -> Path:
    """Save `model`'s weights as NAME.weights.h5, with a card.

    The card records `card` and the file's sha256.
    """
    directory = _folder(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / f"{name}.weights.h5"
    partial = directory / f".{name}.partial.weights.h5"
    _without_optimizer(model).save_weights(partial)
    # A crash while saving never leaves a half-written file under the real name.
    os.replace(partial, weights)
    full_card = {
        **card,
        "file": weights.name,
        "sha256": sha256_of(weights),
        "bytes": weights.stat().st_size,
    }
    (directory / f"{name}.json").write_text(json.dumps(full_card, indent=2) + "\n")
    return weights


def _without_optimizer(model):
    """A copy of `model` with its weights but no optimizer state (shipped files do not need it)."""
    # Rebuilt from its config, the copy is never compiled (clone_model keeps a compiled
    # model's optimizer).
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def load_into(model, name: str, directory: str | os.PathLike | None = None):
    """Load the weights called `name` into `model`, after checking the file against its card."""
    card = read_card(name, directory)
    path = _folder(directory) / card["file"]
    if not path.is_file():
        raise WeightsError(
            f"{path}: the weights file its card names is missing; reinstall the package or retrain"
        )
    actual = sha256_of(path)
    if actual != card["sha256"]:
        raise WeightsError(
            f"{path}: sha256 {actual[:16]}... does not match its card ({card['sha256'][:16]}...); "
            "the file is corrupt or was replaced: restore it from the repository "
            "or retrain it with "
            f"`{card.get('command', 'the training command')}`"
        )
    try:
        model.load_weights(path)
    except Exception as error:  # h5py and Keras raise many types for a file that does not fit
        raise WeightsError(
            f"{path}: cannot be loaded into {model.name} ({error}); retrain or reinstall"
        ) from error
    return model
