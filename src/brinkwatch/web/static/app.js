// brinkwatch dashboard: draw the figures a page embeds, run scenarios, code text.
// No framework and nothing from the internet: Plotly is served by the dashboard itself.
"use strict";

// ---------------------------------------------------------------- loading indicator

function busy(on) {
  // Shown while the server works on a page or a request: pages can take seconds to compute.
  const box = document.getElementById("busy");
  const main = document.getElementById("main");
  if (box) box.hidden = !on;
  if (main) main.setAttribute("aria-busy", on ? "true" : "false");
}

document.querySelectorAll("form.controls").forEach((f) => f.addEventListener("submit", () => busy(true)));
document.querySelectorAll("header nav a, #dyads a").forEach((a) => a.addEventListener("click", () => busy(true)));
// Back to a page kept in memory: nothing is loading.
window.addEventListener("pageshow", () => busy(false));

// ---------------------------------------------------------------- figures

function eventsLink(point) {
  // customdata of a bar or point: [directed dyad, first day, last day, hover text, quad class?].
  const c = point.customdata;
  if (!Array.isArray(c) || c.length < 3 || typeof c[0] !== "string" || !c[0].includes("->")) return null;
  const here = new URL(window.location.href);
  const url = new URL("/dyad", window.location.origin);
  if (here.pathname === "/dyad") {
    here.searchParams.forEach((v, k) => url.searchParams.set(k, v));
  } else {
    url.searchParams.set("dyad", c[0].replace("->", "-"));
    // The window the figure shows: the page's form holds it, defaults included.
    const form = document.querySelector("form.controls");
    for (const k of ["freq", "measure", "from", "to"]) {
      const field = form ? form.elements.namedItem(k) : null;
      const v = (field && field.value) || here.searchParams.get(k);
      if (v) url.searchParams.set(k, v);
    }
  }
  url.searchParams.set("events_dyad", c[0]);
  url.searchParams.set("events_from", c[1]);
  url.searchParams.set("events_to", c[2]);
  // A quad-class bar also narrows the table to its class; a point shows them all.
  if (c.length > 4 && c[4]) url.searchParams.set("quad", String(c[4]));
  else url.searchParams.delete("quad");
  url.hash = "events";
  return url.toString();
}

function drawFigure(el, fig) {
  Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  // A click on a bar or point opens the events behind it.
  el.on("plotly_click", (ev) => {
    const link = ev && ev.points && ev.points.length ? eventsLink(ev.points[0]) : null;
    if (link) {
      busy(true);
      window.location.assign(link);
    }
  });
}

document.querySelectorAll("[data-figure]").forEach((el) => {
  const src = document.getElementById(el.dataset.figure);
  if (src) drawFigure(el, JSON.parse(src.textContent));
});

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function pct(p) {
  return p === null || p === undefined ? "–" : (100 * p).toFixed(1) + "%";
}

function signed(p) {
  const v = 100 * p;
  return (v >= 0 ? "+" : "") + v.toFixed(1);
}

function showError(box, body, status) {
  const e = (body && body.error) || {};
  // A sentence for the reader; the error's kind stays in the JSON for scripts.
  box.textContent = "Please check " + (e.field ? "“" + e.field + "”" : "the input") + ": " +
    (e.message || "the request failed (status " + status + ")");
  box.hidden = false;
}

async function postJSON(url, payload) {
  const resp = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  let body = null;
  try { body = await resp.json(); } catch (err) { body = null; }
  return { ok: resp.ok, status: resp.status, body: body };
}

// ---------------------------------------------------------------- scenario page

function setupScenario() {
  const form = document.getElementById("scenario-form");
  if (!form) return;
  const catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  const levers = document.getElementById("levers");
  const select = document.getElementById("scenario-name");
  function fillLevers() {
    const sc = catalogue.find((c) => c.name === select.value);
    levers.querySelectorAll("label").forEach((l) => l.remove());
    for (const lv of (sc ? sc.levers : [])) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "lever";
      box.value = lv.name;
      box.checked = sc.actual.includes(lv.name);
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + lv.title + " (" + lv.day + ")"));
      levers.appendChild(label);
    }
  }
  select.addEventListener("change", fillLevers);
  fillLevers();
  const status = document.getElementById("run-status");
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const errBox = document.getElementById("run-error");
  const button = document.getElementById("run");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    document.getElementById("result").hidden = true;
    const payload = {
      scenario: select.value,
      paths: document.getElementById("paths").value,
      seed: document.getElementById("seed").value,
      actual: document.getElementById("actual").checked,
      levers: Array.from(levers.querySelectorAll("input:checked")).map((b) => b.value),
    };
    button.disabled = true;
    busy(true);
    status.hidden = false;
    bar.value = 0;
    text.textContent = "queued";
    const r = await postJSON("/api/scenario/runs", payload);
    if (!r.ok) {
      showError(errBox, r.body, r.status);
      status.hidden = true;
      button.disabled = false;
      busy(false);
      return;
    }
    const poll = async () => {
      const resp = await fetch(r.body.poll);
      const job = await resp.json();
      if (!resp.ok) { showError(errBox, job, resp.status); button.disabled = false; busy(false); return; }
      bar.value = job.progress;
      text.textContent = job.status + " " + Math.round(100 * job.progress) + "%";
      if (job.status === "done") {
        button.disabled = false;
        busy(false);
        showScenario(job.result);
      } else if (job.status === "failed") {
        button.disabled = false;
        busy(false);
        showError(errBox, { error: job.error }, 500);
      } else {
        setTimeout(poll, 250);
      }
    };
    poll();
  });
}

function showScenario(res) {
  document.getElementById("result-head").textContent =
    res.title + ": " + res.start + " to " + res.end + ", " + res.paths.toLocaleString("en") +
    " paths per variant, seed " + res.seed;
  const ob = document.querySelector("#outcomes tbody");
  ob.replaceChildren();
  for (const o of res.outcomes) {
    const tr = document.createElement("tr");
    tr.dataset.outcome = o.outcome;
    tr.dataset.probability = o.probability;
    cell(tr, o.title);
    cell(tr, o.by);
    cell(tr, pct(o.probability), "n probability");
    cell(tr, pct(o.mc_low) + "–" + pct(o.mc_high), "n");
    cell(tr, pct(o.param_p10) + "–" + pct(o.param_p90), "n");
    cell(tr, o.observed === null ? "" : (o.observed ? "yes" : "no"));
    ob.appendChild(tr);
  }
  const variants = [...new Set(res.comparison.map((r) => r.variant))];
  const outcomes = [...new Set(res.comparison.map((r) => r.outcome))];
  const head = document.querySelector("#comparison thead");
  head.replaceChildren();
  const hr = document.createElement("tr");
  cell(hr, "outcome");
  variants.forEach((v) => cell(hr, v));
  head.appendChild(hr);
  const body = document.querySelector("#comparison tbody");
  body.replaceChildren();
  for (const o of outcomes) {
    const tr = document.createElement("tr");
    tr.dataset.outcome = o;
    cell(tr, o);
    for (const v of variants) {
      const r = res.comparison.find((x) => x.variant === v && x.outcome === o);
      const text = v === "none" ? pct(r.probability)
        : pct(r.probability) + " (" + signed(r.difference) + " [" + signed(r.diff_low) + ", " + signed(r.diff_high) + "])";
      const td = cell(tr, text, "n");
      td.dataset.variant = v;
      td.dataset.probability = r.probability;
      if (r.excludes_zero) td.style.fontWeight = "bold";
    }
    body.appendChild(tr);
  }
  // The brief's own claim about the best lever, adjusted for how many were compared.
  const said = document.getElementById("lever-sentence");
  said.textContent = res.lever_sentence || "";
  said.hidden = !res.lever_sentence;
  const notes = document.getElementById("result-notes");
  notes.replaceChildren();
  for (const n of res.notes) {
    const li = document.createElement("li");
    li.textContent = n;
    notes.appendChild(li);
  }
  document.getElementById("result").hidden = false;
  drawFigure(document.getElementById("fig-scenario"), JSON.parse(res.figure));
}

// ---------------------------------------------------------------- coder page

function highlighted(sentence, start, end) {
  // The words that triggered the event, marked inside their sentence (text nodes only).
  const span = document.createElement("span");
  span.appendChild(document.createTextNode(sentence.slice(0, start)));
  const mark = document.createElement("mark");
  mark.textContent = sentence.slice(start, end);
  span.appendChild(mark);
  span.appendChild(document.createTextNode(sentence.slice(end)));
  return span;
}

function reviewButton(tr, action, label) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "review-" + action;
  b.textContent = label;
  b.addEventListener("click", () => setReview(tr, action));
  return b;
}

function setReview(tr, action) {
  // A row is stored only when accepted or edited; editing turns its cells into inputs.
  tr.dataset.action = action;
  tr.querySelector(".review-state").textContent = action === "edit" ? "edited" : action + "ed";
  if (action === "edit" && !tr.querySelector("input.edit-code")) {
    for (const [cls, key] of [["edit-date", "event_date"], ["edit-source", "source"],
                              ["edit-target", "target"], ["edit-code", "cameo_code"]]) {
      const td = tr.querySelector("td." + cls);
      const input = document.createElement("input");
      input.className = cls;
      input.type = cls === "edit-date" ? "date" : "text";
      input.size = cls === "edit-code" ? 5 : 9;
      input.value = tr.dataset[key] || "";
      input.setAttribute("aria-label", cls.slice(5));
      td.replaceChildren(input);
    }
  }
}

function reviewedRows() {
  const rows = [];
  for (const tr of document.querySelectorAll("#coded-events tbody tr")) {
    const action = tr.dataset.action;
    if (!action) continue;
    const row = {event_id: tr.dataset.eventId, action: action};
    if (action === "edit") {
      row.event_date = tr.querySelector("input.edit-date").value;
      row.source = tr.querySelector("input.edit-source").value;
      row.target = tr.querySelector("input.edit-target").value;
      row.code = tr.querySelector("input.edit-code").value;
    }
    rows.push(row);
  }
  return rows;
}

function codedRow(e) {
  const tr = document.createElement("tr");
  tr.dataset.code = e.cameo_code;
  tr.dataset.cameo_code = e.cameo_code;
  tr.dataset.eventId = e.event_id;
  tr.dataset.event_date = e.event_date || "";
  tr.dataset.source = e.source;
  tr.dataset.target = e.target;
  tr.dataset.action = "";
  const when = cell(tr, e.event_date || "", "edit-date");
  if (e.date_phrase) {
    // The words of the text that set the date.
    const ph = document.createElement("span");
    ph.className = "date-phrase";
    ph.textContent = " (\u201c" + e.date_phrase + "\u201d)";
    when.appendChild(ph);
  }
  cell(tr, e.source, "edit-source");
  cell(tr, e.target, "edit-target");
  cell(tr, e.cameo_code + " " + e.cameo_name, "edit-code");
  cell(tr, String(e.quad_class));
  cell(tr, e.goldstein.toFixed(1), "n");
  cell(tr, e.confidence.toFixed(2), "n");
  cell(tr, e.flags);
  const td = document.createElement("td");
  td.appendChild(highlighted(e.sentence, e.mark_start, e.mark_end));
  tr.appendChild(td);
  const review = document.createElement("td");
  review.className = "review";
  review.append(reviewButton(tr, "accept", "Accept"), reviewButton(tr, "edit", "Edit"),
                reviewButton(tr, "reject", "Reject"));
  const state = document.createElement("span");
  state.className = "review-state";
  state.textContent = "not reviewed";
  review.appendChild(state);
  tr.appendChild(review);
  return tr;
}

function setupCoder() {
  const form = document.getElementById("coder-form");
  if (!form) return;
  const errBox = document.getElementById("coder-error");
  const added = document.getElementById("added");
  const payload = () => ({
    text: document.getElementById("coder-text").value,
    date: document.getElementById("coder-date").value,
  });
  let coded = null;  // the text and date the rows were coded from: the server codes them again
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    added.textContent = "";
    const sent = payload();
    busy(true);
    const r = await postJSON("/api/code", sent);
    busy(false);
    if (!r.ok) { showError(errBox, r.body, r.status); return; }
    coded = sent;
    const body = document.querySelector("#coded-events tbody");
    body.replaceChildren(...r.body.events.map(codedRow));
    document.getElementById("coded-head").textContent = r.body.events.length + " coded event(s)";
    document.getElementById("coded").hidden = false;
  });
  document.getElementById("accept-all").addEventListener("click", () => {
    for (const tr of document.querySelectorAll("#coded-events tbody tr")) {
      if (!tr.dataset.action) setReview(tr, "accept");
    }
  });
  document.getElementById("add").addEventListener("click", async () => {
    errBox.hidden = true;
    const rows = reviewedRows();
    const kept = rows.filter((r) => r.action !== "reject").length;
    if (!coded || kept === 0) {
      added.textContent = "Accept or edit at least one row: only those are stored.";
      return;
    }
    busy(true);
    const r = await postJSON("/api/code/ingest", {...coded, rows: rows});
    busy(false);
    if (!r.ok) { showError(errBox, r.body, r.status); return; }
    added.textContent = "Stored " + r.body.stored + " event(s); " + r.body.duplicates +
      " already stored, " + r.body.rejected + " rejected by the store; " +
      (document.querySelectorAll("#coded-events tbody tr").length - kept) +
      " row(s) rejected or not reviewed were left out.";
  });
}

setupScenario();
setupCoder();
