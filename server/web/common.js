// What every page shares: the token (kept in this tab's sessionStorage only, never in a URL),
// GraphQL over fetch, and small DOM and SVG helpers. No data is fetched without a token.
"use strict";

const TOKEN_KEY = "casetrail-token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

export async function graphql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      Authorization: `Bearer ${token()}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    throw new Error("The token was refused: sign in again.");
  }
  const body = await response.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((e) => e.message).join(" "));
  }
  return body.data;
}

// The sign-in form, until a token the server accepts is given; then `start(me)`.
export function signIn(start) {
  const form = element("form", { id: "sign-in", class: "card" }, [
    element("label", { for: "token" }, ["API token"]),
    element("input", { id: "token", type: "password", autocomplete: "off", required: "" }),
    element("button", { type: "submit" }, ["Sign in"]),
    element("p", { class: "error", role: "alert" }),
  ]);
  const begin = async () => {
    try {
      const { me } = await graphql("query Me { me { name role } }");
      form.remove();
      document.getElementById("signed-in").textContent = `${me.name} (${me.role})`;
      const out = element("button", { type: "button", class: "link" }, ["Sign out"]);
      out.addEventListener("click", signOut);
      document.getElementById("signed-in").append(" ", out);
      await start(me);
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      form.querySelector(".error").textContent = error.message;
      document.querySelector("main").prepend(form);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, form.querySelector("#token").value.trim());
    begin();
  });
  if (token()) {
    begin();
  } else {
    document.querySelector("main").prepend(form);
  }
}

export function element(name, attributes = {}, children = []) {
  const made = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
  for (const child of children) made.append(child);
  return made;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(name, attributes = {}, children = []) {
  const made = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
  for (const child of children) made.append(child);
  return made;
}

export function showError(where, error) {
  where.replaceChildren(element("p", { class: "error", role: "alert" }, [error.message]));
}

// A horizontal bar chart of [{label, value}], one bar a row, scaled to the largest.
export function barChart(rows, { label, colour = "bar" } = {}) {
  const rowHeight = 26;
  const labelWidth = 260;
  const width = 640;
  const largest = Math.max(1, ...rows.map((row) => row.value));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowHeight + 4}`,
    role: "img",
    "aria-label": label,
    class: "chart",
  });
  rows.forEach((row, at) => {
    const y = at * rowHeight + 2;
    const length = ((width - labelWidth - 60) * row.value) / largest;
    chart.append(
      svg("text", { x: labelWidth - 8, y: y + 17, "text-anchor": "end", class: "label" }, [row.label]),
      svg("rect", { x: labelWidth, y: y + 3, width: Math.max(length, 1), height: rowHeight - 8, class: colour }),
      svg("text", { x: labelWidth + length + 6, y: y + 17, class: "value" }, [String(row.value)]),
    );
  });
  if (!rows.length) {
    chart.append(svg("text", { x: 8, y: 18, class: "label" }, ["None."]));
  }
  return chart;
}

export function date(value) {
  return value ? value.slice(0, 10) : "";
}
