"""Run the command line in this process and send it a signal after a number of training batches.

    python tests/signal_after_batches.py BATCHES SIGNAL COMMAND [ARGUMENTS ...]

e.g. `python tests/signal_after_batches.py 6 INT train dcgan --epochs 3 --out runs/x` presses
Ctrl-C after the 6th batch; `KILL` crashes the process there. The kill-and-resume tests use it so
that the signal lands at the same step on any machine, however fast, instead of after a sleep.
Batches are counted over the whole process; the command is `cli.main`, as `python -m mnistgan_lib`
runs it.
"""

from __future__ import annotations

import os
import signal
import sys

from mnistgan_lib.core.backend import keras
from mnistgan_lib.running import cli, training


class SignalAfterBatches(keras.callbacks.Callback):
    """Send this process `number` once `batches` training batches have ended."""

    def __init__(self, batches: int, number: int):
        super().__init__()
        self.left, self.number = batches, number

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self.left -= 1
        if self.left == 0:
            sys.stdout.flush()
            os.kill(os.getpid(), self.number)


def main() -> None:
    batches, name, *arguments = sys.argv[1:]
    sender = SignalAfterBatches(int(batches), getattr(signal, f"SIG{name.upper()}"))
    chain = training._callbacks

    def with_sender(*args, **kwargs) -> list:
        return [*chain(*args, **kwargs), sender]

    training._callbacks = with_sender
    cli.main(arguments)


if __name__ == "__main__":
    main()
