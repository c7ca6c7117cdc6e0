// Types of docs/operations/audit-log.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export type AuditLogResultAuditLogPageInfo = {
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

export type AuditLogResultAuditLogEdgesNodeActor = {
    name: string
    role: Role
}

export type AuditLogResultAuditLogEdgesNodeChanges = {
    field: string
    before: unknown | null
    after: unknown | null
}

export type AuditLogResultAuditLogEdgesNode = {
    id: string
    sequence: number
    recordedAt: string
    actor: AuditLogResultAuditLogEdgesNodeActor
    action: string
    entityType: string
    entityId: string
    entityVersion: number
    changes: AuditLogResultAuditLogEdgesNodeChanges[]
    reason: string | null
    requestId: string | null
    previousHash: string
    hash: string
}

export type AuditLogResultAuditLogEdges = {
    node: AuditLogResultAuditLogEdgesNode
}

export type AuditLogResultAuditLog = {
    totalCount: number
    pageInfo: AuditLogResultAuditLogPageInfo
    edges: AuditLogResultAuditLogEdges[]
}

export type AuditLogResult = {
    auditLog: AuditLogResultAuditLog
}

export type AuditFilter = {
    entityId?: string | null
    entityType?: string | null
    actorName?: string | null
    action?: string | null
    from?: string | null
    to?: string | null
}

export type AuditLogVariables = {
    filter?: AuditFilter | null
    first?: number | null
    after?: string | null
}
