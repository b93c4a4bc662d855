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


class MembershipTypes(SyncResource):
    def list(self, **filters: Unpack[Paging]) -> Pager[MembershipType]:
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    def get(self, membership_type_id: str) -> MembershipType:
        return self._call("GET", f"/membership_types/{seg(membership_type_id)}", MembershipType)

    def create(self, **fields: Unpack[MembershipTypeFields]) -> MembershipType:
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/membership_types", MembershipType, data=data)

    def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> MembershipType:
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, MembershipType, data=data)

    def delete(self, membership_type_id: str) -> DeleteResult:
        return self._call("DELETE", f"/membership_types/{seg(membership_type_id)}", DeleteResult)


class AsyncMembershipTypes(AsyncResource):
    def list(self, **filters: Unpack[Paging]) -> AsyncPager[MembershipType]:
        return self._list(MembershipType, build_list(TYPES, filters, tz=self._tz))

    async def get(self, membership_type_id: str) -> MembershipType:
        path = f"/membership_types/{seg(membership_type_id)}"
        return await self._call("GET", path, MembershipType)

    async def create(self, **fields: Unpack[MembershipTypeFields]) -> MembershipType:
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return await self._call("POST", "/membership_types", MembershipType, data=data)

    async def update(
        self, membership_type_id: str, **fields: Unpack[MembershipTypeFields]
    ) -> MembershipType:
        path = f"/membership_types/{seg(membership_type_id)}"
        data = build_form(fields, time_fields=TYPE_TIME_FIELDS, tz=self._tz)
        return await self._call("POST", path, MembershipType, data=data)

    async def delete(self, membership_type_id: str) -> DeleteResult:
        path = f"/membership_types/{seg(membership_type_id)}"
        return await self._call("DELETE", path, DeleteResult)


class IssuedMemberships(SyncResource):
    def list(self, **filters: Unpack[Paging]) -> Pager[IssuedMembership]:
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    def get(self, issued_membership_id: str) -> IssuedMembership:
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        return self._call("GET", path, IssuedMembership)

    def create(self, **fields: Unpack[IssuedMembershipFields]) -> IssuedMembership:
        """Issue a membership (the API allows 30 of these an hour)."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/issued_memberships", IssuedMembership, data=data)

    def update(
        self, issued_membership_id: str, **fields: Unpack[IssuedMembershipFields]
    ) -> IssuedMembership:
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", path, IssuedMembership, data=data)

    def void(self, issued_membership_id: str) -> VoidResult:
        path = f"/issued_memberships/{seg(issued_membership_id)}/void"
        return self._call("POST", path, VoidResult)

    def redeem(self, issued_membership_id: str, *, event_id: str) -> MembershipRedemption:
        """Redeem the membership for an event."""
        path, data = _redeem(issued_membership_id, event_id)
        return self._call("POST", path, MembershipRedemption, data=data)


class AsyncIssuedMemberships(AsyncResource):
    def list(self, **filters: Unpack[Paging]) -> AsyncPager[IssuedMembership]:
        return self._list(IssuedMembership, build_list(ISSUED, filters, tz=self._tz))

    async def get(self, issued_membership_id: str) -> IssuedMembership:
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        return await self._call("GET", path, IssuedMembership)

    async def create(self, **fields: Unpack[IssuedMembershipFields]) -> IssuedMembership:
        """Issue a membership (the API allows 30 of these an hour)."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", "/issued_memberships", IssuedMembership, data=data)

    async def update(
        self, issued_membership_id: str, **fields: Unpack[IssuedMembershipFields]
    ) -> IssuedMembership:
        path = f"/issued_memberships/{seg(issued_membership_id)}"
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", path, IssuedMembership, data=data)

    async def void(self, issued_membership_id: str) -> VoidResult:
        path = f"/issued_memberships/{seg(issued_membership_id)}/void"
        return await self._call("POST", path, VoidResult)

    async def redeem(self, issued_membership_id: str, *, event_id: str) -> MembershipRedemption:
        """Redeem the membership for an event."""
        path, data = _redeem(issued_membership_id, event_id)
        return await self._call("POST", path, MembershipRedemption, data=data)


class MembershipRedemptions(SyncResource):
    def list(self, **filters: Unpack[Paging]) -> Pager[MembershipRedemption]:
        """Redemptions (the path is unconfirmed on the real API)."""
        return self._list(MembershipRedemption, build_list(REDEMPTIONS, filters, tz=self._tz))


class AsyncMembershipRedemptions(AsyncResource):
    def list(self, **filters: Unpack[Paging]) -> AsyncPager[MembershipRedemption]:
        """Redemptions (the path is unconfirmed on the real API)."""
        return self._list(MembershipRedemption, build_list(REDEMPTIONS, filters, tz=self._tz))
