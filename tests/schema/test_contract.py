"""The served schema keeps the contract clients rely on, and the committed SDL is current."""

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema import schema

ROOT = Path(__file__).resolve().parents[2]
SHARED_CONTRACT = ROOT.parent / "shared" / "contract.graphql"
# A copy for checkouts without ../shared beside them; kept equal to the original below.
COPIED_CONTRACT = Path(__file__).with_name("contract.graphql")
CONTRACT = SHARED_CONTRACT if SHARED_CONTRACT.exists() else COPIED_CONTRACT


def test_committed_sdl_is_the_served_schema() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "schema.graphql is stale: run `python -m schema > schema.graphql`"
    )


def test_served_schema_holds_the_whole_contract() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = build_schema(schema.as_str())

    reported = {change.description for change in find_breaking_changes(contract, served)}

    assert reported == set(), "the served schema breaks the contract"


def test_copied_contract_is_the_shared_one() -> None:
    if not SHARED_CONTRACT.exists():
        return  # a checkout without ../shared: the copy is all there is
    assert COPIED_CONTRACT.read_text() == SHARED_CONTRACT.read_text(), (
        "tests/schema/contract.graphql differs from ../shared/contract.graphql: copy it again"
    )
