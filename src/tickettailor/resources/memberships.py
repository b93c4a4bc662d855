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
    name: str
    valid_from_type: str  # fixed or relative
    valid_to_type: str  # fixed or relative
    valid_from_date: DateInput  # with valid_from_type fixed
    valid_to_date: DateInput  # with valid_to_type fixed
    valid_to_relative_days: int  # with valid_to_type relative
    max_redemptions: int
    photo_required: bool


class IssuedMembershipFields(TypedDict, total=False):
    membership_type_id: str
    first_name: str
    last_name: str
    email: str
    valid_from: DateInput
    valid_to: DateInput


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
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    @endpoint
    def get(self, membership_type_id: str) -> Call[MembershipType]:
        return self._call("GET", f"/membership_types/{seg(membership_type_id)}", MembershipType)

    @endpoint
    def create(self, **fields: Unpack[MembershipTypeFields]) -> Call[MembershipType]:
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/membership_types", MembershipType, data=data)

    @endpoint
    def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> Call[MembershipType]:
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, MembershipType, data=data)

    @endpoint
    def delete(self, membership_type_id: str) -> Call[DeleteResult]:
        return self._call("DELETE", f"/membership_types/{seg(membership_type_id)}", DeleteResult)


class _IssuedMemberships(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[IssuedMembership]:
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    @endpoint
    def get(self, issued_membership_id: str) -> Call[IssuedMembership]:
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
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, IssuedMembership, data=data)

    @endpoint
    def void(self, issued_membership_id: str) -> Call[VoidResult]:
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
