"""The library's packages import their names on first use (start-up: a command or a
program reading orders builds no event, voucher or membership models)."""

from __future__ import annotations

import importlib
import pydoc
import subprocess
import sys
import typing
from types import ModuleType

import pytest

import tickettailor
import tickettailor.models
import tickettailor.resources
from tickettailor import AsyncClient, Client

PACKAGES = [tickettailor, tickettailor.models, tickettailor.resources]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_public_name_resolves_to_the_object_its_module_defines(
    package: ModuleType,
) -> None:
    assert set(package.__all__) <= set(dir(package))
    for name in package.__all__:
        if name.startswith("__"):
            continue
        value = getattr(package, name)
        home = importlib.import_module(package._LAZY[name])
        assert value is getattr(home, name), name


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_a_misspelt_name_is_an_attribute_error_naming_it(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="Ordr"):
        _ = package.Ordr


def _declared() -> dict[str, tuple[type, type]]:
    """Each client resource -> the (sync, async) classes its annotation names, which is
    what mypy and IDEs tell a user."""
    from tickettailor import _client

    names = {
        **vars(_client),
        **{n: getattr(tickettailor.resources, n) for n in dir(tickettailor.resources)},
    }
    hints = typing.get_type_hints(_client._Shared, globalns=names)
    return {
        name: typing.get_args(hint)
        for name, hint in hints.items()
        if typing.get_origin(hint) is _client._Resource
    }


def test_each_client_resource_is_the_class_its_annotation_names() -> None:
    declared = _declared()
    assert len(declared) == 13
    key, base = "sk_1_1_" + "0" * 32, "http://127.0.0.1:1"
    sync, asynchronous = Client(key, base_url=base), AsyncClient(key, base_url=base)
    for name, (sync_class, async_class) in declared.items():
        assert type(getattr(sync, name)) is sync_class, name
        assert getattr(sync, name) is getattr(sync, name)  # made once
        assert type(getattr(asynchronous, name)) is async_class, name
    sync.close()


def test_reading_orders_builds_no_other_models() -> None:
    code = (
        "import sys\n"
        "from tickettailor import Client\n"
        "client = Client('sk_1_1_' + '0' * 32, base_url='http://127.0.0.1:1')\n"
        "client.orders\n"
        "print(sorted(m for m in sys.modules if m.startswith('tickettailor.models.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stdout
    assert "tickettailor.models.order" in loaded
    for other in ("event", "voucher", "membership", "discount", "hold", "product"):
        assert f"tickettailor.models.{other}'" not in loaded, other


def test_a_resource_read_from_the_class_names_its_classes_in_help() -> None:
    assert "Orders (AsyncOrders on an AsyncClient)" in pydoc.render_doc(
        Client, renderer=pydoc.plaintext
    )
