"""The DCGAN chapter's design race: DCGAN recipes trained for the same wall-clock time.

Every run trains one preset on all 60,000 training images, on one CPU core, for
`BUDGET_SECONDS` of training steps (the clock of `callbacks.HistoryCsv`, which leaves
out the time spent measuring). Every `PROBE_SECONDS` of that clock it measures
`PROBE_SAMPLES` samples with the kit into `probes.csv`: from the averaged generator and,
for a recipe that averages its weights, from the raw one too. At the budget the run
stops and measures `FINAL_SAMPLES` samples into final.json.

    python -m mnistgan_lib.running.design_race --out runs/design-race \\
        --record mnistgan_lib/results/design-race

Runs are spread over `--workers` processes, one CPU core each. A stopped run resumes
from its last checkpoint (the end of an epoch) and measures again from there.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from mnistgan_lib.core.errors import reported
from mnistgan_lib.running import grids
from mnistgan_lib.running.runs import RunConfig

DESIGNS = ("dcgan-source", "dcgan-paper", "dcgan-compact", "dcgan")  # the source's (a)-(c)
RECIPE = ("dcgan-10-clusters", "dcgan-adam-2e-4")  # the default with one choice undone
SEEDS = (0, 1, 2)
BUDGET_SECONDS = 300  # training seconds per run, on one core
PROBE_SECONDS = 60  # how often the kit measures a run, in training seconds
PROBE_SAMPLES = 2_000  # every probe of every run: FD-MNIST is compared at equal counts
FINAL_SAMPLES = 10_000  # the measuring chapter's sample count
MOST_EPOCHS = 50  # more than any preset reaches in the budget: the clock stops a run
RECORDED = ("run.json", "history.csv", "probes.csv", "final.json")


@dataclass(frozen=True)
class RaceRun:
    """One run of the race: its name (its folder) and its config."""

    name: str
    config: RunConfig


def race_runs() -> list[RaceRun]:
    """Every run of the race, seed by seed, so a race stopped early is still balanced."""
    return [
        RaceRun(
            f"{model}-seed{seed}",
            RunConfig(model=model, seed=seed, profile="quick", epochs=MOST_EPOCHS),
        )
        for seed in SEEDS
        for model in DESIGNS + RECIPE
    ]


def probes_callback(folder: Path):
    """A maker of the callback that measures the run every `PROBE_SECONDS` of training
    and stops it at `BUDGET_SECONDS` (given the run's clock, as `training.train` does)."""
    from mnistgan_lib.core.backend import keras
    from mnistgan_lib.gans.gan import generate_images
    from mnistgan_lib.measuring import metrics

    path = folder / "probes.csv"

    class Probes(keras.callbacks.Callback):
        def __init__(self, clock):
            super().__init__()
            self.clock = clock

        def on_train_begin(self, logs=None) -> None:
            # A resumed run repeats the steps after its checkpoint: forget their probes.
            self.rows = [row for row in grids.read_rows(path) if row["mark"] <= self.clock.seconds]
            self.next_mark = self.mark_after(self.clock.seconds)
            if self.clock.seconds >= BUDGET_SECONDS:  # stopped after its budget, before
                self.model.stop_training = True  # final.json: one more step, then stop

        @staticmethod
        def mark_after(seconds: float) -> float:
            """The first probe mark later than `seconds` of training."""
            return (math.floor(seconds / PROBE_SECONDS) + 1) * PROBE_SECONDS

        def on_train_batch_end(self, batch: int, logs=None) -> None:
            if self.clock.seconds < self.next_mark:
                return
            gan = self.model
            row = {
                "mark": self.next_mark,
                "seconds": round(self.clock.seconds, 2),
                "updates": int(gan.g_optimizer.iterations.numpy()),
            }
            for name, generator in (("averaged", gan.sampler), ("raw", gan.generator)):
                if name == "raw" and gan.ema_generator is None:
                    continue  # a recipe without averaging has only the one
                images = generate_images(generator, gan.latent_dim, gan.noise, PROBE_SAMPLES, 0)
                report = metrics.evaluate(images)
                row[f"fd_{name}"] = report.fd_mnist
                row[f"rarest_{name}"] = report.coverage_min_fraction
            self.rows.append(row)
            grids.write_rows(path, self.rows)
            self.next_mark = self.mark_after(self.clock.seconds)
            if self.clock.seconds >= BUDGET_SECONDS:
                self.model.stop_training = True

    return Probes


def train_one(run: RaceRun, out: Path) -> str:
    """Train one race run into `out / run.name` (resuming it) until the budget, then
    measure it on `FINAL_SAMPLES` samples into final.json."""
    from mnistgan_lib.measuring import metrics
    from mnistgan_lib.running import training

    folder = out / run.name
    final = folder / "final.json"
    if final.exists():
        return f"{run.name}: done before"
    folder.mkdir(parents=True, exist_ok=True)
    gan = training.train(run.config, folder, extra_callbacks=[probes_callback(folder)])
    report = metrics.evaluate(*gan.samples_to_measure(FINAL_SAMPLES, seed=0))
    final.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    return f"{run.name}: FD-MNIST {report.fd_mnist:.1f}"


@dataclass(frozen=True)
class RaceRecord:
    """What one recorded race run left: its training records, its probes and the final
    measurement."""

    run: object  # training.RunRecord: config and history rows
    probes: list[dict]  # mark, seconds, updates, fd_averaged, rarest_averaged (+ _raw)
    final: dict  # the measuring kit's report on FINAL_SAMPLES samples


def read_race(experiment: str = "design-race") -> dict[str, RaceRecord]:
    """Every recorded run of the race under `results/<experiment>/`, by name."""
    recorded = grids.read_recorded(experiment, "probes.csv")
    return {name: RaceRecord(*parts) for name, parts in recorded.items()}


def main(argv: list[str] | None = None) -> int:
    """The race's command line."""
    arguments = grids.command_line(
        "python -m mnistgan_lib.running.design_race", __doc__.split("\n")[0], argv
    )
    with reported():
        runs = grids.select(race_runs(), arguments.only)
        grids.run_all(train_one, runs, arguments.out, arguments.workers)
        if arguments.record is not None:
            names = [run.name for run in race_runs()]
            grids.record(names, arguments.out, arguments.record, RECORDED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
