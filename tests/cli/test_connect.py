"""connect and connections: checking a key, saving it privately, listing without it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.cli.conftest import Run, jsonl
from tests.conftest import OTHER_KEY, TEST_KEY
from tickettailor._core.profiles import load_profile
from tickettailor.sandbox import RunningSandbox


def test_connect_checks_the_key_and_saves_it_owner_only(
    bare: Run, sandbox: RunningSandbox, clean_env: Path
) -> None:
    result = bare("--base-url", sandbox.base_url, "connect", "--name", "shop", input=TEST_KEY)
    assert result.exit_code == 0, result.stderr
    assert "Connected to box office '" in result.stdout
    assert "'shop'" in result.stdout
    assert TEST_KEY not in result.output
    assert "…" + TEST_KEY[-4:] in result.stdout
    saved = load_profile("shop")
    assert saved is not None
    assert saved.api_key == TEST_KEY
    assert saved.base_url == sandbox.base_url
    path = clean_env / "profiles.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(clean_env.stat().st_mode) == 0o700


def test_saved_profile_is_used_by_later_commands(bare: Run, sandbox: RunningSandbox) -> None:
    bare("--base-url", sandbox.base_url, "connect", input=TEST_KEY)
    bare("--base-url", sandbox.base_url, "connect", "--name", "other", input=OTHER_KEY)
    mine = jsonl(bare("orders", "list", "--limit", "1").stdout)
    theirs = jsonl(bare("--profile", "other", "orders", "list", "--limit", "1").stdout)
    assert mine
    assert theirs
    assert mine != theirs  # two box offices, two different first orders
    via_env = jsonl(bare("orders", "list", "--limit", "1", TICKETTAILOR_PROFILE="other").stdout)
    assert via_env == theirs


def test_box_office_name_is_shown(bare: Run, sandbox: RunningSandbox) -> None:
    from tickettailor import Client

    with Client(TEST_KEY, base_url=sandbox.base_url) as client:
        name = client.overview().raw["box_office_name"]
    result = bare("--base-url", sandbox.base_url, "connect", input=TEST_KEY + "\n")
    assert f"box office '{name}'" in result.stdout


def test_api_key_option_and_dash_for_stdin(bare: Run, sandbox: RunningSandbox) -> None:
    by_option = bare(
        "--base-url", sandbox.base_url, "connect", "--name", "a", "--api-key", TEST_KEY
    )
    assert by_option.exit_code == 0, by_option.stderr
    by_dash = bare(
        "--base-url", sandbox.base_url, "connect", "--name", "b", "--api-key", "-", input=TEST_KEY
    )
    assert by_dash.exit_code == 0, by_dash.stderr
    assert {p["name"] for p in jsonl(bare("connections", "list").stdout)} == {"a", "b"}


def test_bad_key_is_refused_and_nothing_saved(bare: Run, sandbox: RunningSandbox) -> None:
    wrong = "sk_1111_222222_" + "9" * 32
    result = bare("--base-url", sandbox.base_url, "connect", input=wrong)
    assert result.exit_code == 1
    assert "refused (403)" in result.stderr
    assert "Nothing was saved" in result.stderr
    assert "network" not in result.stderr
    assert wrong not in result.output
    assert jsonl(bare("connections", "list", "--format", "jsonl").stdout) == []


def test_network_problem_is_told_apart_from_a_bad_key(bare: Run) -> None:
    result = bare("--base-url", "http://127.0.0.1:9", "connect", input=TEST_KEY)
    assert result.exit_code == 1
    assert "network problem, not a bad key" in result.stderr
    assert "refused (403)" not in result.stderr
    assert "nothing was saved" in result.stderr
    assert TEST_KEY not in result.output


def test_no_key_given_is_a_usage_error(bare: Run, sandbox: RunningSandbox) -> None:
    result = bare("--base-url", sandbox.base_url, "connect", input="\n")
    assert result.exit_code == 2
    assert "No API key given" in result.stderr


def test_connections_list_shows_only_the_last_four(bare: Run, sandbox: RunningSandbox) -> None:
    bare("--base-url", sandbox.base_url, "connect", "--name", "shop", input=TEST_KEY)
    for fmt in ("table", "json", "jsonl", "csv"):
        result = bare("connections", "list", "--format", fmt)
        assert result.exit_code == 0
        assert TEST_KEY not in result.output
        assert TEST_KEY[-4:] in result.stdout
        assert "shop" in result.stdout
    listed = json.loads(bare("connections", "list", "--format", "json").stdout)
    assert listed == [
        {"name": "shop", "default": True, "key_last4": TEST_KEY[-4:], "base_url": sandbox.base_url}
    ]


def test_remove_and_use(bare: Run, sandbox: RunningSandbox) -> None:
    bare("--base-url", sandbox.base_url, "connect", "--name", "a", input=TEST_KEY)
    bare("--base-url", sandbox.base_url, "connect", "--name", "b", input=OTHER_KEY)
    used = bare("connections", "use", "b")
    assert used.exit_code == 0
    assert jsonl(bare("connections", "list").stdout)[1] == {
        "name": "b",
        "default": True,
        "key_last4": OTHER_KEY[-4:],
        "base_url": sandbox.base_url,
    }
    removed = bare("connections", "remove", "a")
    assert removed.exit_code == 0
    assert "Removed 'a'" in removed.stdout
    assert [p["name"] for p in jsonl(bare("connections", "list").stdout)] == ["b"]
    missing = bare("connections", "remove", "a")
    assert missing.exit_code == 2
    assert "saved profiles: b" in missing.stderr


def test_no_key_anywhere_says_how_to_connect(bare: Run) -> None:
    result = bare("orders", "list")
    assert result.exit_code == 2
    assert "tickettailor connect" in result.stderr
    assert "--api-key" in result.stderr


def test_unknown_profile_lists_the_saved_ones(bare: Run, sandbox: RunningSandbox) -> None:
    bare("--base-url", sandbox.base_url, "connect", "--name", "shop", input=TEST_KEY)
    result = bare("--profile", "shpo", "orders", "list")
    assert result.exit_code == 2
    assert "'shpo'" in result.stderr
    assert "saved profiles: shop" in result.stderr


def test_connect_default_flag_switches_the_default(bare: Run, sandbox: RunningSandbox) -> None:
    bare("--base-url", sandbox.base_url, "connect", "--name", "a", input=TEST_KEY)
    second = bare(
        "--base-url", sandbox.base_url, "connect", "--name", "b", "--default", input=OTHER_KEY
    )
    assert "'b' is the default connection." in second.stdout
    defaults = [p["name"] for p in jsonl(bare("connections", "list").stdout) if p["default"]]
    assert defaults == ["b"]
