// Types of docs/operations/child.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export enum CustodyStatus {
    IN_DHS_CUSTODY = "IN_DHS_CUSTODY",
    IN_HHS_CUSTODY = "IN_HHS_CUSTODY",
    RELEASED_TO_SPONSOR = "RELEASED_TO_SPONSOR",
    MISSING_FROM_HHS_CARE = "MISSING_FROM_HHS_CARE",
    TURNED_18 = "TURNED_18",
    REMOVED_OR_DEPARTED = "REMOVED_OR_DEPARTED",
}

export enum LocationStatus {
    VERIFIED = "VERIFIED",
    UNVERIFIED = "UNVERIFIED",
    UNKNOWN = "UNKNOWN",
}

export enum SponsorRelationship {
    PARENT = "PARENT",
    LEGAL_GUARDIAN = "LEGAL_GUARDIAN",
    SIBLING = "SIBLING",
    OTHER_RELATIVE = "OTHER_RELATIVE",
    NON_RELATIVE = "NON_RELATIVE",
}

export type ChildResultChildSponsor = {
    id: string
    firstName: string
    lastName: string
    relationship: SponsorRelationship
    phone: string | null
}

export enum VerificationStatus {
    UNVERIFIED = "UNVERIFIED",
    VERIFIED = "VERIFIED",
    FAILED = "FAILED",
}

export type ChildResultChildCurrentAddress = {
    id: string
    line1: string
    line2: string | null
    city: string
    state: string
    postalCode: string
    effectiveFrom: string
    verification: VerificationStatus
}

export enum AddressSource {
    SPONSOR_REPORTED = "SPONSOR_REPORTED",
    CHANGE_OF_ADDRESS_FORM = "CHANGE_OF_ADDRESS_FORM",
    FIELD_VERIFICATION = "FIELD_VERIFICATION",
    COURT_RECORD = "COURT_RECORD",
    HHS_RECORD = "HHS_RECORD",
    OTHER = "OTHER",
}

export enum AddressIssue {
    MISSING_UNIT = "MISSING_UNIT",
    UNDELIVERABLE = "UNDELIVERABLE",
    SHARED_BY_UNRELATED_CHILDREN = "SHARED_BY_UNRELATED_CHILDREN",
}

export type ChildResultChildAddresses = {
    id: string
    line1: string
    line2: string | null
    city: string
    state: string
    postalCode: string
    effectiveFrom: string
    effectiveTo: string | null
    source: AddressSource
    verification: VerificationStatus
    verifiedAt: string | null
    issues: AddressIssue[]
}

export enum CustodyEventKind {
    APPREHENDED = "APPREHENDED",
    TRANSFERRED_TO_HHS = "TRANSFERRED_TO_HHS",
    RELEASED_TO_SPONSOR = "RELEASED_TO_SPONSOR",
    RETURNED_TO_HHS = "RETURNED_TO_HHS",
    MISSING_FROM_HHS_CARE = "MISSING_FROM_HHS_CARE",
    TURNED_18 = "TURNED_18",
    REMOVED_OR_DEPARTED = "REMOVED_OR_DEPARTED",
}

export type ChildResultChildCustodyEvents = {
    id: string
    kind: CustodyEventKind
    occurredAt: string
    facility: string | null
}

export enum NoticeStatus {
    ISSUED = "ISSUED",
    SERVED = "SERVED",
    FILED = "FILED",
    REJECTED = "REJECTED",
    CANCELLED = "CANCELLED",
}

export enum ServiceMethod {
    PERSONAL = "PERSONAL",
    MAIL = "MAIL",
}

export type ChildResultChildNotices = {
    id: string
    status: NoticeStatus
    issuedOn: string
    servedOn: string | null
    serviceMethod: ServiceMethod | null
    filedOn: string | null
    court: string
}

export enum HearingType {
    MASTER_CALENDAR = "MASTER_CALENDAR",
    INDIVIDUAL = "INDIVIDUAL",
}

export enum HearingStatus {
    SCHEDULED = "SCHEDULED",
    OVERDUE = "OVERDUE",
    APPEARED = "APPEARED",
    FAILED_TO_APPEAR = "FAILED_TO_APPEAR",
    CONTINUED = "CONTINUED",
    CANCELLED = "CANCELLED",
}

export type ChildResultChildHearings = {
    id: string
    court: string
    type: HearingType
    scheduledFor: string
    status: HearingStatus
    inAbsentiaOrder: boolean
}

export type ChildResultChildNextHearing = {
    id: string
    court: string
    scheduledFor: string
}

export type ChildResultChildHistoryPageInfo = {
    hasNextPage: boolean
    endCursor: string | null
}

export enum Role {
    OFFICER = "OFFICER",
    SUPERVISOR = "SUPERVISOR",
    OVERSIGHT = "OVERSIGHT",
    INTEGRATION = "INTEGRATION",
    ADMIN = "ADMIN",
}

export type ChildResultChildHistoryEdgesNodeActor = {
    name: string
    role: Role
}

export type ChildResultChildHistoryEdgesNodeChanges = {
    field: string
    before: unknown | null
    after: unknown | null
}

export type ChildResultChildHistoryEdgesNode = {
    sequence: number
    recordedAt: string
    actor: ChildResultChildHistoryEdgesNodeActor
    action: string
    entityType: string
    entityVersion: number
    changes: ChildResultChildHistoryEdgesNodeChanges[]
    reason: string | null
}

export type ChildResultChildHistoryEdges = {
    node: ChildResultChildHistoryEdgesNode
}

export type ChildResultChildHistory = {
    totalCount: number
    pageInfo: ChildResultChildHistoryPageInfo
    edges: ChildResultChildHistoryEdges[]
}

export type ChildResultChild = {
    id: string
    aNumber: string
    firstName: string
    lastName: string
    dateOfBirth: string
    countryOfBirth: string
    custodyStatus: CustodyStatus
    locationStatus: LocationStatus
    version: number
    sponsor: ChildResultChildSponsor | null
    currentAddress: ChildResultChildCurrentAddress | null
    addresses: ChildResultChildAddresses[]
    custodyEvents: ChildResultChildCustodyEvents[]
    notices: ChildResultChildNotices[]
    hearings: ChildResultChildHearings[]
    nextHearing: ChildResultChildNextHearing | null
    history: ChildResultChildHistory
}

export type ChildResult = {
    child: ChildResultChild | null
}

export type ChildVariables = {
    id: string
    historyFirst?: number | null
}
