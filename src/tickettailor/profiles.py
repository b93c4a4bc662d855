"""Saved connections ("profiles"): a name, an API key and an optional base URL.

Public API (the command line's ``connect`` and ``connections`` use it): the profiles
live in one owner-only JSON file in the user's config directory
(``$TICKETTAILOR_CONFIG_DIR`` when set); writes are atomic and locked; a key never
appears in a ``repr``, ``str`` or error (``Profile.key_hint`` shows its last four
characters). ``Client(profile=NAME)`` reads them; without a name, ``$TICKETTAILOR_PROFILE``,
else the default profile, else the only one.

    from tickettailor.profiles import Profile, save_profile, list_profiles
    save_profile(Profile("shop", api_key="sk_..."), make_default=True)
    print([p.name for p in list_profiles()])
"""

from __future__ import annotations

from tickettailor._core.profiles import (
    CONFIG_DIR_ENV,
    DEFAULT_PROFILE_NAME,
    PROFILE_ENV,
    Profile,
    ProfileError,
    ProfileNotFoundError,
    check_name,
    config_dir,
    default_profile_name,
    list_profiles,
    load_profile,
    profiles_path,
    remove_profile,
    save_profile,
    set_default_profile,
)

__all__ = [
    "CONFIG_DIR_ENV",
    "DEFAULT_PROFILE_NAME",
    "PROFILE_ENV",
    "Profile",
    "ProfileError",
    "ProfileNotFoundError",
    "check_name",
    "config_dir",
    "default_profile_name",
    "list_profiles",
    "load_profile",
    "profiles_path",
    "remove_profile",
    "save_profile",
    "set_default_profile",
]
