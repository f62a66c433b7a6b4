// The Usage page: cost and conversations over time from `usageSummary` as a chart, with the same
// numbers as a table, and per assistant and per model. TEST conversations are left out (as the API
// does) unless the reader asks for them.

import { h, fill } from "./dom.js";
import { problemText } from "./api.js";
import { USAGE } from "./queries.js";
import { TIME_ZONE, count, day } from "./format.js";
import { costText, sum, usd } from "./money.js";
import { usageChart } from "./chart.js";
import { isoDay, localMidnight, validDay } from "./days.js";

const GROUPINGS = { HOUR: "Hour", DAY: "Day", WEEK: "Week", MONTH: "Month" };
const DEFAULT_DAYS = 30;

/** The page's settings from the URL: grouping, range (local days) and whether TEST is in. */
export function readUsageState(params) {
  const today = new Date();
  const before = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1));
  const groupBy = GROUPINGS[params.get("group")] ? params.get("group") : "DAY";
  return {
    groupBy,
    from: validDay(params.get("from")) || isoDay(before),
    to: validDay(params.get("to")) || isoDay(today),
    test: params.get("test") === "1",
  };
}

export function usageFilter(state) {
  const filter = {
    startedAfter: localMidnight(state.from, 0),
    startedBefore: localMidnight(state.to, 1),
  };
  if (state.test) filter.types = ["WEB_WIDGET", "TEST"]; // naming TEST is how it is asked for
  return filter;
}

export function mount(main, { client, params, replace }) {
  let state = readUsageState(params);
  let gone = false;
  const problem = h("p", { class: "problem", role: "alert", id: "problem", hidden: true });
  const group = h(
    "select",
    { id: "group", name: "group" },
    Object.entries(GROUPINGS).map(([value, text]) => h("option", { value, selected: value === state.groupBy }, text)),
  );
  const from = h("input", { type: "date", id: "usage-from", name: "from", value: state.from, required: true });
  const to = h("input", { type: "date", id: "usage-to", name: "to", value: state.to, required: true });
  const test = h("input", { type: "checkbox", id: "include-test", name: "test", checked: state.test });
  const form = h(
    "form",
    { class: "filters usage-controls", "aria-label": "Usage settings" },
    h("div", { class: "field" }, h("label", { for: "group" }, "Per"), group),
    h("div", { class: "field" }, h("label", { for: "usage-from" }, "From"), from),
    h("div", { class: "field" }, h("label", { for: "usage-to" }, "To"), to),
    h("div", { class: "choice" }, test, h("label", { for: "include-test" }, "Include Test Chat conversations")),
  );
  const totals = h("p", { class: "total", id: "usage-totals", "aria-live": "polite" }, "…");
  const chart = h("figure", { class: "chart-box", id: "chart" });
  const tables = h("div", { class: "usage-tables" });
  const section = h(
    "section",
    { "aria-labelledby": "usage-title", class: "usage" },
    h("div", { class: "heading" }, h("h1", { id: "usage-title" }, "Usage and cost"), totals),
    form,
    problem,
    chart,
    tables,
  );
  main.append(section);

  async function load() {
    delete section.dataset.ready;
    problem.hidden = true;
    try {
      const data = await client.request(USAGE, {
        filter: usageFilter(state),
        groupBy: state.groupBy,
        timeZone: TIME_ZONE,
      });
      if (gone) return;
      show(data);
      section.dataset.ready = "true";
    } catch (error) {
      if (gone) return;
      problem.hidden = false;
      problem.textContent = problemText(error);
    }
  }

  function show({ overTime, byAssistant, byModel }) {
    const buckets = overTime.buckets;
    const cost = sum(buckets.map((bucket) => bucket.cost));
    const known = buckets.every((bucket) => bucket.costKnown);
    const conversations = buckets.reduce((total, bucket) => total + bucket.conversations, 0);
    totals.textContent = `${costText({ cost, costKnown: known })} over ${count(conversations)} conversations${state.test ? "" : " (Test Chat left out)"}`;
    const title = `Cost (bars) and conversations (line) per ${GROUPINGS[state.groupBy].toLowerCase()}, ${state.from} to ${state.to}`;
    fill(
      chart,
      usageChart(buckets, title),
      h("figcaption", {}, h("span", { class: "key key-bar" }), " cost  ", h("span", { class: "key key-line" }), " conversations"),
      h(
        "details",
        {},
        h("summary", {}, "The numbers as a table"),
        bucketTable("usage-table", GROUPINGS[state.groupBy], buckets, (bucket) => day(bucket.start) + (state.groupBy === "HOUR" ? ` ${new Date(bucket.start).getHours()}:00` : "")),
      ),
    );
    fill(
      tables,
      h("section", { "aria-labelledby": "per-assistant" }, h("h2", { id: "per-assistant" }, "Per assistant"),
        bucketTable("assistant-table", "Assistant", byAssistant.buckets, (bucket) => bucket.assistant?.name ?? bucket.assistantId)),
      h("section", { "aria-labelledby": "per-model" }, h("h2", { id: "per-model" }, "Per model"),
        bucketTable("model-table", "Model", byModel.buckets, (bucket) => `${bucket.provider} ${bucket.model}`)),
    );
  }

  form.addEventListener("change", () => {
    if (!from.value || !to.value) return;
    state = { groupBy: group.value, from: from.value, to: to.value, test: test.checked };
    const next = new URLSearchParams({ page: "usage", group: state.groupBy, from: state.from, to: state.to });
    if (state.test) next.set("test", "1");
    replace(`${location.pathname}?${next}`);
    load();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  load();
  return () => {
    gone = true;
  };
}

function bucketTable(id, keyName, buckets, keyOf) {
  return h(
    "table",
    { class: "small", id },
    h(
      "thead",
      {},
      h("tr", {}, [keyName, "Conversations", "Messages", "Tokens in", "Tokens out", "Cost", "Per conversation"].map((name) => h("th", { scope: "col" }, name))),
    ),
    h(
      "tbody",
      {},
      buckets.map((bucket) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, keyOf(bucket)),
          h("td", {}, count(bucket.conversations)),
          h("td", {}, count(bucket.messages)),
          h("td", {}, count(bucket.inputTokens)),
          h("td", {}, count(bucket.outputTokens)),
          h("td", { class: "cost" }, costText(bucket)),
          h("td", { class: "cost" }, bucket.averageCost === null ? "—" : usd(bucket.averageCost)),
        ),
      ),
    ),
  );
}

