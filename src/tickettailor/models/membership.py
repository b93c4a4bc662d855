"""Membership types, issued memberships and redemptions, reference section 4.13."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue, Flag, Timestamp, TTModel

__all__ = ["IssuedMembership", "MembershipRedemption", "MembershipType"]


class MembershipType(TTModel):
    api_object: ClassVar[str | None] = "membership_type"

    conditions_and_benefits: list[Any] | None = None
    max_redemptions: int | None = None
    name: str | None = None
    photo_required: Flag = None
    valid_from_date: DateValue | None = None
    valid_from_type: str | None = None
    valid_to_date: DateValue | None = None
    valid_to_relative_days: int | None = None
    valid_to_type: str | None = None


class MembershipRedemption(TTModel):
    """One use of a membership; ``created_at`` arrives as ISO 8601 text."""

    api_object: ClassVar[str | None] = "issued_membership_redemption"

    created_at: Timestamp = None
    description: str | None = None
    issued_membership_id: str | None = None
    linked_event_id: str | None = None
    linked_order_id: str | None = None


class IssuedMembership(TTModel):
    api_object: ClassVar[str | None] = "issued_membership"

    benefits: list[Any] | None = None
    code: str | None = None
    email: str | None = None
    first_name: str | None = None
    full_name: str | None = None
    is_valid: Flag = None
    issue_date: DateValue | None = None
    last_name: str | None = None
    max_redemptions: int | None = None
    membership_type_id: str | None = None
    membership_type_name: str | None = None
    redemption_collection: list[MembershipRedemption] | None = None
    redemptions: int | None = None
    valid_from: DateValue | None = None
    valid_to: DateValue | None = None
    voided_at: Timestamp = None
