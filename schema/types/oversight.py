"""The oversight report's types."""

import strawberry

import schema.types.enums  # noqa: F401  (registers the enums)
from models.enums import AlertKind
from resolvers import oversight


@strawberry.type
class CountByKind:
    kind: AlertKind
    count: int


@strawberry.type
class CountByCourt:
    court: str
    count: int


@strawberry.type(
    description="Distinct children. Every count but transferredToHhs is of the children "
    "released to a sponsor in [from, to] (all time when absent), with a hearing at `court` "
    "when given."
)
class OversightReport:
    transferred_to_hhs: int = strawberry.field(
        description="Children transferred to HHS in [from, to]."
    )
    released_to_sponsor: int
    released_without_served_notice: int
    released_without_hearing: int
    failed_to_appear: int
    failed_to_appear_location_unknown: int
    in_absentia_orders: int
    represented_share: float = strawberry.field(
        description="Of those with an APPEARED hearing, the share with current counsel "
        "(0 when none)."
    )
    open_alerts: list[CountByKind] = strawberry.field(
        description="OPEN alerts of all children, by kind (every kind, zeros included)."
    )
    failed_to_appear_by_court: list[CountByCourt] = strawberry.field(
        description="Of the children counted in failedToAppear, how many failed to appear at "
        "each court (a child who failed at two courts counts at each), by court code."
    )

    @classmethod
    def from_report(cls, report: oversight.OversightReport) -> "OversightReport":
        return cls(
            transferred_to_hhs=report.transferred_to_hhs,
            released_to_sponsor=report.released_to_sponsor,
            released_without_served_notice=report.released_without_served_notice,
            released_without_hearing=report.released_without_hearing,
            failed_to_appear=report.failed_to_appear,
            failed_to_appear_location_unknown=report.failed_to_appear_location_unknown,
            in_absentia_orders=report.in_absentia_orders,
            represented_share=report.represented_share,
            open_alerts=[
                CountByKind(kind=kind, count=count) for kind, count in report.open_alerts.items()
            ],
            failed_to_appear_by_court=[
                CountByCourt(court=court, count=count)
                for court, count in report.failed_to_appear_by_court.items()
            ],
        )
