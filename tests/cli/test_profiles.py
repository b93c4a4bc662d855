"""Saved profiles: where they live, who can read them, and which one is used."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tickettailor._core import profiles
from tickettailor._core.profiles import (
    Profile,
    ProfileError,
    ProfileNotFoundError,
    default_profile_name,
    list_profiles,
    load_profile,
    remove_profile,
    save_profile,
    set_default_profile,
)

KEY_A = "sk_1234_567890_0123456789abcdef0123456789abcdef"
KEY_B = "sk_4321_098765_fedcba9876543210fedcba9876543210"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config" / "tickettailor"
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(directory))
    monkeypatch.delenv("TICKETTAILOR_PROFILE", raising=False)
    return directory


def test_saved_profile_round_trips(config_dir: Path) -> None:
    save_profile(Profile("shop", KEY_A, "http://127.0.0.1:8765"))
    loaded = load_profile("shop")
    assert loaded == Profile("shop", KEY_A, "http://127.0.0.1:8765")
    assert profiles.profiles_path() == config_dir / "profiles.json"


def test_file_and_dir_are_owner_only(config_dir: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        save_profile(Profile("shop", KEY_A))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((config_dir / "profiles.json").stat().st_mode) == 0o600
    # Replacing the file keeps it private, and no temporary file is left behind.
    save_profile(Profile("other", KEY_B))
    assert stat.S_IMODE((config_dir / "profiles.json").stat().st_mode) == 0o600
    leftovers = [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_existing_world_readable_dir_is_tightened(config_dir: Path) -> None:
    config_dir.mkdir(parents=True, mode=0o755)
    os.chmod(config_dir, 0o755)  # noqa: S103  (the loose mode is what is being fixed)
    save_profile(Profile("shop", KEY_A))
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700


def test_key_never_in_repr_or_str() -> None:
    profile = Profile("shop", KEY_A, None)
    assert KEY_A not in repr(profile)
    assert KEY_A not in str(profile)
    assert profile.key_hint == "…cdef"


def test_first_profile_is_default_and_env_picks_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_profile() is None
    save_profile(Profile("first", KEY_A))
    save_profile(Profile("second", KEY_B))
    assert default_profile_name() == "first"
    assert load_profile() == Profile("first", KEY_A)
    monkeypatch.setenv("TICKETTAILOR_PROFILE", "second")
    assert load_profile() == Profile("second", KEY_B)
    # An explicit name beats the environment.
    assert load_profile("first") == Profile("first", KEY_A)


def test_make_default_and_set_default() -> None:
    save_profile(Profile("first", KEY_A))
    save_profile(Profile("second", KEY_B), make_default=True)
    assert load_profile() == Profile("second", KEY_B)
    set_default_profile("first")
    assert load_profile() == Profile("first", KEY_A)


def test_saving_again_replaces_the_key() -> None:
    save_profile(Profile("shop", KEY_A))
    save_profile(Profile("shop", KEY_B))
    assert [p.api_key for p in list_profiles()] == [KEY_B]


def test_unknown_name_lists_the_saved_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProfileNotFoundError, match="tickettailor connect"):
        load_profile("nope")
    save_profile(Profile("shop", KEY_A))
    with pytest.raises(ProfileNotFoundError, match="saved profiles: shop"):
        load_profile("nope")
    monkeypatch.setenv("TICKETTAILOR_PROFILE", "gone")
    with pytest.raises(ProfileNotFoundError, match="'gone'"):
        load_profile()


def test_remove_profile_and_default_falls_back_to_the_only_one() -> None:
    save_profile(Profile("a", KEY_A))
    save_profile(Profile("b", KEY_B))
    removed = remove_profile("a")
    assert removed.name == "a"
    assert [p.name for p in list_profiles()] == ["b"]
    assert load_profile() == Profile("b", KEY_B)  # the only one left
    with pytest.raises(ProfileNotFoundError):
        remove_profile("a")


def test_no_default_when_several_and_default_removed() -> None:
    save_profile(Profile("a", KEY_A))
    save_profile(Profile("b", KEY_B))
    save_profile(Profile("c", KEY_B))
    remove_profile("a")
    assert load_profile() is None


@pytest.mark.parametrize("name", ["", "has space", "../escape", "-dash", "x" * 65])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ProfileError, match="Invalid profile name"):
        save_profile(Profile(name, KEY_A))


def test_damaged_file_is_a_clear_error(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "profiles.json").write_text("{not json")
    with pytest.raises(ProfileError, match="damaged; delete it"):
        load_profile()


def test_file_format_is_plain_json(config_dir: Path) -> None:
    save_profile(Profile("shop", KEY_A, "http://h"))
    data = json.loads((config_dir / "profiles.json").read_text())
    assert data == {
        "version": 1,
        "default": "shop",
        "profiles": {"shop": {"api_key": KEY_A, "base_url": "http://h"}},
    }


def _save_many(config: str, prefix: str) -> None:
    os.environ["TICKETTAILOR_CONFIG_DIR"] = config
    for n in range(30):
        save_profile(Profile(f"{prefix}{n}", KEY_A))


def test_concurrent_writers_lose_nothing(config_dir: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")  # fast; the children only write files
    workers = [
        context.Process(target=_save_many, args=(str(config_dir), prefix)) for prefix in "ab"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    names = {p.name for p in list_profiles()}
    assert names == {f"{prefix}{n}" for prefix in "ab" for n in range(30)}
