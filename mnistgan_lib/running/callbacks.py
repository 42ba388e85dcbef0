"""Callbacks for `GAN.fit`: what a training run leaves in its folder after every epoch.

Order matters: samples, the history row and metrics are written first, and
the checkpoint last, so a run that resumes from a checkpoint always finds
every completed epoch's records beside it. Every file goes through
`runs.RunFolder`, which knows where each one lives.
"""

from __future__ import annotations

import math
import sys
import time

from mnistgan_lib.core.backend import keras
from mnistgan_lib.core.errors import EXIT_DIVERGED, MnistganError
from mnistgan_lib.core.pixels import grid_image
from mnistgan_lib.running.runs import RunFolder


class TrainingDiverged(MnistganError, RuntimeError):
    """A loss became NaN or infinite; the message says which, and at which step."""

    exit_code = EXIT_DIVERGED


class SampleGrid(keras.callbacks.Callback):
    """A grid of samples from fixed noise after every epoch, and a GIF of all of them at the end."""

    def __init__(self, folder: RunFolder, count: int = 100, seed: int = 1234):
        super().__init__()
        self.folder, self.count, self.seed = folder, count, seed

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        grid = grid_image(self.model.generate(self.count, seed=self.seed))
        self.folder.save_samples(epoch + 1, grid)

    def on_train_end(self, logs=None) -> None:
        self.folder.write_gif()


class HistoryCsv(keras.callbacks.Callback):
    """One history row per finished epoch: cumulative training seconds and every logged metric.

    It is also the run's clock: `seconds` counts the time spent in training steps only, so
    that measuring samples during a run (the DCGAN chapter's design race) costs the run none.
    """

    def __init__(self, folder: RunFolder, seconds_before: float = 0.0):
        super().__init__()
        self.folder, self.seconds = folder, seconds_before

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self.seconds += time.perf_counter() - self.started

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logged = {tracker.name: float(logs[tracker.name]) for tracker in self.model.metrics}
        row = {"epoch": epoch + 1, "seconds": round(self.seconds, 2), **logged}
        self.folder.add_history_row(row)


class PeriodicMetrics(keras.callbacks.Callback):
    """Measure samples with the kit every `every` epochs and add the report to metrics.jsonl;
    with `say` (e.g. print), also say its headline numbers in one line."""

    def __init__(self, folder: RunFolder, every: int, samples: int, history: HistoryCsv, say=None):
        super().__init__()
        self.folder, self.every, self.samples, self.history = folder, every, samples, history
        self.say = say

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.every <= 0 or (epoch + 1) % self.every:
            return
        from mnistgan_lib.measuring import metrics

        report = metrics.evaluate(*self.model.samples_to_measure(self.samples, seed=0))
        seconds = round(self.history.seconds, 2)
        self.folder.add_report({"epoch": epoch + 1, "seconds": seconds, **report.as_dict()})
        if self.say is not None:
            self.say(measured_line(report))


def measured_line(report) -> str:
    """A measuring-kit report's headline in one short line: FD-MNIST, score and coverage."""
    return (
        f"  measured: FD-MNIST {report.fd_mnist:.2f}, classifier score "
        f"{report.classifier_score:.2f}, rarest digit {report.coverage_min_class} "
        f"({report.coverage_min_fraction:.1%})"
    )


class ProgressLine(keras.callbacks.Callback):
    """One short line per epoch: the epoch, steps, seconds and the two losses (the discriminator's
    or critic's and the generator's); history.csv keeps every logged metric. `live` (a terminal)
    redraws the line as the epoch goes; otherwise it is written once, when the epoch ends."""

    LOSSES = (("d_loss", "critic_loss"), ("g_loss",))  # the first logged name of each group
    WIDTH = 79  # one column short of an 80-column terminal, so the line never wraps

    def __init__(
        self, epochs: int, steps: int, live: bool = False, stream=None, interval: float = 0.2
    ):
        super().__init__()
        self.epochs, self.steps, self.live, self.interval = epochs, steps, live, interval
        self.stream = stream
        self.shown = 0  # characters of the line on screen now (live only)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.epoch, self.started, self.drawn = epoch, time.perf_counter(), 0.0

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        now = time.perf_counter()
        if self.live and now - self.drawn >= self.interval:
            self.drawn = now
            self._write(self.line(batch + 1, logs), end="")

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self._write(self.line(self.steps, logs), end="\n")

    def line(self, step: int, logs) -> str:
        """The progress line after `step` steps of the current epoch, at most WIDTH characters."""
        logs = logs or {}
        digits = len(str(self.epochs)), len(str(self.steps))
        parts = [
            f"epoch {self.epoch + 1:>{digits[0]}}/{self.epochs}",
            f"step {step:>{digits[1]}}/{self.steps}",
            f"{time.perf_counter() - self.started:.0f}s",
        ]
        for names in self.LOSSES:
            name = next((name for name in names if name in logs), None)
            if name is not None:
                parts.append(f"{name} {float(logs[name]):.4g}")
        return "  ".join(parts)[: self.WIDTH]

    def _write(self, text: str, end: str) -> None:
        stream = self.stream or sys.stdout
        if self.live:  # back to the start of the line, and blank what the old line left over
            text = "\r" + text + " " * max(0, self.shown - len(text))
            self.shown = 0 if end else len(text) - 1
        stream.write(text + end)
        stream.flush()


class StopOnDivergence(keras.callbacks.Callback):
    """Stop at the first batch whose logged numbers are not finite, naming which and the step."""

    def __init__(self, steps_per_epoch: int):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        for name, value in (logs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                step = self.epoch * self.steps_per_epoch + batch + 1
                raise TrainingDiverged(
                    f"{name} became {value} at step {step} (epoch {self.epoch + 1}); training "
                    "stopped and the last good checkpoint was kept. Lower the learning rate or try "
                    "another seed, then resume."
                )


class Checkpoint(keras.callbacks.Callback):
    """After every epoch, save everything needed to resume: weights, optimizer slots, noise stream,
    clock, and the classes the training images were paired with."""

    def __init__(self, folder: RunFolder, history: HistoryCsv, **saving):
        """`saving`: `RunFolder.save_checkpoint`'s config, training_labels and keep."""
        super().__init__()
        self.folder, self.history, self.saving = folder, history, saving

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.folder.save_checkpoint(self.model, epoch + 1, self.history.seconds, **self.saving)
