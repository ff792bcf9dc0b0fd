// cxtext web interface: sign-in (key in sessionStorage only), HTML fragments and JSON from the API.
"use strict";
(() => {
  const KEY = "cxtext.key";
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const messages = JSON.parse($("#messages").textContent);
  const lang = document.body.dataset.lang;

  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }

  async function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}`, ...(options.headers || {}) };
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) { signOut(); throw new ApiError(401, "unauthorized"); }
    if (!response.ok) {
      let detail = `${response.status}`;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not a problem document */ }
      throw new ApiError(response.status, detail);
    }
    return response;
  }

  async function loadFragment(container, query = "") {
    const response = await api(container.dataset.fragment + (query ? `?${query}` : ""));
    container.innerHTML = await response.text();
    return container;
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    $("#page").hidden = true;
    $("#sign-out").hidden = true;
    $("#sign-in").hidden = false;
    $("#api-key").focus();
  }

  async function signIn(event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("#api-key").value.trim());
    try {
      await api("/v1/models");
      $("#sign-in-error").textContent = "";
      start();
    } catch (error) {
      $("#sign-in-error").textContent = error.status === 403 ? error.message : messages.error + ": " + error.message;
      sessionStorage.removeItem(KEY);
    }
  }

  // -- dashboard ----------------------------------------------------------------------------------------
  // The address keeps the interface language as "lang" and the feedback-language filter as "in"; the API
  // calls the filter "lang".
  function apiQuery(extra = {}) {
    const params = new URLSearchParams(location.search);
    params.delete("lang");
    if (params.has("in")) { params.set("lang", params.get("in")); params.delete("in"); }
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    return params.toString();
  }

  // The themes (GET /v1/themes for the same filters), in place of the button that asked for them.
  async function themes() {
    const container = $("#themes");
    container.innerHTML = `<p class="muted">${messages.loading}</p>`;
    try {
      await loadFragment(container, apiQuery());
    } catch (error) {
      const message = document.createElement("p");
      message.className = "error";
      message.textContent = `${messages.error}: ${error.message}`;
      container.replaceChildren(message);
    }
  }

  // Themes cost about a minute of CPU per 100,000 comments, so they are found when asked for, never on
  // every dashboard load or filter change (that slowed the drivers' page from 0.3 s to 2-5 s).
  const themesIdle = $("#themes") ? $("#themes").innerHTML : "";
  function offerThemes() {
    const container = $("#themes");
    container.innerHTML = themesIdle;
    $("#themes-load", container).addEventListener("click", themes);
  }

  async function dashboard() {
    const container = $("#dashboard");
    offerThemes();
    await loadFragment(container, apiQuery());
    $("#filters", container).addEventListener("submit", (event) => {
      event.preventDefault();
      const address = new URLSearchParams();
      for (const [name, value] of new FormData(event.target)) if (value) address.append(name === "lang" ? "in" : name, value);
      address.set("lang", lang);
      history.replaceState(null, "", `?${address}`);
      container.innerHTML = `<p class="muted">${messages.loading}</p>`;
      dashboard();
    });
  }

  // -- models -------------------------------------------------------------------------------------------
  async function models() {
    const container = $("#models");
    await loadFragment(container);
    $$(".activate", container).forEach((button) => button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api(`/v1/models/${encodeURIComponent(button.dataset.version)}/activate`, { method: "POST" });
        await models();
      } catch (error) { $("#train-status").textContent = `${messages.error}: ${error.message}`; button.disabled = false; }
    }));
  }

  async function train(event) {
    event.preventDefault();
    const form = event.target;
    const data = new FormData();
    const source = new FormData(form).get("source");
    data.set("source", source);
    if (form.base.value) data.set("base", form.base.value);
    if (source === "upload") for (const file of form.files.files) data.append("files", file);
    const status = $("#train-status");
    status.textContent = messages.training;
    $("#train-button").disabled = true;
    try {
      const job = await (await api("/v1/models/train", { method: "POST", body: data })).json();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const state = await (await api(job.status_url)).json();
        const message = state.progress && state.progress.message;
        status.textContent = `${state.status}${message ? ` — ${message}` : ""}`;
        if (state.status === "succeeded" || state.status === "failed") {
          if (state.error) status.textContent = `${messages.error}: ${state.error}`;
          status.dataset.done = state.status;
          break;
        }
      }
      await models();
    } catch (error) {
      status.textContent = `${messages.error}: ${error.message}`;
    } finally {
      $("#train-button").disabled = false;
    }
  }

  // -- review -------------------------------------------------------------------------------------------
  const review = { queue: [], skipped: new Set(), current: null, labelled: 0, form: null, keys: [] };

  async function reviewPage() {
    await loadFragment($("#review"));
    review.form = $("#review-form");
    review.keys = JSON.parse($("#driver-keys").textContent);
    review.form.addEventListener("submit", (event) => { event.preventDefault(); save(); });
    $("#skip").addEventListener("click", skip);
    $$('input[name="drivers"]', review.form).forEach((box) => box.addEventListener("change", syncDriver));
    document.addEventListener("keydown", shortcut);
    await next();
  }

  async function next() {
    review.queue = review.queue.filter((item) => !review.skipped.has(item.id));
    if (!review.queue.length) {
      const page = await (await api(`/v1/feedback/review?${apiQuery({ limit: String(20 + review.skipped.size) })}`)).json();
      review.queue = page.items.filter((item) => !review.skipped.has(item.id));
      $("#remaining-count").textContent = String(page.remaining);
    }
    review.current = review.queue.shift() || null;
    review.form.hidden = !review.current;
    $("#queue-empty").hidden = Boolean(review.current);
    if (review.current) show(review.current);
  }

  function show(item) {
    const p = item.prediction || {};
    $("#item-id").textContent = item.id;
    $("#item-lang").textContent = item.lang || "";
    $("#item-segment").textContent = Object.entries(item.segment || item.segments || {}).map(([k, v]) => `${k}:${v}`).join(" ");
    $("#item-uncertainty").textContent = item.uncertainty == null ? "–" : Number(item.uncertainty).toFixed(2);
    markEvidence($("#item-text"), item.text, p);
    setRadio("sentiment", p.sentiment && p.sentiment.label);
    const predicted = new Map((p.drivers || []).map((d) => [d.name, d]));
    $$(".driver", review.form).forEach((row) => {
      const found = predicted.get(row.dataset.driver);
      $('input[name="drivers"]', row).checked = Boolean(found);
      $("select", row).value = (found && found.sentiment && found.sentiment.label) || (p.sentiment && p.sentiment.label) || "neutral";
      syncDriver({ target: $('input[name="drivers"]', row) });
    });
    setRadio("nps_category", p.nps && p.nps.category);
    const churn = p.churn && p.churn.probability != null ? String(p.churn.probability >= 0.5) : "";
    setRadio("churn", churn);
    $("#review-error").textContent = "";
    $("#accept").focus();
  }

  function markEvidence(element, text, prediction) {
    const spans = [];
    const add = (evidence) => (evidence || []).forEach((e) => spans.push([e.start, e.end]));
    add(prediction.sentiment && prediction.sentiment.evidence);
    (prediction.drivers || []).forEach((d) => { add(d.evidence); add(d.sentiment && d.sentiment.evidence); });
    spans.sort((a, b) => a[0] - b[0]);
    element.textContent = "";
    let at = 0;
    for (const [start, end] of spans) {
      if (start < at || end > text.length) continue;
      element.append(text.slice(at, start));
      const mark = document.createElement("mark");
      mark.className = "evidence";
      mark.textContent = text.slice(start, end);
      element.append(mark);
      at = end;
    }
    element.append(text.slice(at));
  }

  function setRadio(name, value) {
    $$(`input[name="${name}"]`, review.form).forEach((input) => { input.checked = input.value === (value || ""); });
  }

  // A driver switched on by the analyst starts with the polarity of the whole comment as labelled now.
  function syncDriver(event) {
    const row = event.target.closest(".driver");
    const select = $("select", row);
    if (event.type === "change" && event.target.checked) {
      const sentiment = new FormData(review.form).get("sentiment");
      if (sentiment) select.value = sentiment;
    }
    select.disabled = !event.target.checked;
  }

  function labels() {
    const data = new FormData(review.form);
    const drivers = data.getAll("drivers");
    const driverSentiment = {};
    for (const name of drivers) driverSentiment[name] = $(`select[data-driver="${name}"]`, review.form).value;
    const churn = data.get("churn");
    return {
      sentiment: data.get("sentiment") || null,
      drivers,
      driver_sentiment: driverSentiment,
      nps_category: data.get("nps_category") || null,
      churn: churn === "" || churn == null ? null : churn === "true",
    };
  }

  async function save() {
    if (!review.current) return;
    const item = review.current;
    try {
      const response = await api(`/v1/feedback/${encodeURIComponent(item.id)}/labels`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(labels()),
      });
      const remaining = $("#remaining-count");
      if (/^\d+$/.test(remaining.textContent)) remaining.textContent = String(Math.max(0, Number(remaining.textContent) - 1));
      await response.text();
      await next();
      review.labelled += 1;  // counted once the next comment is on screen
      $("#labelled-count").textContent = String(review.labelled);
    } catch (error) {
      $("#review-error").textContent = `${messages.error}: ${error.message}`;
    }
  }

  async function skip() {
    if (!review.current) return;
    review.skipped.add(review.current.id);
    await next();
  }

  function shortcut(event) {
    if (!review.current || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("select, input[type=text], input[type=password], textarea")) return;
    const key = event.key.toLowerCase();
    const sentiments = { 1: "negative", 2: "neutral", 3: "positive", 4: "mixed" };
    const nps = { 7: "detractor", 8: "passive", 9: "promoter" };
    let handled = true;
    if (key === "enter") save();
    else if (key === "s") skip();
    else if (sentiments[key]) setRadio("sentiment", sentiments[key]);
    else if (nps[key]) setRadio("nps_category", nps[key]);
    else if (key === "c") {
      const order = ["", "true", "false"];
      const now = new FormData(review.form).get("churn") || "";
      setRadio("churn", order[(order.indexOf(now) + 1) % order.length]);
    } else if (review.keys.includes(key)) {
      const box = $$('input[name="drivers"]', review.form)[review.keys.indexOf(key)];
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change")); } else handled = false;
    } else handled = false;
    if (handled) event.preventDefault();
  }

  // -- start --------------------------------------------------------------------------------------------
  const pages = { dashboard, models, review: reviewPage };

  function start() {
    $("#sign-in").hidden = true;
    $("#page").hidden = false;
    $("#sign-out").hidden = false;
    pages[document.body.dataset.page]().catch((error) => {
      if (error.status !== 401) $("#page").insertAdjacentHTML("afterbegin", `<p class="error" role="alert"></p>`);
      const alert = $("#page .error");
      if (alert) alert.textContent = `${messages.error}: ${error.message}`;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#sign-in").addEventListener("submit", signIn);
    $("#sign-out").addEventListener("click", signOut);
    const trainForm = $("#train-form");
    if (trainForm) trainForm.addEventListener("submit", train);
    if (sessionStorage.getItem(KEY)) start(); else signOut();
  });
})();
