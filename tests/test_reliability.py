"""Reliability: killed runs resume intact, seeded runs repeat, readers survive fuzzing, commands
refuse bad input."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnistgan_lib.core import data
from mnistgan_lib.core.data import MnistFileError
from mnistgan_lib.running.runs import RunFolder


@pytest.fixture
def small_mnist(tmp_path):
    """An MNIST file of 2,048 random training images: 32 steps of 64 an epoch, seconds each."""
    rng = np.random.default_rng(0)
    path = tmp_path / "small.npz"
    images = lambda n: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)  # noqa: E731
    labels = lambda n: np.arange(n, dtype=np.uint8) % 10  # noqa: E731
    np.savez(path, x_train=images(2048), y_train=labels(2048), x_test=images(64), y_test=labels(64))
    return path


def cli(*arguments, data_file=None):
    env = dict(os.environ, MNISTGAN_PROFILE="quick", PYTHONUNBUFFERED="1")
    if data_file is not None:
        env["MNISTGAN_DATA"] = str(data_file)
    return [sys.executable, "-m", "mnistgan_lib", *arguments], env


SIGNAL_AFTER_BATCHES = Path(__file__).with_name("signal_after_batches.py")


def test_a_run_killed_mid_epoch_resumes_and_ends_like_an_uninterrupted_one(small_mnist, tmp_path):
    def train(folder: str) -> tuple[list[str], dict]:
        out = str(tmp_path / folder)
        arguments = ["train", "dcgan", "--epochs", "3", "--eval-every", "1", "--out", out]
        return cli(*arguments, data_file=small_mnist)

    command, env = train("killed")
    # SIGKILL after batch 42: the 10th of epoch 2's 32 (2,048 images, 64 a batch), on any machine.
    killed_run = [sys.executable, str(SIGNAL_AFTER_BATCHES), "42", "KILL", *command[3:]]
    process = subprocess.run(killed_run, env=env, capture_output=True, text=True)
    assert process.returncode == -signal.SIGKILL, process.stderr[-2000:]
    assert RunFolder(tmp_path / "killed").epochs_done() == 1

    resumed = subprocess.run(command, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {tmp_path / 'killed'} after epoch 1 of 3" in resumed.stdout
    command, env = train("straight")
    straight = subprocess.run(command, env=env, capture_output=True, text=True)
    assert straight.returncode == 0, straight.stderr[-2000:]

    killed, straight = RunFolder(tmp_path / "killed"), RunFolder(tmp_path / "straight")
    killed_rows, straight_rows = killed.read_history(), straight.read_history()
    assert [row["epoch"] for row in killed_rows] == [1, 2, 3]
    for name in ("d_loss", "g_loss", "d_acc_real", "d_acc_fake"):
        expected = [row[name] for row in straight_rows]
        assert [row[name] for row in killed_rows] == pytest.approx(expected, rel=1e-4)
    assert [r["epoch"] for r in killed.read_reports()] == [1, 2, 3]
    assert killed.read_config() == straight.read_config()
    for epoch in (1, 2, 3):
        name = f"samples/epoch_{epoch:03d}.png"
        assert (killed.path / name).read_bytes() == (straight.path / name).read_bytes()


def test_two_seeded_runs_give_the_same_losses_and_the_same_sample_grid(
    small_mnist, tmp_path, monkeypatch
):
    from mnistgan_lib.core import config
    from mnistgan_lib.running import training
    from mnistgan_lib.running.runs import RunConfig

    monkeypatch.setenv(config.DATA_ENV, str(small_mnist))
    for name in ("first", "second"):
        config = RunConfig(model="dcgan", profile="quick", train_images=512, epochs=1, seed=5)
        training.train(config, tmp_path / name)
    first, second = (RunFolder(tmp_path / name).read_history()[0] for name in ("first", "second"))
    del first["seconds"], second["seconds"]
    assert first == second
    grid = "samples/epoch_001.png"
    assert (tmp_path / "first" / grid).read_bytes() == (tmp_path / "second" / grid).read_bytes()


# --- fuzzing the readers: any input either loads as valid MNIST or raises MnistFileError ---------


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def loads_or_refuses(read, path):
    try:
        result = read(path)
    except MnistFileError as error:
        assert str(path) in str(error) and "Fix:" in str(error)
        return
    for images, labels in result if isinstance(result[0], tuple) else [result]:
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28) and labels.max() <= 9


@FUZZ
@given(st.binary(max_size=4000))
def test_npz_reader_on_arbitrary_bytes(tmp_path, content):
    path = tmp_path / "fuzz.npz"
    path.write_bytes(content)
    loads_or_refuses(data.load_mnist_npz, path)


@FUZZ
@given(st.dictionaries(st.sampled_from(data.NPZ_KEYS + ("extra",)), st.binary(max_size=300)))
def test_npz_reader_on_zip_archives_of_arbitrary_members(tmp_path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(f"{name}.npy", content)
    path = tmp_path / "fuzz.npz"
    path.write_bytes(buffer.getvalue())
    loads_or_refuses(data.load_mnist_npz, path)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(data.NPZ_KEYS),
        st.sampled_from(
            [
                np.zeros((2, 28, 28), np.uint8),
                np.zeros((2, 28), np.uint8),
                np.arange(2, dtype=np.int64),
                np.array([3, 12]),
                np.zeros((2, 28, 28), np.float32),
                np.array([], np.uint8),
                np.array(["a", "b"]),
            ]
        ),
    )
)
def test_npz_reader_on_wrongly_shaped_arrays(tmp_path, arrays):
    path = tmp_path / "fuzz.npz"
    np.savez(path, **arrays)
    loads_or_refuses(data.load_mnist_npz, path)


def csv_line(fields: list[str]) -> str:
    return ",".join(fields)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet='0123456789,-. \tax"', max_size=60),
            st.lists(st.integers(-3, 300).map(str), min_size=783, max_size=787).map(csv_line),
        ),
        max_size=6,
    )
)
def test_csv_reader_on_arbitrary_rows(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join(rows))
    loads_or_refuses(data.load_mnist_csv, path)


# --- every command-line option checks what it is given -------------------------------------------


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["train", "dcgan-huge", "--epochs", "1", "--out", "{tmp}/r"],
            "unknown model 'dcgan-huge'; choose one of dcgan",
        ),
        (
            ["train", "dcgan", "--epochs", "0"],
            "argument --epochs: must be a positive integer, got 0",
        ),
        (["train", "dcgan", "--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
        (
            ["train", "dcgan", "--eval-every", "x"],
            "argument --eval-every: must be 0 or more, got 'x'",
        ),
        (["train", "dcgan", "--profile", "turbo"], "argument --profile: invalid choice: 'turbo'"),
        (
            ["sample", "--model", "dcgan", "--n", "0", "--out", "{tmp}/s.npy"],
            "argument --n: must be a positive integer, got 0",
        ),
        (["sample", "--model", "{tmp}", "--out", "{tmp}/s.npy"], "give a shipped generator"),
        (
            ["sample", "--model", "dcgan", "--label", "12", "--out", "{tmp}/s.npy"],
            "argument --label: must be a digit from 0 to 9, got 12",
        ),
        (
            ["sample", "--model", "dcgan", "--label", "3", "--n", "5", "--out", "{tmp}/s.npy"],
            "model 'dcgan' is unconditional",
        ),
        (
            ["train", "dcgan", "--train-images", "0"],
            "argument --train-images: must be a whole number from 1 to 60,000",
        ),
        (
            ["train", "dcgan", "--train-images", "70000", "--out", "{tmp}/r"],
            "argument --train-images: must be a whole number from 1 to 60,000 (MNIST's training "
            "set), got 70000",
        ),
        (["evaluate"], "give either a SAMPLES.npy file or --model NAME"),
        (["evaluate", "{tmp}/none.npy"], "samples file {tmp}/none.npy does not exist"),
        (["evaluate", "{tmp}/nan.npy"], "contain NaN or infinite pixels in 600 image(s)"),
        (["evaluate", "{tmp}/flat.npy"], "have shape (600, 784); expected (N, 28, 28)"),
        (["evaluate", "{tmp}/ok.npy", "--labels", "{tmp}/flat.npy"], "labels must be 600 integers"),
        (["evaluate", "--model", "judge"], "unknown model 'judge': give a shipped generator"),
        (
            ["train-judge", "--epochs", "-2"],
            "argument --epochs: must be a positive integer, got -2",
        ),
    ],
)
def test_commands_refuse_bad_options_with_a_clear_message(
    tmp_path, capsys, monkeypatch, arguments, message
):
    from mnistgan_lib.running import cli

    monkeypatch.setenv("MNISTGAN_PROFILE", "quick")
    np.save(tmp_path / "nan.npy", np.full((600, 28, 28), np.nan, np.float32))
    np.save(tmp_path / "flat.npy", np.zeros((600, 784), np.float32))
    np.save(tmp_path / "ok.npy", np.zeros((600, 28, 28), np.float32))
    with pytest.raises(SystemExit) as stopped:
        cli.main([argument.replace("{tmp}", str(tmp_path)) for argument in arguments])
    said = capsys.readouterr().err + str(stopped.value.code)
    assert stopped.value.code not in (0, None)
    assert message.replace("{tmp}", str(tmp_path)) in said, said[-1500:]
