// The oversight dashboard: the report's figures, failures to appear by court, open alerts by
// kind and the last twelve months, all from the GraphQL API as the signed-in token.
import { barChart, element, graphql, showError, signIn, svg, token } from "/assets/common.js";

const REPORT = `
query Dashboard($from: Date, $to: Date, $court: String) {
  oversightReport(from: $from, to: $to, court: $court) {
    transferredToHhs releasedToSponsor releasedWithoutServedNotice releasedWithoutHearing
    failedToAppear failedToAppearLocationUnknown inAbsentiaOrders representedShare
    openAlerts { kind count }
    failedToAppearByCourt { court count }
  }
}`;

const FIGURES = [
  ["transferredToHhs", "Transferred to HHS"],
  ["releasedToSponsor", "Released to a sponsor"],
  ["releasedWithoutServedNotice", "Released, no notice served"],
  ["releasedWithoutHearing", "Released, no hearing"],
  ["failedToAppear", "Failed to appear"],
  ["failedToAppearLocationUnknown", "Failed to appear, location unknown"],
  ["inAbsentiaOrders", "In absentia orders"],
  ["representedShare", "Appeared with counsel"],
];

const MISSED = `
query Missed($filter: ChildFilter) {
  children(filter: $filter, first: 20) {
    totalCount
    edges { node { id aNumber firstName lastName locationStatus } }
  }
}`;

// The last twelve calendar months (UTC), oldest first, each as [label, from, to].
function months(today = new Date()) {
  const found = [];
  for (let back = 11; back >= 0; back -= 1) {
    const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0));
    const iso = (d) => d.toISOString().slice(0, 10);
    found.push([iso(start).slice(0, 7), iso(start), iso(end)]);
  }
  return found;
}

// One document of twelve aliased reports: one request for the whole trend.
function trendQuery(spans, court) {
  const fields = spans.map(
    ([, from, to], at) =>
      `m${at}: oversightReport(from: "${from}", to: "${to}"${court ? ", court: $court" : ""}) { releasedToSponsor failedToAppear }`,
  );
  return `query Trend${court ? "($court: String)" : ""} { ${fields.join(" ")} }`;
}

function showFigures(report) {
  const cards = FIGURES.map(([name, label]) => {
    const value =
      name === "representedShare" ? `${Math.round(report[name] * 100)} %` : report[name].toLocaleString("en-US");
    return element("div", { class: "figure", "data-figure": name }, [
      element("span", { class: "number" }, [value]),
      element("span", { class: "caption" }, [label]),
    ]);
  });
  document.querySelector("#figures .figures").replaceChildren(...cards);
}

function showTrend(spans, data) {
  const width = 720;
  const height = 260;
  const left = 48;
  const bottom = 40;
  const rows = spans.map(([label], at) => ({ label, ...data[`m${at}`] }));
  const largest = Math.max(1, ...rows.map((row) => row.releasedToSponsor));
  const step = (width - left - 10) / rows.length;
  const scale = (value) => ((height - bottom - 10) * value) / largest;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-label": "By month" });
  chart.append(svg("line", { x1: left, y1: height - bottom, x2: width - 4, y2: height - bottom, class: "axis" }));
  chart.append(svg("text", { x: left - 6, y: 16, "text-anchor": "end", class: "label" }, [String(largest)]));
  rows.forEach((row, at) => {
    const x = left + at * step + 4;
    const released = scale(row.releasedToSponsor);
    const failed = scale(row.failedToAppear);
    chart.append(
      svg("rect", { x, y: height - bottom - released, width: step / 2 - 4, height: released, class: "bar" }),
      svg("rect", { x: x + step / 2 - 4, y: height - bottom - failed, width: step / 2 - 4, height: failed, class: "bar warn" }),
      svg("text", { x: x + step / 2 - 4, y: height - bottom + 16, "text-anchor": "middle", class: "label small" }, [row.label]),
    );
  });
  const key = element("p", { class: "key" }, [
    element("span", { class: "swatch bar" }), " released to a sponsor  ",
    element("span", { class: "swatch warn" }), " of those, failed to appear",
  ]);
  document.querySelector("#trends .plot").replaceChildren(chart, key);
}

function showMissed(children) {
  const list = document.querySelector("#missed .children");
  const items = children.edges.map(({ node }) => {
    const link = element("a", { href: `/timeline#${node.id}` }, [`${node.lastName}, ${node.firstName}`]);
    return element("li", {}, [link, ` · A-${node.aNumber} · location ${node.locationStatus.toLowerCase()}`]);
  });
  if (!items.length) items.push(element("li", {}, ["None."]));
  list.replaceChildren(...items);
  if (children.totalCount > children.edges.length) {
    list.after(element("p", { class: "small" }, [`${children.edges.length} of ${children.totalCount}; the CSV export has them all.`]));
  }
}

function window_() {
  const form = document.getElementById("window");
  const value = (name) => form.elements[name].value.trim() || null;
  return { from: value("from"), to: value("to"), court: value("court") };
}

async function load() {
  const chosen = window_();
  const sections = ["#figures .figures", "#by-court .plot", "#alerts .plot", "#trends .plot"];
  try {
    const { oversightReport: report } = await graphql(REPORT, chosen);
    showFigures(report);
    document.querySelector("#by-court .plot").replaceChildren(
      barChart(report.failedToAppearByCourt.map((c) => ({ label: c.court, value: c.count })), { label: "Failures to appear by court", colour: "bar warn" }),
    );
    document.querySelector("#alerts .plot").replaceChildren(
      barChart(report.openAlerts.map((a) => ({ label: a.kind.replaceAll("_", " ").toLowerCase(), value: a.count })), { label: "Open alerts by kind" }),
    );
    const spans = months();
    showTrend(spans, await graphql(trendQuery(spans, chosen.court), chosen.court ? { court: chosen.court } : {}));
    const missed = await graphql(MISSED, { filter: { failedToAppear: true, ...(chosen.court ? { court: chosen.court } : {}) } });
    showMissed(missed.children);
    document.body.dataset.loaded = "true";
  } catch (error) {
    for (const where of sections) showError(document.querySelector(where), error);
    document.body.dataset.loaded = "error";
  }
}

async function exportFailures() {
  const chosen = window_();
  const response = await fetch("/export/children.csv", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
    body: JSON.stringify({ filter: { failedToAppear: true, ...(chosen.court ? { court: chosen.court } : {}) } }),
  });
  if (!response.ok) {
    const body = await response.json();
    alert(body.errors.map((e) => e.message).join(" "));
    return;
  }
  const link = element("a", { href: URL.createObjectURL(await response.blob()), download: "failed-to-appear.csv" });
  link.click();
  URL.revokeObjectURL(link.href);
}

signIn(async () => {
  const form = document.getElementById("window");
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  document.getElementById("export").addEventListener("click", exportFailures);
  await load();
});
