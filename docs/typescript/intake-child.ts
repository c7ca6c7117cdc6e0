// Types of docs/operations/intake-child.graphql, made by Strawberry's codegen; do not edit.
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

export enum CustodyEventKind {
    APPREHENDED = "APPREHENDED",
    TRANSFERRED_TO_HHS = "TRANSFERRED_TO_HHS",
    RELEASED_TO_SPONSOR = "RELEASED_TO_SPONSOR",
    RETURNED_TO_HHS = "RETURNED_TO_HHS",
    MISSING_FROM_HHS_CARE = "MISSING_FROM_HHS_CARE",
    TURNED_18 = "TURNED_18",
    REMOVED_OR_DEPARTED = "REMOVED_OR_DEPARTED",
}

export type IntakeChildResultIntakeChildChildCustodyEvents = {
    kind: CustodyEventKind
    occurredAt: string
    facility: string | null
}

export type IntakeChildResultIntakeChildChild = {
    id: string
    aNumber: string
    firstName: string
    lastName: string
    dateOfBirth: string
    countryOfBirth: string
    custodyStatus: CustodyStatus
    locationStatus: LocationStatus
    version: number
    custodyEvents: IntakeChildResultIntakeChildChildCustodyEvents[]
}

export enum ErrorCode {
    INVALID = "INVALID",
    NOT_FOUND = "NOT_FOUND",
    VERSION_CONFLICT = "VERSION_CONFLICT",
    INVALID_TRANSITION = "INVALID_TRANSITION",
    DUPLICATE = "DUPLICATE",
}

export type IntakeChildResultIntakeChildUserErrors = {
    code: ErrorCode
    message: string
    field: string[] | null
}

export type IntakeChildResultIntakeChild = {
    child: IntakeChildResultIntakeChildChild | null
    userErrors: IntakeChildResultIntakeChildUserErrors[]
}

export type IntakeChildResult = {
    intakeChild: IntakeChildResultIntakeChild
}

export type IntakeChildInput = {
    aNumber: string
    firstName: string
    lastName: string
    dateOfBirth: string
    countryOfBirth: string
    apprehendedAt: string
    facility?: string | null
    reason?: string | null
}

export type IntakeChildVariables = {
    input: IntakeChildInput
}
