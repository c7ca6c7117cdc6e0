// Types of docs/operations/audit-verification.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export type AuditVerificationResultAuditVerification = {
    valid: boolean
    eventCount: number
    headHash: string
    firstInvalidSequence: number | null
    driftedEntities: string[]
    problems: string[]
    checkpointsChecked: number
}

export type AuditVerificationResult = {
    auditVerification: AuditVerificationResultAuditVerification
}
