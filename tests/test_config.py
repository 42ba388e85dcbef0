from pathlib import Path

import pytest

from mnistgan_lib.core import config


def test_default_profile_is_standard(monkeypatch):
    monkeypatch.delenv(config.PROFILE_ENV, raising=False)
    assert config.get_profile().name == "standard"


def test_profile_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, " Quick ")
    profile = config.get_profile()
    assert profile.name == "quick" and profile.train_images == 2048


def test_argument_wins_over_environment(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    assert config.get_profile("full").name == "full"


def test_unknown_profile_names_the_setting_and_the_choices(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "turbo")
    with pytest.raises(ValueError, match=r"'turbo'.*MNISTGAN_PROFILE.*quick, standard, full"):
        config.get_profile()


def test_profiles_grow_in_cost():
    quick, standard, full = (config.PROFILES[name] for name in ("quick", "standard", "full"))
    assert quick.train_images < 60_000 and standard.train_images is None
    assert quick.epochs < standard.epochs < full.epochs
    assert quick.eval_samples < standard.eval_samples == full.eval_samples


@pytest.mark.parametrize("name", ["quick", "standard", "full"])
def test_profile_prints_on_one_line_starting_with_its_name_that_fits_the_book_column(name):
    text = str(config.PROFILES[name])
    assert text.startswith(f"Profile: {name}: ") and "\n" not in text and len(text) <= 88


def test_data_path(monkeypatch):
    monkeypatch.delenv(config.DATA_ENV, raising=False)
    assert config.data_path() is None
    monkeypatch.setenv(config.DATA_ENV, "~/somewhere/mnist.npz")
    assert config.data_path() == Path.home() / "somewhere" / "mnist.npz"
