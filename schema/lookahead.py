"""Look-ahead: turn the client's selection into the relations to load for a whole page at
once, so nested fields are plain attributes of already-loaded objects."""

from collections.abc import Iterable, Mapping
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from resolvers.reads import ISSUES, Include

# For each GraphQL type: field -> (relation it reads, the related GraphQL type). A field not
# listed reads a column of the record itself.
_RELATIONS: Mapping[str, Mapping[str, tuple[str, str | None]]] = {
    "Child": {
        "sponsor": ("sponsor", "Sponsor"),
        "currentAddress": ("addresses", "Address"),
        "addresses": ("addresses", "Address"),
        "custodyEvents": ("custody_events", "CustodyEvent"),
        "notices": ("notices", "Notice"),
        "hearings": ("hearings", "Hearing"),
        "nextHearing": ("hearings", "Hearing"),
        "representation": ("representations", "Representation"),
        "contactAttempts": ("contact_attempts", "ContactAttempt"),
        "alerts": ("alerts", "Alert"),
    },
    "Sponsor": {"children": ("children", "Child")},
    "Address": {"issues": (ISSUES, None)},
    "CustodyEvent": {"sponsor": ("sponsor", "Sponsor")},
    "Hearing": {"child": ("child", "Child")},
    "Alert": {"child": ("child", "Child")},
}


def _fields(selections: Iterable[Selection], type_name: str | None) -> Iterable[SelectedField]:
    """The fields selected on `type_name` (on any type when None), through fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread):
            condition = selection.type_condition
            if type_name is None or condition in (None, type_name, "Node"):
                yield from _fields(selection.selections, type_name)


def _merge(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        _merge(into.setdefault(key, {}), value)


def include_for(selections: Iterable[Selection], type_name: str) -> Include:
    """The relations that `selections` on a `type_name` read, recursively."""
    include: dict[str, Any] = {}
    relations = _RELATIONS.get(type_name, {})
    for selected in _fields(selections, type_name):
        found = relations.get(selected.name)
        if found is None:
            continue
        relation, related_type = found
        below = include_for(selected.selections, related_type) if related_type else {}
        _merge(include.setdefault(relation, {}), below)
    return include


def child_selections(selections: Iterable[Selection], *path: str) -> list[Selection]:
    """The selections found under the field path (e.g. "edges", "node") of `selections`."""
    current = list(selections)
    for name in path:
        current = [s for f in _fields(current, None) if f.name == name for s in f.selections]
    return current


def selects(selections: Iterable[Selection], name: str) -> bool:
    return any(f.name == name for f in _fields(selections, None))
