"""The base model and the normalised field types every resource shares.

A model is a typed view over one JSON object from the API. ``.raw`` is that object
exactly as received, read-only (``_raw.RawObject``, a ``dict`` that refuses changes),
so ``json.dumps(m.raw)`` gives back the API's JSON value; it is what the CLI prints and
the watch stores. Typed fields normalise the API's quirks (reference sections 1.4 to 1.6):

- string booleans (``"true"``/``"false"``) become ``bool``;
- unix seconds, ``YYYY-MM-DD HH:MM:SS`` (UTC) and ISO 8601 strings become aware
  datetimes; date objects become ``DateValue``;
- currency codes are lower-cased; money stays integer minor units (see ``money.py``).

Fields the API always sends (``id``, ``object``, an order's ``total``...; the fixtures in
tests/fixtures and the sandbox are the evidence) are required: a record without one
fails with ``MalformedResponseError``. Other fields are None when missing. Unknown
fields are kept (on ``.raw`` and as extra attributes), never an error. An optional field
whose value the model cannot read (a flag that is neither true nor false, an unreadable
time) is None on the typed view rather than a failure of the whole record: ``.raw``
still holds what the API sent. Enumerations are ``Literal[...] | str`` (see ``known``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from tickettailor._core.dates import parse_instant
from tickettailor._core.errors import DateParseError, MalformedResponseError
from tickettailor.models import _docs, _lazy
from tickettailor.models._raw import RawObject

__all__ = [
    "APIObject",
    "DateValue",
    "Flag",
    "Instant",
    "LowerStr",
    "Number",
    "TTModel",
    "Timestamp",
    "WaitlistFlag",
]


class TTModel(BaseModel):
    """Base of every Ticket Tailor model: typed fields over ``.raw``, the JSON as received.

    Read from the API (``from_api``, the client, webhooks), ``.raw`` is a read-only view
    of exactly what the API sent. A model you build yourself (``Order(...)``,
    ``model_validate``) has ``.raw`` rebuilt from its fields in JSON form; a copy with
    ``model_copy(update=...)`` keeps the API's JSON for the fields it did not update and
    writes the updated ones in JSON form. Either way ``.raw`` agrees with the typed
    fields and ``json.dumps(model.raw)`` works.
    """

    # defer_build: a model's validator is built when first used, not at import, so a
    # program (or command) reading orders builds no event, voucher... validators.
    model_config = ConfigDict(extra="allow", frozen=True, protected_namespaces=(), defer_build=True)

    #: The API's ``object`` value this model reads (None for helper objects).
    api_object: ClassVar[str | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Field descriptions from attribute docstrings, before the (deferred) validator
        # and JSON schema are built from the fields (see ``_docs``).
        super().__pydantic_init_subclass__(**kwargs)
        _docs.describe_fields(cls)

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Self:
        """Read one object from an API response, validating it now; ``.raw`` is ``raw``.

        Raises ``MalformedResponseError`` when ``raw`` is not an object or a field has a
        shape the API never sends (e.g. a list where a number belongs, a missing ``id``).
        """
        if not isinstance(raw, dict):
            raise MalformedResponseError(
                f"Expected a JSON object for {cls.__name__}, got {type(raw).__name__}."
            )
        try:
            return cls.model_validate(raw, context=_FROM_API)
        except ValidationError as exc:
            raise MalformedResponseError(
                f"The API returned a {cls.__name__} this client cannot read: {_first_error(exc)}"
            ) from None

    @classmethod
    def from_api_lazy(cls, raw: dict[str, Any]) -> Self:
        """Like ``from_api``, but the typed fields are read on first use (see ``_lazy``).

        Reading ``.raw``, ``.id`` or ``.object`` costs next to nothing; the first other
        field builds the whole model once (and raises ``MalformedResponseError`` then,
        if the object has a shape the API never sends). List calls return these.
        """
        if not isinstance(raw, dict):
            raise MalformedResponseError(
                f"Expected a JSON object for {cls.__name__}, got {type(raw).__name__}."
            )
        return _lazy.shell(cls, raw)

    def __repr_args__(self) -> Any:
        try:
            _lazy.build(self)
        except MalformedResponseError as exc:  # a repr must not fail (logs, tracebacks)
            return [*self.__dict__.items(), ("unreadable", str(exc))]
        # Leave out the many None fields so a repr shows what the record holds.
        return [(name, value) for name, value in super().__repr_args__() if value is not None]

    @property
    def raw(self) -> RawObject:
        """The object as the API sent it, read-only (see the class docstring)."""
        private = self.__pydantic_private__
        kept = private.get("raw") if private else None
        if type(kept) is RawObject:
            return kept
        if kept is not None:  # the API's dict: made read-only on first read
            wrapped = private["raw"] = RawObject(kept)  # type: ignore[index]  # not None here
            return wrapped
        rebuilt: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return RawObject(rebuilt)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        if isinstance(data, TTModel):
            return handler(data)
        prepared = cls._prepare(data)
        model = handler(prepared)
        if info.context is _FROM_API:
            # Stored as pydantic's own private-attribute state (copied and pickled with
            # the model) but set directly: a declared PrivateAttr costs a default per model.
            # The dict as is: made a read-only RawObject on first read of .raw.
            kept = data if isinstance(data, dict) else prepared
            object.__setattr__(model, "__pydantic_private__", {"raw": kept})
        return model

    @classmethod
    def _prepare(cls, data: Any) -> Any:
        """Turn a non-object input into the object to validate (DateValue takes unix)."""
        return data

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update``, ``.raw`` holds the updated fields in JSON form."""
        _lazy.build(self)
        copied = super().model_copy(update=update, deep=deep)
        private = self.__pydantic_private__
        if update and private and "raw" in private:
            changed = copied.model_dump(mode="json", include=set(update))
            merged = {**dict(dict.items(private["raw"])), **changed}
            object.__setattr__(copied, "__pydantic_private__", {"raw": RawObject(merged)})
        return copied

    # pydantic reads the field values straight from __dict__ here: build a lazy one first.
    # (model_dump, model_dump_json and == read pydantic's slots first, which builds it.)
    def __hash__(self) -> int:
        # As pydantic hashes a frozen model (its field values), once built.
        _lazy.build(self)
        values = self.__dict__
        return hash((type(self), *(values.get(name) for name in type(self).__pydantic_fields__)))

    def __iter__(self) -> Any:
        _lazy.build(self)
        return super().__iter__()

    def __getstate__(self) -> dict[Any, Any]:
        _lazy.build(self)
        return super().__getstate__()

    def __copy__(self) -> Self:
        _lazy.build(self)
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        _lazy.build(self)
        return super().__deepcopy__(memo)

    if not TYPE_CHECKING:  # mypy would otherwise accept any attribute name

        def __getattr__(self, name: str) -> Any:
            return _lazy.attribute(self, name)


class APIObject(TTModel):
    """A resource of the API: every one carries ``object`` and ``id``."""

    object: str
    """The API's name of the resource type, e.g. ``"order"``."""
    id: str
    """The id, with the resource's prefix (``or_…``, ``ev_…``)."""


#: The validation context that marks data as the API's own JSON (``.raw`` kept).
_FROM_API: dict[str, bool] = {"from_api": True}


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "(object)"
    return f"{where}: {error['msg']} ({exc.error_count()} problem(s) in all)"


# --- normalisers -------------------------------------------------------------------------


def _flag(value: Any) -> bool | None:
    """``"true"``/``"false"`` (the API's string booleans) to bool; JSON bools pass."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def _waitlist(value: Any) -> bool | Literal["no_tickets_available"] | None:
    if isinstance(value, str) and value.strip().lower() == "no_tickets_available":
        return "no_tickets_available"
    return _flag(value)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_UNIX = 253402300799


def _instant(value: Any) -> dt.datetime | None:
    """Unix seconds, ``YYYY-MM-DD HH:MM:SS`` (UTC), ISO 8601 or a date object."""
    if value is None or isinstance(value, bool):
        return None
    if type(value) is int and 0 <= value <= _MAX_UNIX:
        return _EPOCH + dt.timedelta(seconds=value)  # the common case, kept fast
    if isinstance(value, dict):
        return DateValue.model_validate(value).datetime
    if isinstance(value, int | float | str | dt.datetime):
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return parse_instant(value, tz=dt.UTC)
        except DateParseError:
            return None
    return None


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _number(value: Any) -> Any:
    # JSON numbers as Decimal without float artefacts; anything else is left to pydantic.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Flag = Annotated[bool | None, BeforeValidator(_flag)]
"""A string boolean (``"true"``/``"false"``) as ``bool``; None when absent or unreadable."""
WaitlistFlag = Annotated[bool | Literal["no_tickets_available"] | None, BeforeValidator(_waitlist)]
"""A waitlist flag: ``bool``, or ``"no_tickets_available"`` (waitlist only when sold out)."""
Timestamp = Annotated[dt.datetime | None, BeforeValidator(_instant)]
"""An optional time as an aware datetime; None when absent or unreadable."""
Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
"""A time the API always sends, as an aware datetime (unreadable: the record fails)."""
LowerStr = Annotated[str, BeforeValidator(_lower)]
"""A string lower-cased (currency codes)."""
Number = Annotated[int | Decimal | None, BeforeValidator(_number)]
"""A JSON number as ``int`` or an exact ``Decimal`` (never a float)."""


# --- the date object ---------------------------------------------------------------------


class DateValue(TTModel):
    """The API's date object (reference section 1.6), all six keys kept.

    ``.datetime`` is the instant (from ``unix``) in the object's own UTC offset
    (``timezone``, e.g. ``+01:00``; this is an offset, not a zone name). ``formatted``
    varies between box offices: show it, never parse it.
    """

    date: str | None = None
    """The local calendar date, ``YYYY-MM-DD``."""
    formatted: str | None = None
    """The date as the box office shows it; for display only."""
    iso: str | None = None
    """ISO 8601 with the offset, e.g. ``2026-05-01T18:00:00+01:00``."""
    time: str | None = None
    """The local time, ``HH:MM``."""
    timezone: str | None = None
    """The UTC offset, e.g. ``+01:00`` (not a zone name)."""
    unix: int | None = None
    """The instant in unix seconds."""

    @classmethod
    def _prepare(cls, data: Any) -> Any:
        # Some fields are documented as date objects only by inference (discount expiry,
        # voucher expiry): accept bare unix seconds or ISO text there too.
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"unix": int(data), "timezone": "+00:00"}
        if isinstance(data, str):
            moment = _instant(data)
            return {"iso": data} if moment is None else _from_datetime(moment)
        return data

    @property
    def datetime(self) -> dt.datetime | None:
        """The aware instant, in the offset the API gave; None if the object has none."""
        offset = _offset(self.timezone)
        if self.unix is not None:
            return dt.datetime.fromtimestamp(self.unix, offset or dt.UTC)
        moment = _instant(self.iso)
        if moment is not None and offset is not None:
            return moment.astimezone(offset)
        return moment

    @property
    def local_date(self) -> dt.date | None:
        """The local calendar date (``date``), as a ``datetime.date``."""
        try:
            return dt.date.fromisoformat(self.date) if self.date else None
        except ValueError:
            return None


def _offset(text: str | None) -> dt.timezone | None:
    """``+01:00`` as a fixed-offset tzinfo."""
    if not text:
        return None
    try:
        parsed = dt.datetime.strptime(text.strip().replace("Z", "+00:00"), "%z")
    except ValueError:
        return None
    return parsed.tzinfo  # type: ignore[return-value]  # %z always gives a dt.timezone


def _from_datetime(moment: dt.datetime) -> dict[str, Any]:
    offset = moment.strftime("%z")
    return {
        "date": moment.date().isoformat(),
        "iso": moment.isoformat(),
        "time": moment.strftime("%H:%M"),
        "timezone": f"{offset[:3]}:{offset[3:]}",
        "unix": int(moment.timestamp()),
    }
