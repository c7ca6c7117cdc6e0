// A child's timeline: custody, addresses, notices, hearings and contact attempts on one time
// axis, each with its history entries (who, when, before and after, why). The child is named
// by the URL's fragment (/timeline#<id>), which a browser never sends to the server.
import { date, element, graphql, showError, signIn, svg } from "/assets/common.js";

const CHILD = `
query Timeline($id: ID!) {
  child(id: $id) {
    id aNumber firstName lastName dateOfBirth custodyStatus locationStatus fieldOffice
    sponsor { firstName lastName relationship }
    custodyEvents { id kind occurredAt facility }
    addresses { id line1 line2 city state postalCode effectiveFrom verification issues }
    notices { id status issuedOn servedOn filedOn court }
    hearings { id court type scheduledFor status inAbsentiaOrder }
    contactAttempts { id attemptedAt method outcome notes }
  }
}`;

const HISTORY = `
query TimelineHistory($id: ID!, $after: String) {
  child(id: $id) {
    history(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { sequence recordedAt actor { name role } action entityType entityId reason
                     changes { field before after } } }
    }
  }
}`;

// Each kind of record as entries on the axis: when, what, and the words for it.
const KINDS = {
  custody: (e) => [e.occurredAt, `Custody: ${words(e.kind)}${e.facility ? ` (${e.facility})` : ""}`],
  address: (a) => [
    `${a.effectiveFrom}T00:00:00Z`,
    `Address: ${a.line1}${a.line2 ? `, ${a.line2}` : ""}, ${a.city}, ${a.state} ${a.postalCode} · ${words(a.verification)}` +
      (a.issues.length ? ` · ${a.issues.map(words).join(", ")}` : ""),
  ],
  notice: (n) => [
    `${n.issuedOn}T00:00:00Z`,
    `Notice to Appear (${n.court}): ${words(n.status)}` +
      (n.servedOn ? ` · served ${n.servedOn}` : "") + (n.filedOn ? ` · filed ${n.filedOn}` : ""),
  ],
  hearing: (h) => [
    h.scheduledFor,
    `Hearing (${h.court}, ${words(h.type)}): ${words(h.status)}${h.inAbsentiaOrder ? " · in absentia order" : ""}`,
  ],
  contact: (c) => [c.attemptedAt, `Contact attempt (${words(c.method)}): ${words(c.outcome)}${c.notes ? ` · ${c.notes}` : ""}`],
};

function words(value) {
  return value.replaceAll("_", " ").toLowerCase();
}

async function historyOf(id) {
  const events = [];
  let after = null;
  for (;;) {
    const { child } = await graphql(HISTORY, { id, after });
    events.push(...child.history.edges.map((edge) => edge.node));
    if (!child.history.pageInfo.hasNextPage) return events;
    after = child.history.pageInfo.endCursor;
  }
}

// The records' entries; then each history event of a record not among them (the child's own
// changes, its sponsor's, its alerts') as an entry of its own.
function entriesOf(child, history) {
  const groups = [
    ["custody", child.custodyEvents],
    ["address", child.addresses],
    ["notice", child.notices],
    ["hearing", child.hearings],
    ["contact", child.contactAttempts],
  ];
  const entries = [];
  for (const [kind, records] of groups) {
    for (const record of records) {
      const [when, text] = KINDS[kind](record);
      entries.push({ kind, id: record.id, when: new Date(when), text });
    }
  }
  const shown = new Set(entries.map((entry) => entry.id));
  for (const event of history) {
    if (!shown.has(event.entityId)) {
      // A record merged into this one keeps its own ID in the history.
      const what =
        event.entityId === child.id ? "Case record" : event.entityType === "Child" ? "Merged record" : event.entityType;
      const fields = event.changes.map((c) => c.field).join(", ");
      entries.push({ kind: "record", id: null, event, when: new Date(event.recordedAt), text: `${what} (${event.action}): ${fields}` });
    }
  }
  return entries.sort((a, b) => a.when - b.when);
}

function showAxis(entries) {
  const width = 900;
  const height = 90;
  const pad = 30;
  const where = document.getElementById("axis");
  if (!entries.length) {
    where.replaceChildren();
    return;
  }
  const first = entries[0].when.getTime();
  const last = entries[entries.length - 1].when.getTime();
  const span = Math.max(last - first, 24 * 3600 * 1000);
  const x = (when) => pad + ((width - 2 * pad) * (when.getTime() - first)) / span;
  const lanes = { record: 18, custody: 29, address: 40, notice: 51, hearing: 62, contact: 73 };
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart axis-chart", role: "img", "aria-label": "Time axis" });
  chart.append(svg("line", { x1: pad, y1: 84, x2: width - pad, y2: 84, class: "axis" }));
  chart.append(
    svg("text", { x: pad, y: 12, class: "label small" }, [date(entries[0].when.toISOString())]),
    svg("text", { x: width - pad, y: 12, "text-anchor": "end", class: "label small" }, [date(entries[entries.length - 1].when.toISOString())]),
  );
  for (const entry of entries) {
    const mark = svg("circle", { cx: x(entry.when), cy: lanes[entry.kind], r: 5, class: `mark ${entry.kind}` });
    mark.append(svg("title", {}, [`${date(entry.when.toISOString())} ${entry.text}`]));
    chart.append(mark);
  }
  const key = element("p", { class: "key" }, Object.keys(lanes).flatMap((kind) => [element("span", { class: `swatch ${kind}` }), ` ${kind}  `]));
  where.replaceChildren(chart, key);
}

function change(c) {
  const show = (value) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));
  return element("li", {}, [element("code", {}, [c.field]), `: ${show(c.before)} → ${show(c.after)}`]);
}

function historyEntry(event) {
  return element("div", { class: "history" }, [
    element("p", {}, [
      `#${event.sequence} · ${event.recordedAt.replace("T", " ").slice(0, 19)} UTC · ${event.actor.name} (${event.actor.role}) · ${event.action}`,
      event.reason ? ` · reason: ${event.reason}` : "",
    ]),
    element("ul", { class: "changes" }, event.changes.map(change)),
  ]);
}

function showEntries(entries, history) {
  const byRecord = new Map();
  for (const event of history ?? []) {
    if (!byRecord.has(event.entityId)) byRecord.set(event.entityId, []);
    byRecord.get(event.entityId).push(event);
  }
  const items = entries.map((entry) => {
    const events = entry.event ? [entry.event] : byRecord.get(entry.id) ?? [];
    const details = history === null ? [element("p", { class: "small" }, ["Its history is not open to your role."])] : events.map(historyEntry);
    return element("li", { class: `entry ${entry.kind}`, "data-kind": entry.kind }, [
      element("p", { class: "what" }, [element("time", { datetime: entry.when.toISOString() }, [date(entry.when.toISOString())]), " ", entry.text]),
      ...details,
    ]);
  });
  document.getElementById("entries").replaceChildren(...items);
}

async function load() {
  const id = decodeURIComponent(location.hash.slice(1));
  const head = document.getElementById("child");
  if (!id) {
    head.replaceChildren(element("p", {}, ["Open a child from the oversight page, or add #<child id> to this page's address."]));
    return;
  }
  try {
    const { child } = await graphql(CHILD, { id });
    if (!child) throw new Error("No child has this id.");
    head.replaceChildren(
      element("h2", {}, [`${child.lastName}, ${child.firstName}`]),
      element("p", {}, [
        `A-${child.aNumber} · born ${child.dateOfBirth} · ${words(child.custodyStatus)} · location ${words(child.locationStatus)}` +
          ` · ${child.fieldOffice ? `field office ${child.fieldOffice}` : "no field office"}`,
        child.sponsor ? ` · sponsor ${child.sponsor.firstName} ${child.sponsor.lastName} (${words(child.sponsor.relationship)})` : "",
      ]),
    );
    let history = null;
    try {
      history = await historyOf(id);
    } catch {
      history = null; // a role that may read the child but not its history
    }
    const entries = entriesOf(child, history ?? []);
    showAxis(entries);
    showEntries(entries, history);
    document.body.dataset.loaded = "true";
  } catch (error) {
    showError(head, error);
    document.body.dataset.loaded = "error";
  }
}

signIn(async () => {
  window.addEventListener("hashchange", load);
  await load();
});
