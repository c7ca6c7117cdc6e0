"""Tables, enums and the database engine. Importing this package registers every table."""

from models.address import Address
from models.alert import Alert
from models.case_summary import CaseSummary
from models.child import Child
from models.contact import ContactAttempt
from models.custody import CustodyEvent
from models.hearing import Hearing
from models.idempotency import IdempotencyKey
from models.merge import ChildMerge
from models.notice import Notice
from models.office import FieldOffice
from models.partner import Partner, PartnerDelivery, PartnerSecret
from models.representation import Representation
from models.sponsor import Sponsor
from models.sweep import SweepMark
from models.token import ApiToken, ApiTokenUse

__all__ = [
    "Address",
    "Alert",
    "ApiToken",
    "ApiTokenUse",
    "CaseSummary",
    "Child",
    "ChildMerge",
    "ContactAttempt",
    "CustodyEvent",
    "FieldOffice",
    "Hearing",
    "IdempotencyKey",
    "Notice",
    "Partner",
    "PartnerDelivery",
    "PartnerSecret",
    "Representation",
    "Sponsor",
    "SweepMark",
]
