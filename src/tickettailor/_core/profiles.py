"""Saved connections ("profiles"): a name, an API key and an optional base URL.

All profiles live in one JSON file, ``profiles.json``, in the user's config directory
(``platformdirs.user_config_dir("tickettailor")``, or ``$TICKETTAILOR_CONFIG_DIR`` when
set, which is how tests keep away from the real one). The file holds API keys, so:

- the directory is created ``0700`` and the file ``0600`` (owner only);
- every write goes to a fresh temporary file in the same directory, is flushed to disk
  and then renamed over the old file, so a crash never leaves half a file behind;
- writers take an advisory lock, so two ``connect`` commands at once do not lose one.

The key never appears in a ``repr``, ``str`` or error message; ``Profile.key_hint`` gives
the last four characters for display.

Which profile is used when none is named: ``$TICKETTAILOR_PROFILE`` if set, else the
default profile (the first one saved, or the one chosen with ``make_default=True``),
else the only profile when exactly one exists.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from tickettailor._core.errors import UsageError

if sys.platform != "win32":  # fcntl is POSIX only; on Windows writes go unlocked.
    import fcntl

__all__ = [
    "CONFIG_DIR_ENV",
    "DEFAULT_PROFILE_NAME",
    "PROFILE_ENV",
    "Profile",
    "ProfileError",
    "ProfileNotFoundError",
    "config_dir",
    "default_profile_name",
    "list_profiles",
    "load_profile",
    "profiles_path",
    "remove_profile",
    "save_profile",
    "set_default_profile",
]

CONFIG_DIR_ENV = "TICKETTAILOR_CONFIG_DIR"
PROFILE_ENV = "TICKETTAILOR_PROFILE"
DEFAULT_PROFILE_NAME = "default"
_FILE_NAME = "profiles.json"
_FORMAT_VERSION = 1
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ProfileError(UsageError):
    """The saved profiles cannot be read or written, or a profile name is invalid."""


class ProfileNotFoundError(ProfileError, LookupError):
    """A profile was asked for by name and no such profile is saved."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        hint = (
            f"saved profiles: {', '.join(known)}"
            if known
            else "no profiles are saved yet; run `tickettailor connect` first"
        )
        super().__init__(f"No saved profile named {name!r} ({hint}).")


@dataclass(frozen=True)
class Profile:
    """One saved connection. ``api_key`` is kept out of ``repr``."""

    name: str
    api_key: str = field(repr=False)
    base_url: str | None = None

    @property
    def key_hint(self) -> str:
        """The key as it may be shown: ``…`` plus its last four characters."""
        return "…" + self.api_key[-4:] if len(self.api_key) > 8 else "…"


def config_dir() -> Path:
    """The directory holding the profiles (and other per-user settings)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # here: a key from the environment needs no profile folder

    return Path(platformdirs.user_config_dir("tickettailor", appauthor=False))


def profiles_path() -> Path:
    """The profiles file (it may not exist yet)."""
    return config_dir() / _FILE_NAME


def check_name(name: str) -> str:
    """Return ``name`` if it is a usable profile name, else raise ProfileError."""
    if not _NAME_RE.fullmatch(name):
        raise ProfileError(
            f"Invalid profile name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


# -- reading -------------------------------------------------------------------------


def _read() -> dict[str, Any]:
    path = profiles_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"version": _FORMAT_VERSION, "default": None, "profiles": {}}
    except OSError as exc:
        raise ProfileError(f"Cannot read the profiles file {path}: {exc.strerror}.") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not _well_formed(data):
        raise ProfileError(
            f"The profiles file {path} is damaged; delete it and run `tickettailor connect`."
        )
    return data


def _well_formed(data: object) -> TypeGuard[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        return False
    if data.get("default") is not None and not isinstance(data["default"], str):
        return False
    return all(
        isinstance(entry, dict) and isinstance(entry.get("api_key"), str)
        for entry in data["profiles"].values()
    )


def _to_profile(name: str, entry: dict[str, Any]) -> Profile:
    base_url = entry.get("base_url")
    return Profile(name, entry["api_key"], base_url if isinstance(base_url, str) else None)


def list_profiles() -> list[Profile]:
    """Every saved profile, sorted by name."""
    saved = _read()["profiles"]
    return [_to_profile(name, saved[name]) for name in sorted(saved)]


def default_profile_name() -> str | None:
    """The profile used when none is named (ignoring ``$TICKETTAILOR_PROFILE``)."""
    data = _read()
    saved = data["profiles"]
    default = data.get("default")
    if isinstance(default, str) and default in saved:
        return default
    if len(saved) == 1:
        return str(next(iter(saved)))
    return None


def load_profile(name: str | None = None) -> Profile | None:
    """The profile called ``name``; with None, ``$TICKETTAILOR_PROFILE`` or the default.

    Returns None only when no name was given (argument or environment) and there is no
    default profile. A name that is not saved raises ProfileNotFoundError.
    """
    wanted = name or os.environ.get(PROFILE_ENV) or None
    data = _read()
    saved = data["profiles"]
    if wanted is None:
        wanted = default_profile_name()
        if wanted is None:
            return None
    if wanted not in saved:
        raise ProfileNotFoundError(wanted, sorted(saved))
    return _to_profile(wanted, saved[wanted])


# -- writing -------------------------------------------------------------------------


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Hold an exclusive advisory lock on the config dir for a read-modify-write."""
    directory = _ensure_dir()
    if sys.platform == "win32":  # pragma: no cover - no advisory locks there
        yield
        return
    fd = os.open(directory / ".profiles.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _ensure_dir() -> Path:
    directory = config_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is masked by umask, and the dir may exist
    except OSError as exc:
        raise ProfileError(
            f"Cannot create the config directory {directory}: {exc.strerror}; "
            f"set {CONFIG_DIR_ENV} to a writable directory."
        ) from None
    return directory


def _write(data: dict[str, Any]) -> None:
    directory = _ensure_dir()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".profiles.", suffix=".tmp")
    try:
        # mkstemp already creates the file 0600; chmod again in case of odd platforms.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / _FILE_NAME)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_profile(profile: Profile, *, make_default: bool = False) -> None:
    """Save (or replace) ``profile``. The first profile saved becomes the default."""
    check_name(profile.name)
    if not profile.api_key:
        raise ProfileError("Cannot save a profile with an empty API key.")
    with _locked():
        data = _read()
        entry: dict[str, Any] = {"api_key": profile.api_key}
        if profile.base_url:
            entry["base_url"] = profile.base_url
        data["profiles"][profile.name] = entry
        if make_default or data.get("default") not in data["profiles"]:
            data["default"] = profile.name
        data["version"] = _FORMAT_VERSION
        _write(data)


def remove_profile(name: str) -> Profile:
    """Delete the profile called ``name`` and return it; ProfileNotFoundError if absent."""
    with _locked():
        data = _read()
        saved = data["profiles"]
        if name not in saved:
            raise ProfileNotFoundError(name, sorted(saved))
        removed = _to_profile(name, saved.pop(name))
        if data.get("default") == name:
            data["default"] = None
        _write(data)
    return removed


def set_default_profile(name: str) -> None:
    """Make ``name`` the profile used when none is named."""
    with _locked():
        data = _read()
        if name not in data["profiles"]:
            raise ProfileNotFoundError(name, sorted(data["profiles"]))
        data["default"] = name
        _write(data)
