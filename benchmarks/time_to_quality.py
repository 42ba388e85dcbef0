r"""Time to quality: each of the course's GANs against the recipe a reader would use instead.

Pairs (`--pair`), each trained one after the other on this machine:

    dcgan     the library's default DCGAN against the TensorFlow tutorial's DCGAN
    acgan     the AC-GAN against keras-io's conditional GAN (`gans.peers`)
    wgan-gp   the WGAN-GP against keras-io's WGAN-GP (`gans.peers`)

Both runs of a pair use the course's own training command machinery, are measured
with the kit after every epoch, and are compared on training seconds (evaluation
time excluded):

    python benchmarks/time_to_quality.py  # the dcgan pair: 10 baseline epochs
    python benchmarks/time_to_quality.py --pair acgan  # keras-io's 20 epochs
    python benchmarks/time_to_quality.py --baseline-epochs 1 --default-epochs 1 \
        --profile quick  # smoke run

The baseline is the peer's recipe and the default is the course's model. It prints
both runs' curves, the seconds each needed to reach FD-MNIST thresholds, and the
ratio of the baseline's time for all its epochs to the time the default needed to
beat the baseline's best FD-MNIST. Goal: at most 0.1. It also prints the default's
quality at its last evaluation within 5 minutes of training.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mnistgan_lib.running import training
from mnistgan_lib.running.runs import RunConfig, read_jsonl


def run(model: str, epochs: int, out: Path, profile: str, seed: int) -> list[dict]:
    """Train `model` for `epochs` full-MNIST epochs; return its reports.

    Resumes the run if `out` holds one.
    """
    # All 60,000 images in every profile; the profile sets how many samples are measured each epoch.
    config = RunConfig(
        model=model, profile=profile, train_images=None, epochs=epochs, seed=seed, eval_every=1
    )
    training.train(config, out, verbose=2)
    return read_jsonl(out / "metrics.jsonl")


def seconds_to(reports: list[dict], fd: float) -> float | None:
    """Training seconds until FD-MNIST first fell to `fd` or below (None if it never did)."""
    return next((r["seconds"] for r in reports if r["fd_mnist"] <= fd), None)


# pair: (peer's preset, its epochs; the course's preset, its epochs). The peers' epochs
# are their recipes' own (keras-io's examples train 20); the course's are enough to
# pass the peer's best.
PAIRS = {
    "dcgan": ("dcgan-tutorial", 10, "dcgan", 3),
    "acgan": ("cgan-keras-io", 20, "acgan", 5),
    "wgan-gp": ("wgan-gp-keras-io", 20, "wgan-gp", 10),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pair", choices=list(PAIRS), default="dcgan")
    parser.add_argument("--baseline-epochs", type=int, help="the peer's epochs")
    parser.add_argument("--default-epochs", type=int, help="the course's model's epochs")
    parser.add_argument(
        "--profile",
        choices=["full", "quick"],
        default="full",
        help="full measures 10,000 samples an epoch, quick 1,000 (a smoke run)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/benchmark"))
    parser.add_argument("--thresholds", type=float, nargs="*", default=[100, 50, 25, 15, 10])
    parser.add_argument(
        "--record",
        type=Path,
        help="also write both runs' reports and the summary to this JSON file",
    )
    arguments = parser.parse_args()
    peer, peer_epochs, ours, our_epochs = PAIRS[arguments.pair]
    # The dcgan pair keeps its folders where its recorded run made them.
    out = arguments.out if arguments.pair == "dcgan" else arguments.out / arguments.pair

    baseline = run(
        peer,
        arguments.baseline_epochs or peer_epochs,
        out / "baseline",
        arguments.profile,
        arguments.seed,
    )
    default = run(
        ours,
        arguments.default_epochs or our_epochs,
        out / "default",
        arguments.profile,
        arguments.seed,
    )
    for name, reports in ((f"baseline ({peer})", baseline), (f"course ({ours})", default)):
        print(f"\n{name}:")
        for r in reports:
            agreement = r.get("conditional_accuracy")
            print(
                f"  epoch {r['epoch']:>3}  {r['seconds']:8.1f} s  FD-MNIST {r['fd_mnist']:7.2f}  "
                f"score {r['classifier_score']:.2f}  "
                f"smallest class {r['coverage_min_fraction']:.1%}"
                + ("" if agreement is None else f"  judge agrees {agreement:.1%}")
            )

    print("\ntraining seconds to reach FD-MNIST <= threshold (baseline / default):")
    for threshold in arguments.thresholds:
        times = [seconds_to(reports, threshold) for reports in (baseline, default)]
        print(
            f"  {threshold:>6g}: "
            + " / ".join("never" if t is None else f"{t:.0f} s" for t in times)
        )

    best = min(r["fd_mnist"] for r in baseline)
    beaten = seconds_to(default, best)
    baseline_seconds = baseline[-1]["seconds"]
    ratio = None if beaten is None else beaten / baseline_seconds
    within = [r for r in default if r["seconds"] <= 300]
    summary = {
        "pair": [peer, ours],
        "baseline_best_fd": round(best, 2),
        "baseline_seconds": baseline_seconds,
        "default_seconds_to_beat_it": beaten,
        "ratio": None if ratio is None else round(ratio, 4),
        "goal_ratio_at_most": 0.1,
        "default_within_5_minutes": None
        if not within
        else {
            "seconds": within[-1]["seconds"],
            "fd_mnist": round(within[-1]["fd_mnist"], 2),
            "classifier_score": round(within[-1]["classifier_score"], 2),
            "smallest_class": within[-1]["coverage_min_fraction"],
        },
    }
    print("\n" + json.dumps(summary, indent=2))
    if arguments.record:
        record = {
            "command": "python benchmarks/time_to_quality.py " + " ".join(sys.argv[1:]),
            "summary": summary,
            "baseline": baseline,
            "default": default,
        }
        arguments.record.parent.mkdir(parents=True, exist_ok=True)
        arguments.record.write_text(json.dumps(record, indent=1) + "\n")
    ratio_text = "not reached in the default's epochs" if ratio is None else f"{ratio:.3f}"
    print(f"ratio (default's time to beat the baseline's best / baseline's time): {ratio_text}")


if __name__ == "__main__":
    main()
