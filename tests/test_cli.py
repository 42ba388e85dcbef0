"""The command line at its edges: interrupting and resuming, output paths, options out of range,
export, messages that name the real problem, MNIST as CSV, noisy inputs for denoise, errors and
exit codes, CI settings and the README's commands (each case through the command line)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_run

from mnistgan_lib.core import config, data, errors, pixels, pretrained
from mnistgan_lib.running import cli
from mnistgan_lib.running.runs import RunFolder

ROOT = Path(__file__).resolve().parents[1]
SIGNAL_AFTER_BATCHES = Path(__file__).with_name("signal_after_batches.py")


def command_line(*arguments, data_file, **extra):
    """`python -m mnistgan_lib ARGUMENTS` and its environment: the quick profile, `data_file`."""
    env = dict(os.environ, MNISTGAN_PROFILE="quick", PYTHONUNBUFFERED="1", **extra)
    env[config.DATA_ENV] = str(data_file)
    return [sys.executable, "-m", "mnistgan_lib", *arguments], env


def run(command, env):
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)


def fails(arguments, capsys, code=errors.EXIT_INPUT) -> str:
    """Run `cli.main(arguments)`, check it stops with exit code `code`; what it said on stderr."""
    with pytest.raises(SystemExit) as stopped:
        cli.main([str(argument) for argument in arguments])
    said = capsys.readouterr().err
    assert stopped.value.code == code, said
    return said


# --- interrupting and resuming -------------------------------------------------------------------


def press_ctrl_c(out, epochs: int, after_batches: int, data_file):
    """A `train dcgan` run sent SIGINT after a batch count: (its command, env, the run)."""
    train = ["train", "dcgan", "--epochs", str(epochs), "--out", out]
    command, env = command_line(*train, data_file=data_file)
    signalled = [sys.executable, SIGNAL_AFTER_BATCHES, str(after_batches), "INT", *command[3:]]
    pressed = run(signalled, env)
    assert pressed.returncode == errors.EXIT_INTERRUPTED, pressed.stderr[-2000:]
    return command, env, pressed


def test_ctrl_c_says_which_epochs_are_safe_and_how_to_resume(tiny_data, tmp_path):
    out = tmp_path / "run"
    # Ctrl-C after batch 6: in epoch 2 (256 images, 64 a batch: 4 steps an epoch), on any machine.
    command, env, pressed = press_ctrl_c(out, 3, 6, tiny_data)
    assert "Traceback" not in pressed.stderr and "KeyboardInterrupt" not in pressed.stderr
    resume = (
        f"python -m mnistgan_lib train dcgan --profile quick --epochs 3 --seed 0 --eval-every 0 "
        f"--out {out}"
    )
    assert (
        f"interrupted during epoch 2 of 3; epoch 1 is saved in {out}. Resume with: {resume}\n"
    ) in pressed.stderr
    assert RunFolder(out).epochs_done() == 1

    resumed = run([sys.executable, *shlex.split(resume)[1:]], env)  # the very command it printed
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {out} after epoch 1 of 3" in resumed.stdout
    assert [row["epoch"] for row in RunFolder(out).read_history()] == [1, 2, 3]
    closing = resumed.stdout.strip().splitlines()[-1]  # no metrics.jsonl: nothing was measured
    assert closing == (
        f"run folder: {out} (run.json, history.csv, samples/ (3 grids), samples.gif, checkpoints/)"
    )

    finished = run(command, env)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"{out} is finished: it holds 3 epoch(s); nothing to train" in finished.stdout


def test_ctrl_c_before_the_first_epoch_says_nothing_is_saved(tiny_data, tmp_path):
    _, _, pressed = press_ctrl_c(tmp_path / "run", 2, 2, tiny_data)
    assert "interrupted during epoch 1 of 2; no epoch was finished, so nothing is saved" in (
        pressed.stderr
    )
    assert "Start again with: python -m mnistgan_lib train dcgan" in pressed.stderr


def test_each_measured_epoch_is_printed_and_every_line_fits_80_columns(tiny_data, tmp_path):
    out = tmp_path / "run"
    command, env = command_line(
        "train", "dcgan", "--epochs", "2", "--eval-every", "1", "--out", out, data_file=tiny_data
    )
    trained = run(command, env)
    assert trained.returncode == 0, trained.stderr[-2000:]
    lines = trained.stdout.splitlines()
    assert lines[0] == f"training dcgan into {out}: 2 epoch(s) of 4 steps on 256 images"
    epochs = [line for line in lines if line.startswith("epoch ")]
    measured = [line for line in lines if line.startswith("  measured: ")]
    assert len(epochs) == 2 and len(measured) == 2
    assert re.fullmatch(r"epoch 1/2  step 4/4  \d+s  d_loss \S+  g_loss \S+", epochs[0])
    assert re.fullmatch(
        r"  measured: FD-MNIST [\d.]+, classifier score [\d.]+, rarest digit \d \([\d.]+%\)",
        measured[1],
    )
    reports = RunFolder(out).read_reports()
    assert f"FD-MNIST {reports[1]['fd_mnist']:.2f}," in measured[1]
    assert lines[-1] == (
        f"run folder: {out} (run.json, history.csv, metrics.jsonl, samples/ (2 grids), "
        "samples.gif, checkpoints/)"
    )
    assert all(len(line) <= 80 for line in lines[1:-1]), lines  # the paths are the test's own
    assert "d_acc_real" in (out / "history.csv").read_text()  # the rest of the metrics are kept


def test_the_live_progress_line_fits_80_columns_and_shows_only_the_two_losses():
    import io

    from mnistgan_lib.running.callbacks import ProgressLine

    stream = io.StringIO()
    progress = ProgressLine(epochs=1200, steps=46_875, live=True, stream=stream, interval=0.0)
    logs = {"critic_loss": -123456.789, "g_loss": 1.5e12, "wasserstein": 3.0, "gradient_penalty": 1}
    progress.on_epoch_begin(1199)
    for batch in range(3):
        progress.on_train_batch_end(batch, logs)
    progress.on_epoch_end(1199, logs)
    drawn = re.split(r"[\r\n]", stream.getvalue())
    assert all(len(line) <= 80 for line in drawn), drawn
    assert drawn[-2].startswith("epoch 1200/1200  step 46875/46875  ")
    assert "critic_loss -1.235e+05  g_loss 1.5e+12" in drawn[-2]
    assert "wasserstein" not in stream.getvalue()


# --- output paths, checked before the work -------------------------------------------------------


def test_sample_checks_its_output_path_before_sampling(tmp_path, capsys, monkeypatch):
    from mnistgan_lib.running import sampling

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled before checking --out")

    monkeypatch.setattr(sampling, "sample_model", no_sampling)
    said = fails(["sample", "--model", "dcgan", "--out", tmp_path / "missing" / "x.npy"], capsys)
    assert f"the folder of --out {tmp_path / 'missing' / 'x.npy'} does not exist" in said
    said = fails(["sample", "--model", "dcgan", "--out", tmp_path / "x.txt"], capsys)
    assert f"--out {tmp_path / 'x.txt'} does not end in .npy; numpy.save would write" in said
    assert f"e.g. {tmp_path / 'x.npy'}" in said
    said = fails(["sample", "--model", "dcgan", "--out", tmp_path], capsys)
    assert "is a folder; give the path of a .npy file" in said


def test_sample_writes_exactly_the_file_it_names(tmp_path, capsys):
    cli.main(["sample", "--model", "dcgan", "--n", "3", "--out", str(tmp_path / "three.npy")])
    assert f"to {tmp_path / 'three.npy'}" in capsys.readouterr().out
    assert np.load(tmp_path / "three.npy").shape == (3, 28, 28)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["three.npy"]


def test_train_refuses_a_file_or_a_foreign_folder_as_its_run_folder(tiny_data, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    said = fails(["train", "dcgan", "--out", tmp_path / "notes.txt"], capsys)
    assert f"{tmp_path / 'notes.txt'} is a file, not a run folder" in said
    said = fails(["train", "dcgan", "--out", tmp_path], capsys)
    assert "is a folder with files in it but no run.json" in said
    assert (tmp_path / "notes.txt").read_text() == "mine" and not (tmp_path / "run.json").exists()


# --- options out of range ------------------------------------------------------------------------


def test_train_images_beyond_mnist_are_refused(capsys):
    said = fails(["train", "dcgan", "--train-images", "100000"], capsys, errors.EXIT_USAGE)
    assert (
        "argument --train-images: must be a whole number from 1 to 60,000 (MNIST's training set), "
        "got 100000"
    ) in said


def test_resuming_with_other_settings_says_the_difference_in_words(tiny_data, tmp_path, capsys):
    out = tmp_path / "run"
    RunFolder(out).start(tiny_run(train_images=200, profile="standard"))
    said = fails(["train", "dcgan", "--profile", "standard", "--out", out], capsys)
    assert (
        f"{out} holds another run: the recorded run trained on 200 training images (a seeded "
        "subset, --train-images 200), this one asks for all 60,000 training images. Resume it "
        "with its own settings: python -m mnistgan_lib train dcgan --profile standard "
        f"--train-images 200 --epochs 2 --seed 0 --eval-every 0 --out {out}; or choose another "
        "--out folder"
    ) in said
    assert "None" not in said


# --- export --------------------------------------------------------------------------------------


def test_export_refuses_a_shipped_name_without_force(tiny_data, tmp_path, capsys):
    run_folder = tmp_path / "run"
    RunFolder(run_folder).start(tiny_run())
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "mine.json").write_text("{}")
    said = fails(["export", run_folder, "--name", "mine", "--out", weights], capsys)
    assert f"{weights} already holds a model called 'mine' (mine.json); exporting would " in said
    assert "add --force to replace it" in said
    # --force passes that check (and this run, never trained, then has nothing to export)
    said = fails(["export", run_folder, "--name", "mine", "--out", weights, "--force"], capsys)
    assert "has no finished epoch yet" in said
    # the package's own weights are refused the same way, before anything is written
    shipped = fails(["export", run_folder, "--name", "dcgan"], capsys)
    assert "already holds a model called 'dcgan' (dcgan.json, dcgan.weights.h5" in shipped
    assert pretrained.read_card("dcgan")["name"] == "dcgan"
    said = fails(["export", run_folder, "--name", "../up"], capsys)
    assert "must be a plain file name" in said


# --- messages that name the real problem ---------------------------------------------------------


def test_evaluate_says_what_a_wrong_file_is(tmp_path, tiny_npz, capsys):
    (tmp_path / "notes.txt").write_text("some notes\n")
    said = fails(["evaluate", tmp_path / "notes.txt"], capsys)
    assert "notes.txt cannot be read as a .npy array: it is a text file (its first line" in said
    assert "pickle" not in said
    said = fails(["evaluate", tiny_npz], capsys)
    assert (
        "mnist.npz cannot be read as a .npy array: it is an .npz archive of the arrays x_train, "
        "y_train, x_test, y_test"
    ) in said
    assert "numpy.save('x_test.npy', numpy.load('mnist.npz')['x_test'])" in said
    assert "<U" not in said and "dtype" not in said


@pytest.mark.parametrize(
    "kind, described",
    [
        ("csv", "this is a CSV text file (its first line starts 'label,p0,p1,p2,p3,p4,p5,...')"),
        ("npy", "this is a NumPy .npy array of shape (3, 28, 28), dtype uint8"),
    ],
)
def test_mnistgan_data_naming_another_kind_of_file_says_what_it_is(
    tmp_path, capsys, monkeypatch, kind, described
):
    images = np.zeros((3, 28, 28), np.uint8)
    path = tmp_path / f"mnist.{kind}"
    if kind == "csv":
        data.save_mnist_csv(path, images, np.arange(3))
    else:
        np.save(path, images)
    monkeypatch.setenv(config.DATA_ENV, str(path))
    said = fails(["noisy", "--n", "3", "--out", tmp_path / "noisy.npy"], capsys)
    assert f"{path}: {described}, not an .npz archive of MNIST" in said
    assert (
        "MNISTGAN_DATA takes an .npz in the Keras layout (x_train, y_train, x_test, y_test) or a "
        "folder holding mnist_train.csv and mnist_test.csv"
    ) in said
    assert "truncated or corrupt" not in said


# --- MNIST as CSV everywhere ---------------------------------------------------------------------


def write_csv_folder(folder: Path, tiny_mnist, byte_order_mark: bool) -> Path:
    folder.mkdir()
    for (images, labels), name in zip(tiny_mnist, data.CSV_FILES):
        data.save_mnist_csv(folder / name, images, labels)
        if byte_order_mark:  # as Excel's "CSV UTF-8" writes it
            text = (folder / name).read_text()
            (folder / name).write_bytes("\ufeff".encode() + text.encode())
    return folder


def test_mnistgan_data_may_name_a_folder_of_csv_files_with_a_byte_order_mark(
    tmp_path, tiny_mnist, tiny_npz, capsys, monkeypatch
):
    folder = write_csv_folder(tmp_path / "csv", tiny_mnist, byte_order_mark=True)
    assert (folder / "mnist_test.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    cli.main(["noisy", "--n", "5", "--out", str(tmp_path / "from_csv.npy")])
    monkeypatch.setenv(config.DATA_ENV, str(tiny_npz))
    cli.main(["noisy", "--n", "5", "--out", str(tmp_path / "from_npz.npy")])
    np.testing.assert_array_equal(
        np.load(tmp_path / "from_csv.npy"), np.load(tmp_path / "from_npz.npy")
    )
    (folder / "mnist_test.csv").unlink()
    monkeypatch.setenv(config.DATA_ENV, str(folder))
    said = fails(["noisy", "--n", "5", "--out", tmp_path / "x.npy"], capsys)
    assert f"{folder}: this folder has no mnist_test.csv (found: mnist_train.csv)" in said


# --- noisy inputs for denoise, and the value ranges every command accepts -------------------------


def test_noisy_writes_test_digits_with_noise_of_the_chosen_variance(
    tiny_npz, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(config.DATA_ENV, str(tiny_npz))
    cli.main(
        [
            "noisy",
            "--variance",
            "0.04",
            "--n",
            "20",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "noisy.npy"),
            "--clean",
            str(tmp_path / "clean.npy"),
        ]
    )
    said = capsys.readouterr().out
    assert "saved the first 20 MNIST test digits with Gaussian noise of variance 0.04 (seed 3)" in (
        said
    )
    noisy, clean = np.load(tmp_path / "noisy.npy"), np.load(tmp_path / "clean.npy")
    assert noisy.shape == clean.shape == (20, 28, 28) and noisy.dtype == np.float32
    assert noisy.min() >= 0 and noisy.max() <= 1
    np.testing.assert_array_equal(clean, tiny_npz_test_digits(tiny_npz)[:20] / np.float32(255))
    middle = (clean > 0.3) & (clean < 0.7)  # pixels the clipping leaves alone
    assert np.var(noisy[middle] - clean[middle]) == pytest.approx(0.04, rel=0.15)
    fails(["noisy", "--n", "10001", "--out", tmp_path / "x.npy"], capsys, errors.EXIT_USAGE)
    fails(["noisy", "--variance", "-1", "--out", tmp_path / "x.npy"], capsys, errors.EXIT_USAGE)


def tiny_npz_test_digits(path: Path) -> np.ndarray:
    with np.load(path) as archive:
        return archive["x_test"].astype(np.float32)


def test_denoise_reads_images_in_every_documented_range_alike(tmp_path, capsys):
    rng = np.random.default_rng(0)
    as_bytes = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    as_bytes[:, 0, 0] = [0, 255, 0, 255]  # both ends present, so every range is told apart
    ranges = {
        "bytes.npy": as_bytes,
        "unit.npy": as_bytes / np.float32(255),
        "gan.npy": as_bytes / np.float32(127.5) - 1,
        "channel.npy": (as_bytes / np.float32(255))[..., None],
    }
    outputs = []
    for name, images in ranges.items():
        np.save(tmp_path / name, images)
        cli.main(["denoise", "--in", str(tmp_path / name), "--out", str(tmp_path / f"out-{name}")])
        outputs.append(np.load(tmp_path / f"out-{name}"))
    for other in outputs[1:]:
        np.testing.assert_allclose(other, outputs[0], atol=1e-5)
    np.save(tmp_path / "wide.npy", np.full((2, 28, 28), 300.0, np.float32))
    said = fails(["denoise", "--in", tmp_path / "wide.npy", "--out", tmp_path / "o.npy"], capsys)
    assert "span [300, 300]; expected values in [-1, 1], [0, 1] or [0, 255]" in said
    assert "(any negative pixel means [-1, 1])" in pixels.ACCEPTED_RANGES
    assert "floats in [-1, 1] (any negative pixel means [-1, 1])" in cli.EPILOG.replace("\n  ", " ")


# --- errors and exit codes -----------------------------------------------------------------------


def test_the_library_errors_share_one_base_class_and_keep_their_builtins():
    from mnistgan_lib.running.callbacks import TrainingDiverged

    for error, builtin in [
        (errors.InputError, ValueError),
        (errors.InputTypeError, TypeError),
        (data.MnistFileError, ValueError),
        (pretrained.WeightsError, ValueError),
        (TrainingDiverged, RuntimeError),
    ]:
        assert issubclass(error, errors.MnistganError) and issubclass(error, builtin), error
    assert TrainingDiverged.exit_code == errors.EXIT_DIVERGED == 3
    assert errors.UsageError.exit_code == errors.EXIT_USAGE == 2
    assert errors.InputError.exit_code == errors.EXIT_INPUT == 1
    with pytest.raises(errors.MnistganError):
        pixels.check_stack(np.zeros((2, 3)))


def test_the_library_raises_no_bare_value_or_type_errors():
    package = ROOT / "mnistgan_lib"
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\braise (ValueError|TypeError)\(", line)
    ]
    assert not bare, f"raise InputError / InputTypeError (core.errors) instead: {bare}"


def test_a_diverged_run_exits_3_and_a_bug_shows_its_traceback(tmp_path, capsys, monkeypatch):
    from mnistgan_lib.running import training
    from mnistgan_lib.running.callbacks import TrainingDiverged

    def diverges(*args, **kwargs):
        raise TrainingDiverged("d_loss became nan at step 5 (epoch 2); ...")

    monkeypatch.setattr(training, "train", diverges)
    train = ["train", "dcgan", "--epochs", "1", "--out", tmp_path / "run"]
    said = fails(train, capsys, errors.EXIT_DIVERGED)
    assert said.strip() == "error: d_loss became nan at step 5 (epoch 2); ..."

    def bug(*args, **kwargs):
        raise ValueError("a bug inside the library")  # not a MnistganError: not caught

    monkeypatch.setattr(training, "train", bug)
    with pytest.raises(ValueError, match="a bug inside the library"):
        cli.main([str(argument) for argument in train])


def test_ctrl_c_in_any_other_command_exits_130_without_a_traceback(tmp_path, capsys, monkeypatch):
    from mnistgan_lib.running import sampling

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sampling, "sample_model", pressed)
    said = fails(
        ["sample", "--model", "dcgan", "--out", tmp_path / "s.npy"], capsys, errors.EXIT_INTERRUPTED
    )
    assert said == "interrupted: sample stopped\n"


def test_usage_errors_exit_2_and_help_lists_the_exit_codes(capsys, tmp_path):
    np.save(tmp_path / "s.npy", np.zeros((2, 28, 28), np.float32))
    said = fails(["evaluate", tmp_path / "s.npy", "--model", "dcgan"], capsys, errors.EXIT_USAGE)
    assert "give either a SAMPLES.npy file or --model NAME, not both or neither" in said
    fails(["train"], capsys, errors.EXIT_USAGE)
    for arguments in (["--help"], ["train", "--help"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(arguments)
        shown = capsys.readouterr().out
        assert stopped.value.code == 0
        for code in ("1    a bad input", "2    the command line", "3    a training run diverged"):
            assert code in shown
        assert "130  interrupted (Ctrl-C)" in shown


def test_the_console_script_runs_the_command_line():
    (script,) = metadata.entry_points(group="console_scripts", name="mnistgan")
    assert script.value == "mnistgan_lib.running.cli:main"
    installed = Path(sys.executable).parent / "mnistgan"
    assert installed.exists(), "pip install -e . makes it"
    shown = subprocess.run([installed, "presets"], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout.startswith("dcgan ")
    usage = subprocess.run([installed, "sample"], capture_output=True, text=True)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: mnistgan sample")


# --- CI runs what .ci/run runs, with the real MNIST ----------------------------------------------


def test_ci_runs_the_real_mnist_tests_and_fails_when_they_would_be_skipped():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    text = "\n".join(str(step) for step in steps)
    assert "MNISTGAN_DATA: ''" not in text and 'MNISTGAN_DATA: ""' not in text
    assert "keras.datasets.mnist.load_data()" in text
    assert "MNISTGAN_DATA=$HOME/.keras/datasets/mnist.npz" in text
    assert any(step.get("run") == ".ci/run" for step in steps)
    ci_run = (ROOT / ".ci/run").read_text()
    assert "export MNISTGAN_REQUIRE_MNIST=1" in ci_run and "python3 tasks.py test" in ci_run


def test_the_real_mnist_marker_fails_instead_of_skipping_when_mnist_is_required(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "from conftest import needs_real_mnist\n\n\n"
        "@needs_real_mnist\ndef test_reads_mnist():\n    pass\n"
    )
    env = dict(
        os.environ,
        MNISTGAN_DATA=str(tmp_path / "nowhere.npz"),
        KERAS_HOME=str(tmp_path / "no-keras"),
        PYTHONPATH=str(ROOT / "tests"),
    )
    env.pop("MNISTGAN_REQUIRE_MNIST", None)  # CI sets it for the whole run
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest"]
    command += ["-c", os.devnull, "--rootdir", str(tmp_path), str(probe)]
    skipped = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    env["MNISTGAN_REQUIRE_MNIST"] = "1"
    required = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert required.returncode != 0 and "MNISTGAN_REQUIRE_MNIST is set" in required.stdout


# --- the README ----------------------------------------------------------------------------------


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]


def test_the_readme_commands_need_only_python3_and_parse():
    commands = readme_commands()
    assert "python3 tasks.py book" in commands and "python3 tasks.py test" in commands
    assert not [line for line in commands if line.startswith("python ")], commands
    parsed = 0
    for line in commands:
        words = shlex.split(line.replace("[", "").replace("]", ""))
        if words[:1] == ["mnistgan"]:
            if "..." in words:
                continue
            cli.parser().parse_args(words[1:])  # exits 2 if the README is wrong
            parsed += 1
    assert parsed >= 10
