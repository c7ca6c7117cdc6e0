// Types of docs/operations/record-contact-attempt.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export enum ContactMethod {
    PHONE = "PHONE",
    HOME_VISIT = "HOME_VISIT",
    SPONSOR_CONTACT = "SPONSOR_CONTACT",
    SCHOOL = "SCHOOL",
    OTHER = "OTHER",
}

export enum ContactOutcome {
    LOCATED_AT_ADDRESS = "LOCATED_AT_ADDRESS",
    LOCATED_AT_NEW_ADDRESS = "LOCATED_AT_NEW_ADDRESS",
    NOT_LOCATED = "NOT_LOCATED",
    NO_RESPONSE = "NO_RESPONSE",
}

export type RecordContactAttemptResultRecordContactAttemptContactAttempt = {
    id: string
    attemptedAt: string
    method: ContactMethod
    outcome: ContactOutcome
    notes: string | null
}

export enum LocationStatus {
    VERIFIED = "VERIFIED",
    UNVERIFIED = "UNVERIFIED",
    UNKNOWN = "UNKNOWN",
}

export enum VerificationStatus {
    UNVERIFIED = "UNVERIFIED",
    VERIFIED = "VERIFIED",
    FAILED = "FAILED",
}

export type RecordContactAttemptResultRecordContactAttemptChildCurrentAddress = {
    line1: string
    verification: VerificationStatus
    verifiedAt: string | null
}

export type RecordContactAttemptResultRecordContactAttemptChild = {
    id: string
    version: number
    locationStatus: LocationStatus
    currentAddress: RecordContactAttemptResultRecordContactAttemptChildCurrentAddress | null
}

export enum ErrorCode {
    INVALID = "INVALID",
    NOT_FOUND = "NOT_FOUND",
    VERSION_CONFLICT = "VERSION_CONFLICT",
    INVALID_TRANSITION = "INVALID_TRANSITION",
    DUPLICATE = "DUPLICATE",
}

export type RecordContactAttemptResultRecordContactAttemptUserErrors = {
    code: ErrorCode
    message: string
    field: string[] | null
}

export type RecordContactAttemptResultRecordContactAttempt = {
    contactAttempt: RecordContactAttemptResultRecordContactAttemptContactAttempt | null
    child: RecordContactAttemptResultRecordContactAttemptChild | null
    userErrors: RecordContactAttemptResultRecordContactAttemptUserErrors[]
}

export type RecordContactAttemptResult = {
    recordContactAttempt: RecordContactAttemptResultRecordContactAttempt
}

export type RecordContactAttemptInput = {
    childId: string
    attemptedAt: string
    method: ContactMethod
    outcome: ContactOutcome
    notes?: string | null
    reason?: string | null
}

export type RecordContactAttemptVariables = {
    input: RecordContactAttemptInput
}
