"""Lazy records: a model whose typed fields are read from ``.raw`` on first use.

A page of 100 orders holds about 1,400 objects; validating them all costs far more CPU
than fetching and decoding the page, and most walks read only ``.id`` and ``.raw``. So
list calls return *shells*: real instances of the model class (``isinstance`` and the
static types are those of the model) that hold only ``.raw``. The first read of any
other field validates the whole object once, exactly as ``from_api`` does, and fills the
instance in place; from then on it is an ordinary pydantic model.

How: pydantic keeps field values in the instance ``__dict__`` and its own state in the
slots ``__pydantic_fields_set__`` and ``__pydantic_extra__``. A shell leaves those slots
unset and its ``__dict__`` empty (but for ``id`` and ``object``, set from ``.raw``), so
reading a field (or pydantic reading the slots, as its serializer does) falls through
to ``__getattr__``, which builds the model and fills ``__dict__`` in place. The
methods that read ``__dict__`` directly (``model_dump``, ``==``, ``repr``, copy,
pickle) build first (``TTModel`` overrides them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from tickettailor.models._base import TTModel

__all__ = ["attribute", "build", "is_lazy", "shell"]

T = TypeVar("T", bound="TTModel")

# Plain string fields whose value is the raw one unchanged: set on the shell.
_AS_SENT = ("object", "id")
_STATE = ("__pydantic_fields_set__", "__pydantic_extra__")


def shell(cls: type[T], raw: dict[str, Any]) -> T:
    """An unbuilt ``cls`` over ``raw`` (a dict from the API's JSON, taken over as is)."""
    model = cls.__new__(cls)
    # Copied into a read-only RawObject on first read of .raw (TTModel.raw), not here.
    object.__setattr__(model, "__pydantic_private__", {"raw": raw})
    # id and object as sent are what validation would give: set them now, so reading
    # them is a plain attribute lookup. Validation overwrites them with the same values.
    values = model.__dict__
    for name in _AS_SENT:
        value = raw.get(name)
        if type(value) is str and name in cls.__pydantic_fields__:
            values[name] = value
    return model


def is_lazy(model: TTModel) -> bool:
    """True while ``model`` is a shell whose fields have not been read yet."""
    try:
        object.__getattribute__(model, "__pydantic_fields_set__")
    except AttributeError:
        return True
    return False


def build(model: TTModel) -> None:
    """Validate a shell's ``.raw`` and fill the shell in place (nothing if built)."""
    if not is_lazy(model):
        return
    raw = object.__getattribute__(model, "__pydantic_private__")["raw"]
    built = type(model).from_api(dict(dict.items(raw)))
    model.__dict__.update(built.__dict__)
    object.__setattr__(model, "__pydantic_extra__", built.__pydantic_extra__)
    # Set last: while it is unset the model counts as a shell.
    object.__setattr__(model, "__pydantic_fields_set__", built.__pydantic_fields_set__)


def attribute(model: TTModel, name: str) -> Any:
    """``__getattr__`` of every model: a shell's field or pydantic state builds it."""
    if (name in _STATE or not name.startswith("_")) and is_lazy(model):
        build(model)
        return getattr(model, name)  # now built: the ordinary lookup
    return BaseModel.__getattr__(model, name)  # type: ignore[attr-defined]  # runtime-only hook
