// Types of docs/operations/record-address.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export enum AddressSource {
    SPONSOR_REPORTED = "SPONSOR_REPORTED",
    CHANGE_OF_ADDRESS_FORM = "CHANGE_OF_ADDRESS_FORM",
    FIELD_VERIFICATION = "FIELD_VERIFICATION",
    COURT_RECORD = "COURT_RECORD",
    HHS_RECORD = "HHS_RECORD",
    OTHER = "OTHER",
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

export type RecordAddressResultRecordAddressAddress = {
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
    issues: AddressIssue[]
}

export enum LocationStatus {
    VERIFIED = "VERIFIED",
    UNVERIFIED = "UNVERIFIED",
    UNKNOWN = "UNKNOWN",
}

export type RecordAddressResultRecordAddressChildAddresses = {
    line1: string
    line2: string | null
    effectiveFrom: string
    effectiveTo: string | null
}

export type RecordAddressResultRecordAddressChild = {
    id: string
    version: number
    locationStatus: LocationStatus
    addresses: RecordAddressResultRecordAddressChildAddresses[]
}

export enum ErrorCode {
    INVALID = "INVALID",
    NOT_FOUND = "NOT_FOUND",
    VERSION_CONFLICT = "VERSION_CONFLICT",
    INVALID_TRANSITION = "INVALID_TRANSITION",
    DUPLICATE = "DUPLICATE",
}

export type RecordAddressResultRecordAddressUserErrors = {
    code: ErrorCode
    message: string
    field: string[] | null
}

export type RecordAddressResultRecordAddress = {
    address: RecordAddressResultRecordAddressAddress | null
    child: RecordAddressResultRecordAddressChild | null
    userErrors: RecordAddressResultRecordAddressUserErrors[]
}

export type RecordAddressResult = {
    recordAddress: RecordAddressResultRecordAddress
}

export type AddressInput = {
    line1: string
    line2?: string | null
    city: string
    state: string
    postalCode: string
}

export type RecordAddressInput = {
    childId: string
    address: AddressInput
    effectiveFrom: string
    source: AddressSource
    expectedVersion?: number | null
    reason?: string | null
}

export type RecordAddressVariables = {
    input: RecordAddressInput
}
