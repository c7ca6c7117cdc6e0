"""The Subscription root: alerts as they are raised, over graphql-transport-ws."""

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

import models
from models.enums import AlertKind
from schema.context import Info
from schema.loading import field_selections, load_node
from schema.permissions import CanReadCases
from schema.types.records import Alert


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[CanReadCases],
        description="Each alert raised from now on (of these kinds, when given), once the "
        "change that raised it has committed, whichever server process it came through.",
    )
    async def alert_raised(
        self, info: Info, kinds: list[AlertKind] | None = None
    ) -> AsyncGenerator[Alert, None]:
        broker = info.context.live
        if broker is None:
            raise GraphQLError(
                "Live alerts are not served here.", extensions={"code": "UNAVAILABLE"}
            )
        selections = field_selections(info)
        # Ends when the server shuts down; the client is then sent `complete`.
        async with broker.subscription(kinds) as announced:
            async for alert_id in announced:
                alert = await load_node(info, models.Alert, "Alert", alert_id, selections)
                if isinstance(alert, Alert):
                    yield alert
