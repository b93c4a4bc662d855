"""Membership types, issued memberships and redemptions, reference section 4.13."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, DateValue, Flag, Timestamp

__all__ = ["IssuedMembership", "MembershipRedemption", "MembershipType"]


class MembershipType(APIObject):
    """A kind of membership the box office sells (``mt_…``)."""

    api_object: ClassVar[str | None] = "membership_type"

    name: str
    """The membership type's name."""
    conditions_and_benefits: list[Any] | None = None
    """What members get, as sent."""
    max_redemptions: int | None = None
    """How many times a membership can be used; None for no limit."""
    photo_required: Flag = None
    """Whether members need a photo."""
    valid_from_date: DateValue | None = None
    """The fixed start date, when ``valid_from_type`` is ``fixed``."""
    valid_from_type: str | None = None
    """How the start is set: ``fixed`` or ``relative`` (to the purchase)."""
    valid_to_date: DateValue | None = None
    """The fixed end date, when ``valid_to_type`` is ``fixed``."""
    valid_to_relative_days: int | None = None
    """Days of validity, when ``valid_to_type`` is ``relative``."""
    valid_to_type: str | None = None
    """How the end is set: ``fixed`` or ``relative``."""


class MembershipRedemption(APIObject):
    """One use of a membership; ``created_at`` arrives as ISO 8601 text."""

    api_object: ClassVar[str | None] = "issued_membership_redemption"

    issued_membership_id: str
    """The membership used (``im_…``)."""
    created_at: Timestamp = None
    """When it was used."""
    description: str | None = None
    """A note on the use."""
    linked_event_id: str | None = None
    """The event it was used for (``ev_…``)."""
    linked_order_id: str | None = None
    """The order it was used in (``or_…``)."""


class IssuedMembership(APIObject):
    """A membership sold to someone (``im_…``). Personal data."""

    api_object: ClassVar[str | None] = "issued_membership"

    code: str
    """The membership's code."""
    membership_type_id: str
    """Its membership type (``mt_…``)."""
    benefits: list[Any] | None = None
    """What the member gets, as sent."""
    email: str | None = None
    """The member's email address."""
    first_name: str | None = None
    """The member's first name."""
    full_name: str | None = None
    """The member's full name."""
    is_valid: Flag = None
    """Whether it can be used now."""
    issue_date: DateValue | None = None
    """When it was issued."""
    last_name: str | None = None
    """The member's last name."""
    max_redemptions: int | None = None
    """How many uses it allows; None for no limit."""
    membership_type_name: str | None = None
    """Its membership type's name."""
    redemption_collection: list[MembershipRedemption] | None = None
    """Its uses so far."""
    redemptions: int | None = None
    """How many times it was used."""
    valid_from: DateValue | None = None
    """When it becomes valid."""
    valid_to: DateValue | None = None
    """When it stops being valid."""
    voided_at: Timestamp = None
    """When it was voided; None while valid."""
