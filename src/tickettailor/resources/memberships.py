"""Memberships: membership types, issued memberships (and redeeming them), redemptions.

Issuing memberships has its own rate limit of 30 an hour, paced separately by the core.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor._core.pagination import AsyncPager, Pager
from tickettailor.models import (
    DeleteResult,
    IssuedMembership,
    MembershipRedemption,
    MembershipType,
    VoidResult,
)
from tickettailor.resources._base import (
    AsyncResource,
    ListSpec,
    SyncResource,
    build_form,
    build_list,
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
    valid_from_type: str  # fixed or relative
    valid_to_type: str  # fixed or relative
    valid_from_date: DateInput  # with valid_from_type fixed
    valid_to_date: DateInput  # with valid_to_type fixed
    valid_to_relative_days: int  # with valid_to_type relative
    max_redemptions: int
    photo_required: bool


class IssuedMembershipFields(TypedDict, total=False):
    """The fields of an issued membership."""

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


class MembershipTypes(SyncResource):
    """``client.membership_types``: the membership type endpoints."""

    def list(self, **filters: Unpack[Paging]) -> Pager[MembershipType]:
        """Membership types across all pages (lazy, oldest first); filters as keywords."""
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    def get(self, membership_type_id: str) -> MembershipType:
        """One membership type by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/membership_types/{seg(membership_type_id)}", MembershipType)

    def create(self, **fields: Unpack[MembershipTypeFields]) -> MembershipType:
        """Create a membership type from the fields given."""
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/membership_types", MembershipType, data=data)

    def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> MembershipType:
        """Change a membership type: only the fields given are sent."""
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, MembershipType, data=data)

    def delete(self, membership_type_id: str) -> DeleteResult:
        """Delete a membership type (``DeleteResult``)."""
        return self._call("DELETE", f"/membership_types/{seg(membership_type_id)}", DeleteResult)


class AsyncMembershipTypes(AsyncResource):
    """``AsyncClient.membership_types``: the calls of ``MembershipTypes``, awaited."""

    def list(self, **filters: Unpack[Paging]) -> AsyncPager[MembershipType]:
        """Membership types across all pages (lazy, oldest first); filters as keywords."""
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    async def get(self, membership_type_id: str) -> MembershipType:
        """One membership type by id (``NotFoundError`` when there is none)."""
        path = f"/membership_types/{seg(membership_type_id)}"
        return await self._call("GET", path, MembershipType)

    async def create(self, **fields: Unpack[MembershipTypeFields]) -> MembershipType:
        """Create a membership type from the fields given."""
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return await self._call("POST", "/membership_types", MembershipType, data=data)

    async def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> MembershipType:
        """Change a membership type: only the fields given are sent."""
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return await self._call("POST", path, MembershipType, data=data)

    async def delete(self, membership_type_id: str) -> DeleteResult:
        """Delete a membership type (``DeleteResult``)."""
        path = f"/membership_types/{seg(membership_type_id)}"
        return await self._call("DELETE", path, DeleteResult)


class IssuedMemberships(SyncResource):
    """``client.issued_memberships``: the issued membership endpoints."""

    def list(self, **filters: Unpack[Paging]) -> Pager[IssuedMembership]:
        """Issued memberships across all pages (lazy, oldest first); filters as keywords."""
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    def get(self, issued_membership_id: str) -> IssuedMembership:
        """One issued membership by id (``NotFoundError`` when there is none)."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        return self._call("GET", path, IssuedMembership)

    def create(self, **fields: Unpack[IssuedMembershipFields]) -> IssuedMembership:
        """Issue a membership (the API allows 30 of these an hour)."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/issued_memberships", IssuedMembership, data=data)

    def update(
        self, issued_membership_id: str, **fields: Unpack[IssuedMembershipFields]
    ) -> IssuedMembership:
        """Change an issued membership: only the fields given are sent."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, IssuedMembership, data=data)

    def void(self, issued_membership_id: str) -> VoidResult:
        """Void an issued membership: it can no longer be used."""
        path = f"/issued_memberships/{seg(issued_membership_id)}/void"
        return self._call("POST", path, VoidResult)

    def redeem(self, issued_membership_id: str, *, event_id: str) -> MembershipRedemption:
        """Redeem the membership for an event."""
        path, data = _redeem(issued_membership_id, event_id)
        return self._call("POST", path, MembershipRedemption, data=data)


class AsyncIssuedMemberships(AsyncResource):
    """``AsyncClient.issued_memberships``: the calls of ``IssuedMemberships``, awaited."""

    def list(self, **filters: Unpack[Paging]) -> AsyncPager[IssuedMembership]:
        """Issued memberships across all pages (lazy, oldest first); filters as keywords."""
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    async def get(self, issued_membership_id: str) -> IssuedMembership:
        """One issued membership by id (``NotFoundError`` when there is none)."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        return await self._call("GET", path, IssuedMembership)

    async def create(self, **fields: Unpack[IssuedMembershipFields]) -> IssuedMembership:
        """Issue a membership (the API allows 30 of these an hour)."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", "/issued_memberships", IssuedMembership, data=data)

    async def update(
        self, issued_membership_id: str, **fields: Unpack[IssuedMembershipFields]
    ) -> IssuedMembership:
        """Change an issued membership: only the fields given are sent."""
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", path, IssuedMembership, data=data)

    async def void(self, issued_membership_id: str) -> VoidResult:
        """Void an issued membership: it can no longer be used."""
        path = f"/issued_memberships/{seg(issued_membership_id)}/void"
        return await self._call("POST", path, VoidResult)

    async def redeem(self, issued_membership_id: str, *, event_id: str) -> MembershipRedemption:
        """Redeem the membership for an event."""
        path, data = _redeem(issued_membership_id, event_id)
        return await self._call("POST", path, MembershipRedemption, data=data)


class MembershipRedemptions(SyncResource):
    """``client.membership_redemptions``: the membership redemption endpoints."""

    def list(self, **filters: Unpack[Paging]) -> Pager[MembershipRedemption]:
        """Redemptions (the path is unconfirmed on the real API)."""
        return self._list(MembershipRedemption, build_list(REDEMPTIONS, filters, tz=self._tz))


class AsyncMembershipRedemptions(AsyncResource):
    """``AsyncClient.membership_redemptions``: the calls of ``MembershipRedemptions``, awaited."""

    def list(self, **filters: Unpack[Paging]) -> AsyncPager[MembershipRedemption]:
        """Redemptions (the path is unconfirmed on the real API)."""
        return self._list(MembershipRedemption, build_list(REDEMPTIONS, filters, tz=self._tz))
