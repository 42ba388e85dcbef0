"""TensorFlow and Keras, imported once, quietly, with seeding and device facts.

Every module that needs Keras imports it from here, so the import-time log
lines of TensorFlow (which it writes to file descriptor 2 before its own log
settings apply) never reach a notebook or a terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from mnistgan_lib.core.errors import InputError

# Set before TensorFlow is imported; later settings are not read.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VERBOSE_ENV = "MNISTGAN_TF_VERBOSE"
DETERMINISM_ENV = "MNISTGAN_DETERMINISTIC"  # 1: deterministic ops on a GPU too; 0: nowhere


@contextlib.contextmanager
def _silenced_stderr_fd() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null, including output from C++ code."""
    if os.environ.get(VERBOSE_ENV):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _silenced_stderr_fd():
    import keras  # noqa: E402
    import tensorflow as tf  # noqa: E402

    # The first device query loads the CUDA stubs, which log as well.
    _GPUS = tf.config.list_physical_devices("GPU")

tf.get_logger().setLevel("ERROR")


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can use (empty on a CPU-only machine)."""
    return [gpu.name for gpu in _GPUS]


def device_report() -> str:
    """One line on the versions and the device the course will train on."""
    where = f"{len(_GPUS)} GPU(s): {', '.join(gpu_names())}" if _GPUS else "CPU only (no GPU found)"
    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {where}"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's ops deterministic where
    `deterministic_ops()` says so (always on a CPU)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    keras.utils.set_random_seed(seed)
    if deterministic_ops():
        tf.config.experimental.enable_op_determinism()


def deterministic_ops() -> bool:
    """Whether `seed_everything` turns on TensorFlow's op determinism: on a CPU, yes; on a GPU
    only with MNISTGAN_DETERMINISTIC=1, because some ops have no deterministic GPU kernel and
    raise under it (and the others run slower). MNISTGAN_DETERMINISTIC=0 turns it off everywhere."""
    setting = os.environ.get(DETERMINISM_ENV, "").strip().lower()
    if setting in ("1", "true", "yes", "on"):
        return True
    if setting in ("0", "false", "no", "off"):
        return False
    return not _GPUS


__all__ = ["tf", "keras", "gpu_names", "device_report", "seed_everything", "deterministic_ops"]
