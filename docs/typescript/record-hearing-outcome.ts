// Types of docs/operations/record-hearing-outcome.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

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

export type RecordHearingOutcomeResultRecordHearingOutcomeHearing = {
    id: string
    court: string
    type: HearingType
    scheduledFor: string
    status: HearingStatus
    inAbsentiaOrder: boolean
}

export enum ErrorCode {
    INVALID = "INVALID",
    NOT_FOUND = "NOT_FOUND",
    VERSION_CONFLICT = "VERSION_CONFLICT",
    INVALID_TRANSITION = "INVALID_TRANSITION",
    DUPLICATE = "DUPLICATE",
}

export type RecordHearingOutcomeResultRecordHearingOutcomeUserErrors = {
    code: ErrorCode
    message: string
    field: string[] | null
}

export type RecordHearingOutcomeResultRecordHearingOutcome = {
    hearing: RecordHearingOutcomeResultRecordHearingOutcomeHearing | null
    userErrors: RecordHearingOutcomeResultRecordHearingOutcomeUserErrors[]
}

export type RecordHearingOutcomeResult = {
    recordHearingOutcome: RecordHearingOutcomeResultRecordHearingOutcome
}

export type RecordHearingOutcomeInput = {
    hearingId: string
    status: HearingStatus
    inAbsentiaOrder?: boolean | null
    continuedTo?: string | null
    reason?: string | null
}

export type RecordHearingOutcomeVariables = {
    input: RecordHearingOutcomeInput
}
