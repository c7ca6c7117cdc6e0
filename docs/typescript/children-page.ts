// Types of docs/operations/children-page.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export type ChildrenPageResultChildrenPageInfo = {
    hasNextPage: boolean
    endCursor: string | null
}

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

export type ChildrenPageResultChildrenEdgesNodeSponsor = {
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

export enum AddressIssue {
    MISSING_UNIT = "MISSING_UNIT",
    UNDELIVERABLE = "UNDELIVERABLE",
    SHARED_BY_UNRELATED_CHILDREN = "SHARED_BY_UNRELATED_CHILDREN",
}

export type ChildrenPageResultChildrenEdgesNodeCurrentAddress = {
    line1: string
    line2: string | null
    city: string
    state: string
    postalCode: string
    verification: VerificationStatus
    issues: AddressIssue[]
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

export type ChildrenPageResultChildrenEdgesNodeNextHearing = {
    id: string
    court: string
    type: HearingType
    scheduledFor: string
    status: HearingStatus
}

export type ChildrenPageResultChildrenEdgesNode = {
    id: string
    aNumber: string
    firstName: string
    lastName: string
    custodyStatus: CustodyStatus
    locationStatus: LocationStatus
    version: number
    sponsor: ChildrenPageResultChildrenEdgesNodeSponsor | null
    currentAddress: ChildrenPageResultChildrenEdgesNodeCurrentAddress | null
    nextHearing: ChildrenPageResultChildrenEdgesNodeNextHearing | null
}

export type ChildrenPageResultChildrenEdges = {
    cursor: string
    node: ChildrenPageResultChildrenEdgesNode
}

export type ChildrenPageResultChildren = {
    totalCount: number
    pageInfo: ChildrenPageResultChildrenPageInfo
    edges: ChildrenPageResultChildrenEdges[]
}

export type ChildrenPageResult = {
    children: ChildrenPageResultChildren
}

export type ChildFilter = {
    custodyStatus?: CustodyStatus[] | null
    locationStatus?: LocationStatus[] | null
    court?: string | null
    failedToAppear?: boolean | null
    noticeServed?: boolean | null
    represented?: boolean | null
    releasedFrom?: string | null
    releasedTo?: string | null
    search?: string | null
}

export type ChildrenPageVariables = {
    filter?: ChildFilter | null
    first?: number | null
    after?: string | null
}
