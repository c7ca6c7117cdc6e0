"""The GraphiQL page (outside production): Strawberry's, with example operations of this API
in its editor and, in demo mode, a demo token already in its headers.

Strawberry's page also writes what is typed (the document and its variables) into the page's
URL, for sharing; variables may hold a child's name or A-number, and a URL lands in browser
histories and proxies' logs, so here nothing typed is written there. Headers (the token) are
not kept in the browser's storage either."""

import json

from strawberry.http.ides import get_graphql_ide_html

# Each named operation can be run from the editor's run button; variables are in the
# comments, to be pasted into the Variables pane.
EXAMPLE_OPERATIONS = """# casetrail: example operations. Pick one with the run button.
# Variables for ChildTimeline: {"id": "<an id from ReleasedChildren>"}

query ReleasedChildren {
  children(filter: {custodyStatus: [RELEASED_TO_SPONSOR]}, first: 10) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id aNumber firstName lastName locationStatus
                   sponsor { firstName lastName }
                   currentAddress { line1 line2 city state postalCode verification issues }
                   nextHearing { court scheduledFor status } } }
  }
}

query FailedToAppear {
  children(filter: {failedToAppear: true}, first: 10) {
    totalCount
    edges { node { id aNumber lastName locationStatus hearings { court status } } }
  }
}

query ChildTimeline($id: ID!) {
  child(id: $id) {
    aNumber firstName lastName custodyStatus version
    custodyEvents { kind occurredAt facility }
    notices { status issuedOn servedOn court }
    hearings { court scheduledFor status }
    history(first: 20) { edges { node { sequence recordedAt actor { name role } action
                                        changes { field before after } reason } } }
  }
}

query OpenAlerts {
  alerts(filter: {status: [OPEN]}, first: 10) {
    totalCount
    edges { node { kind raisedAt detail child { aNumber } } }
  }
}

query MyWorkQueue {
  workQueue(first: 10) {
    totalCount
    edges { node { id kind dueAt assignedTo nextStep
                   child { id aNumber lastName fieldOffice } } }
  }
}

query Me { me { name role office } }
"""

_URL_WRITER = "function updateURL(data) {"
_HEADERS_STATE = "React.useState(parameters.headers)"
_PERSISTED = "shouldPersistHeaders: true"


def graphiql_html(headers: dict[str, str] | None = None) -> str:
    """The page, with `headers` (such as a demo token) in its Headers pane."""
    html = get_graphql_ide_html("graphiql")
    for anchor in (_URL_WRITER, _HEADERS_STATE, _PERSISTED, "const EXAMPLE_QUERY = `"):
        if anchor not in html:  # Strawberry's page changed: say so rather than serve it as is
            raise RuntimeError(f"GraphiQL's page no longer has {anchor!r}")
    start = html.index("const EXAMPLE_QUERY = `")
    end = html.index("`;", start)
    examples = EXAMPLE_OPERATIONS.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    html = html[:start] + "const EXAMPLE_QUERY = `" + examples + html[end:]
    html = html.replace(_URL_WRITER, _URL_WRITER + " return;  // nothing typed goes into the URL")
    # A JSON string literal of the headers' JSON text, which cannot end the script early.
    shown = json.dumps(json.dumps(headers, indent=2)).replace("</", "<\\/") if headers else None
    html = html.replace(_HEADERS_STATE, f"React.useState({shown or 'undefined'})")
    return html.replace(_PERSISTED, "shouldPersistHeaders: false")
