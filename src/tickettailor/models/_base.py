"""The base model and the normalised field types every resource shares.

A model is a typed view over one JSON object from the API. ``.raw`` is that object
exactly as received (the same dict, never copied or changed), so ``json.dumps(m.raw)``
gives back the API's JSON value; it is what the CLI prints and the watch stores.
Typed fields normalise the API's quirks (reference sections 1.4 to 1.6):

- string booleans (``"true"``/``"false"``) become ``bool``;
- unix seconds, ``YYYY-MM-DD HH:MM:SS`` (UTC) and ISO 8601 strings become aware
  datetimes; date objects become ``DateValue``;
- currency codes are lower-cased; money stays integer minor units (see ``money.py``).

Unknown fields are kept (on ``.raw`` and as extra attributes), never an error; missing
fields are None. A known field whose value the model cannot read (a flag that is neither
true nor false, an unreadable time) is None on the typed view rather than a failure of
the whole record: ``.raw`` still holds what the API sent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

from tickettailor._core.dates import parse_instant
from tickettailor._core.errors import DateParseError, MalformedResponseError

__all__ = [
    "DateValue",
    "Flag",
    "LowerStr",
    "Number",
    "TTModel",
    "Timestamp",
    "WaitlistFlag",
]


class TTModel(BaseModel):
    """Base of every Ticket Tailor model: ``.raw`` (the JSON as received) and ``.id``."""

    model_config = ConfigDict(extra="allow", frozen=True, protected_namespaces=())

    #: The API's ``object`` value this model reads (None for helper objects).
    api_object: ClassVar[str | None] = None

    object: str | None = None
    id: str | None = None

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Self:
        """Read one object from an API response; ``raw`` is kept as is.

        Raises ``MalformedResponseError`` when ``raw`` is not an object or a field has a
        shape the API never sends (e.g. a list where a number belongs).
        """
        if not isinstance(raw, dict):
            raise MalformedResponseError(
                f"Expected a JSON object for {cls.__name__}, got {type(raw).__name__}."
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise MalformedResponseError(
                f"The API returned a {cls.__name__} this client cannot read: {_first_error(exc)}"
            ) from None

    def __repr_args__(self) -> Any:
        # Leave out the many None fields so a repr shows what the record holds.
        return [(name, value) for name, value in super().__repr_args__() if value is not None]

    @property
    def raw(self) -> dict[str, Any]:
        """The object exactly as the API returned it (do not modify)."""
        private = self.__pydantic_private__
        return private.get("raw", {}) if private else {}

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if isinstance(data, TTModel):
            return handler(data)
        prepared = cls._prepare(data)
        model = handler(prepared)
        # The dict itself, not a copy: lossless, and free for 100k-record walks.
        # Stored as pydantic's own private-attribute state (copied and pickled with the
        # model) but set directly: a declared PrivateAttr costs a default per model.
        object.__setattr__(
            model, "__pydantic_private__", {"raw": data if isinstance(data, dict) else prepared}
        )
        return model

    @classmethod
    def _prepare(cls, data: Any) -> Any:
        """Turn a non-object input into the object to validate (DateValue takes unix)."""
        return data


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
WaitlistFlag = Annotated[bool | Literal["no_tickets_available"] | None, BeforeValidator(_waitlist)]
Timestamp = Annotated[dt.datetime | None, BeforeValidator(_instant)]
LowerStr = Annotated[str | None, BeforeValidator(_lower)]
Number = Annotated[int | Decimal | None, BeforeValidator(_number)]


# --- the date object ---------------------------------------------------------------------


class DateValue(TTModel):
    """The API's date object (reference section 1.6), all six keys kept.

    ``.datetime`` is the instant (from ``unix``) in the object's own UTC offset
    (``timezone``, e.g. ``+01:00``; this is an offset, not a zone name). ``formatted``
    varies between box offices: show it, never parse it.
    """

    date: str | None = None
    formatted: str | None = None
    iso: str | None = None
    time: str | None = None
    timezone: str | None = None
    unix: int | None = None

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
