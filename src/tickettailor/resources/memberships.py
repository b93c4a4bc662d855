"""Memberships: membership types, issued memberships (and redeeming them), redemptions.

Issuing memberships has its own rate limit of 30 an hour, paced separately by the core.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor.models import (
    DeleteResult,
    IssuedMembership,
    MembershipRedemption,
    MembershipType,
    VoidResult,
)
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import DateInput, Paging

__all__ = [
    "AsyncIssuedMemberships",
    "AsyncMembershipRedemptions",
    "AsyncMembershipTypes",
    "IssuedMembershipFields",
    "IssuedMemberships",
    "MembershipRedemptions",
    "MembershipTypeFields",
    "MembershipTypes",
]


class MembershipTypeFields(TypedDict, total=False):
    """The fields of a membership type."""

    name: str
    """The membership type's name."""
    valid_from_type: str
    """How the start is given: fixed or relative."""
    valid_to_type: str
    """How the end is given: fixed or relative."""
    valid_from_date: DateInput
    """The start date, with valid_from_type fixed."""
    valid_to_date: DateInput
    """The end date, with valid_to_type fixed."""
    valid_to_relative_days: int
    """Days valid from the start, with valid_to_type relative."""
    max_redemptions: int
    """The most redemptions allowed."""
    photo_required: bool
    """Whether a photo is required."""


class IssuedMembershipFields(TypedDict, total=False):
    """The fields of an issued membership."""

    membership_type_id: str
    """The membership type to issue."""
    first_name: str
    """The member's first name."""
    last_name: str
    """The member's last name."""
    email: str
    """The member's email address."""
    valid_from: DateInput
    """When it becomes valid."""
    valid_to: DateInput
    """When it stops being valid."""


TYPES = ListSpec("/membership_types")
ISSUED = ListSpec("/issued_memberships")
REDEMPTIONS = ListSpec("/membership_redemptions")
TIME_FIELDS = ("valid_from", "valid_to")
TYPE_TIME_FIELDS = ("valid_from_date", "valid_to_date")


def _redeem(issued_membership_id: str, event_id: str) -> tuple[str, dict[str, object]]:
    path = f"/issued_membership_redemptions/{seg(event_id, 'event id')}"
    return path, {"issued_membership_id": seg(issued_membership_id, "issued membership id")}


class _MembershipTypes(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[MembershipType]:
        """Membership types across all pages (lazy, oldest first); filters as keywords."""
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    @endpoint
    def get(self, membership_type_id: str) -> Call[MembershipType]:
        """One membership type by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/membership_types/{seg(membership_type_id)}", MembershipType)

    @endpoint
    def create(self, **fields: Unpack[MembershipTypeFields]) -> Call[MembershipType]:
        """Create a membership type from the fields given."""
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/membership_types", MembershipType, data=data)

    @endpoint
    def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> Call[MembershipType]:
        """Change a membership type: only the fields given are sent."""
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, MembershipType, data=data)

    @endpoint
    def delete(self, membership_type_id: str) -> Call[DeleteResult]:
        """Delete a membership type (``DeleteResult``)."""
        return self._call("DELETE", f"/membership_types/{seg(membership_type_id)}", DeleteResult)


class _IssuedMemberships(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[IssuedMembership]:
        """Membership types across all pages (lazy, oldest first); filters as keywords."""
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    @endpoint
    def get(self, issued_membership_id: str) -> Call[IssuedMembership]:
        """One membership type by id (``NotFoundError`` when there is none)."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        return self._call("GET", path, IssuedMembership)

    @endpoint
    def create(self, **fields: Unpack[IssuedMembershipFields]) -> Call[IssuedMembership]:
        """Issue a membership (the API allows 30 of these an hour)."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/issued_memberships", IssuedMembership, data=data)

    @endpoint
    def update(
        self, issued_membership_id: str, **fields: Unpack[IssuedMembershipFields]
    ) -> Call[IssuedMembership]:
        """Change a membership type: only the fields given are sent."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, IssuedMembership, data=data)

    @endpoint
    def void(self, issued_membership_id: str) -> Call[VoidResult]:
        """Void an issued membership: it can no longer be used."""
        path = f"/issued_memberships/{seg(issued_membership_id)}/void"
        return self._call("POST", path, VoidResult)

    @endpoint
    def redeem(self, issued_membership_id: str, *, event_id: str) -> Call[MembershipRedemption]:
        """Redeem the membership for an event."""
        path, data = _redeem(issued_membership_id, event_id)
        return self._call("POST", path, MembershipRedemption, data=data)


class _MembershipRedemptions(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[MembershipRedemption]:
        """Redemptions (the path is unconfirmed on the real API)."""
        return self._list(MembershipRedemption, build_list(REDEMPTIONS, filters, tz=self._tz))


class MembershipTypes(_MembershipTypes, SyncResource):
    """MembershipTypes, blocking."""


class AsyncMembershipTypes(_MembershipTypes, AsyncResource):
    """MembershipTypes, for asyncio."""


class IssuedMemberships(_IssuedMemberships, SyncResource):
    """IssuedMemberships, blocking."""


class AsyncIssuedMemberships(_IssuedMemberships, AsyncResource):
    """IssuedMemberships, for asyncio."""


class MembershipRedemptions(_MembershipRedemptions, SyncResource):
    """MembershipRedemptions, blocking."""


class AsyncMembershipRedemptions(_MembershipRedemptions, AsyncResource):
    """MembershipRedemptions, for asyncio."""
