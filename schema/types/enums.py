"""Registers the domain's enums with Strawberry under the names the API uses. Import this
module before any type that uses them."""

import strawberry

from models import enums

for _enum in (
    enums.Role,
    enums.CustodyStatus,
    enums.CustodyEventKind,
    enums.LocationStatus,
    enums.SponsorRelationship,
    enums.AddressSource,
    enums.VerificationStatus,
    enums.AddressIssue,
    enums.NoticeStatus,
    enums.ServiceMethod,
    enums.HearingType,
    enums.HearingStatus,
    enums.ContactMethod,
    enums.ContactOutcome,
    enums.AlertKind,
    enums.AlertStatus,
    enums.DeliveryStatus,
    enums.PartnerField,
    enums.DuplicateReason,
):
    strawberry.enum(_enum)
