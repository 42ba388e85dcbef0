"""The library's errors: one base class, `MnistganError`, for every problem the caller can fix.

Each message names what was given, what is expected and the fix. The command line catches these
(and only these) and exits with the class's `exit_code`; any other exception is a bug in the library
and shows its traceback.

    MnistganError                   exit 1 unless a subclass says otherwise
      InputError (ValueError)       a value, file or option the caller gave is wrong
        MnistFileError              a file that cannot be read as MNIST (core.data)
        WeightsError                shipped weights that cannot be used (core.pretrained)
      InputTypeError (TypeError)    a value of the wrong type (e.g. integer pixels for floats)
      UsageError                    the command was used wrongly (exit 2, as argparse's own errors)
      TrainingDiverged (RuntimeError, in running.callbacks)   a loss became NaN (exit 3)

The subclasses also inherit the builtin the library raised before they existed, so code that
catches `ValueError` or `TypeError` still catches them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

EXIT_INPUT = 1  # a bad input: a file, a value, an output path
EXIT_USAGE = 2  # the command line itself is wrong (argparse uses 2 as well)
EXIT_DIVERGED = 3  # a training run diverged; its last good checkpoint is kept
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class MnistganError(Exception):
    """A problem the caller can fix; the message says what it is and how."""

    exit_code = EXIT_INPUT


class InputError(MnistganError, ValueError):
    """A value, file or option that is wrong; the message names it and the fix."""


class InputTypeError(MnistganError, TypeError):
    """A value of the wrong type; the message names the type expected."""


class UsageError(MnistganError):
    """A command used wrongly (e.g. two inputs where one is expected)."""

    exit_code = EXIT_USAGE


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """For a command line: a MnistganError raised inside ends the program with `error: MESSAGE`
    on stderr and the error's exit code; any other exception is a bug and goes on up, with its
    traceback."""
    try:
        yield
    except MnistganError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
