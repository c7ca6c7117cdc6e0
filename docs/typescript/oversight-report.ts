// Types of docs/operations/oversight-report.graphql, made by Strawberry's codegen; do not edit.
// Rewrite with: CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs

export enum AlertKind {
    FAILED_TO_APPEAR = "FAILED_TO_APPEAR",
    LOCATION_UNKNOWN = "LOCATION_UNKNOWN",
    NOTICE_NOT_SERVED = "NOTICE_NOT_SERVED",
    ADDRESS_UNVERIFIED = "ADDRESS_UNVERIFIED",
    ADDRESS_ISSUE = "ADDRESS_ISSUE",
    TRANSFER_OVERDUE = "TRANSFER_OVERDUE",
    HEARING_WITHOUT_COUNSEL = "HEARING_WITHOUT_COUNSEL",
}

export type OversightReportResultOversightReportOpenAlerts = {
    kind: AlertKind
    count: number
}

export type OversightReportResultOversightReportFailedToAppearByCourt = {
    court: string
    count: number
}

export type OversightReportResultOversightReport = {
    transferredToHhs: number
    releasedToSponsor: number
    releasedWithoutServedNotice: number
    releasedWithoutHearing: number
    failedToAppear: number
    failedToAppearLocationUnknown: number
    inAbsentiaOrders: number
    representedShare: number
    openAlerts: OversightReportResultOversightReportOpenAlerts[]
    failedToAppearByCourt: OversightReportResultOversightReportFailedToAppearByCourt[]
}

export type OversightReportResult = {
    oversightReport: OversightReportResultOversightReport
}

export type OversightReportVariables = {
    from?: string | null
    to?: string | null
    court?: string | null
}
