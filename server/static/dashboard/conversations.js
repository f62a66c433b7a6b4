// The Conversations page: the filter form (kept in the URL), its faceted counts and the list,
// all live. The list is read page by page by cursor and kept current by `conversationEvents`,
// resumed after a lost socket from the last event's cursor, so nothing is missed or shown twice.

import { h, fill } from "./dom.js";
import { problemText, watch } from "./api.js";
import { EVENTS, FACETS, LIST, OPTIONS } from "./queries.js";
import { followList } from "./following.js";
import { SORTS, comparer, readSort, readState, toFilter, toOrder, writeSort, writeState } from "./filters.js";
import { LiveList } from "./livelist.js";
import { filterForm } from "./filterform.js";
import { conversationRow, listTable } from "./rows.js";
import { exportButtons } from "./export.js";
import { count } from "./format.js";

const PAGE = 25;

export function mount(main, { client, params, replace }) {
  let state = readState(params);
  let sort = readSort(params);
  const title = h("h1", { id: "conversations-title" }, "Conversations");
  const total = h("p", { class: "total", id: "total" }, "…");
  const note = h("p", { class: "visually-hidden", role: "status", id: "live-note" });
  const problem = h("p", { class: "problem", role: "alert", id: "problem", hidden: true });
  const { table, body, caption } = listTable(SORTS[sort].text);
  const empty = h("p", { class: "empty", id: "empty", hidden: true }, "No conversations match.");
  const more = h("button", { type: "button", id: "more", hidden: true }, "Load more");
  const section = h("section", { "aria-labelledby": "conversations-title", class: "conversations" });
  const view = { section, total, note, problem, body, empty, more };
  const form = filterForm(state, (next) => {
    // A changed filter is a new list: the URL first, so a reload shows it too.
    state = next;
    replace(`${location.pathname}?${writeState(new URLSearchParams(location.search), next)}`);
    current();
    current = live(client, state, sort, view, form);
  });
  const order = h(
    "select",
    { id: "sort", name: "sort" },
    Object.entries(SORTS).map(([key, { text }]) => h("option", { value: key, selected: key === sort }, text)),
  );
  order.addEventListener("change", () => {
    sort = order.value in SORTS ? order.value : "";
    caption.textContent = `Conversations, ${SORTS[sort].text.toLowerCase()}`;
    replace(`${location.pathname}?${writeSort(new URLSearchParams(location.search), sort)}`);
    current();
    current = live(client, state, sort, view, form);
  });
  fill(
    section,
    h("div", { class: "heading" }, title, total),
    form.element,
    h(
      "div",
      { class: "list-tools" },
      h("div", { class: "field sort" }, h("label", { for: "sort" }, "Sort by"), order),
      exportButtons(() => toFilter(state)),
    ),
    problem,
    note,
    h("div", { class: "table-wrap" }, table),
    empty,
    more,
  );
  main.append(section);
  let current = live(client, state, sort, view, form);
  let gone = false;
  client
    .request(OPTIONS, {})
    .then((options) => !gone && form.showOptions(options))
    .catch((error) => showProblem(view, error));
  return () => {
    gone = true;
    current();
  };
}

function showProblem(view, error) {
  view.problem.hidden = false;
  view.problem.textContent = problemText(error);
}

/** One filter's live list, counts and paging in `view`; returns the function that stops it. */
function live(client, state, sort, view, form) {
  const filter = toFilter(state);
  const orderBy = toOrder(sort);
  const { section, total, note, body, empty, more } = view;
  const stops = [];
  let gone = false;
  const list = new LiveList(comparer(sort));
  let loaded = false;
  let shownTotal = null;
  const keeps = (node) => !state.statuses.length || state.statuses.includes(node.status);
  const problem = (error) => !gone && showProblem(view, error);

  body.replaceChildren();
  view.problem.hidden = true;
  delete section.dataset.ready;
  total.textContent = "…";
  empty.hidden = more.hidden = true;

  function showTotal() {
    if (shownTotal === null) return;
    const rows = list.rows.length;
    total.textContent =
      `${count(shownTotal)} conversation${shownTotal === 1 ? "" : "s"}` +
      (rows < shownTotal && loaded ? ` · showing ${count(rows)}` : "");
    empty.hidden = rows > 0 || !loaded;
    more.hidden = !list.hasNextPage;
  }

  /** Applies one change to the table, keeping what the reader looks at where it is. */
  function show(change) {
    if (!change) return;
    const anchor = scrollAnchor(body);
    const find = (id) => body.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
    if (change.removed) find(change.removed)?.remove();
    if (change.updated) find(change.updated.id)?.replaceWith(conversationRow(change.updated));
    if (change.inserted) {
      const moved = Boolean(change.removed); // an update that changed its place in the order
      const row = conversationRow(change.inserted, { fresh: !moved });
      const before = change.before && find(change.before);
      if (before) before.before(row);
      else body.append(row);
      if (!moved) note.textContent = "A new conversation arrived.";
    }
    anchor?.restore();
    showTotal();
  }

  async function readPage(after) {
    const data = await client.request(LIST, { filter, orderBy, after, first: PAGE });
    return data.conversations;
  }

  async function loadFirst() {
    try {
      const connection = await readPage(null);
      if (gone) return;
      list.addPage(connection);
      body.append(...list.rows.map((node) => conversationRow(node)));
      if (shownTotal === null) shownTotal = connection.totalCount;
      loaded = true;
      // The page reflects every event up to its cursor: the list follows from there.
      stops.push(
        followList(client, EVENTS, filter, connection.eventCursor, {
          onEvent: (event) => show(list.apply(event, keeps)),
          onErased: (erased) => show(list.remove(erased.conversationId)),
          error: problem,
        }),
      );
      showTotal();
      section.dataset.ready = "true";
    } catch (error) {
      problem(error);
    }
  }

  async function loadMore() {
    more.disabled = true;
    try {
      const connection = await readPage(list.endCursor);
      if (gone) return;
      const known = new Set(list.rows.map((row) => row.id));
      list.addPage(connection);
      body.append(...list.rows.filter((row) => !known.has(row.id)).map((node) => conversationRow(node)));
      showTotal();
    } catch (error) {
      problem(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", loadMore);
  stops.push(() => more.removeEventListener("click", loadMore));

  stops.push(
    watch(client, FACETS, { filter }, "conversationCounts", {
      next(facets) {
        shownTotal = facets.total;
        form.showFacets(facets);
        showTotal();
      },
      error: problem,
    }),
  );
  loadFirst();

  return () => {
    gone = true;
    for (const stop of stops.splice(0)) stop();
  };
}

/** The first row in view and its position, to put it back after rows were added above it. */
function scrollAnchor(body) {
  if (window.scrollY <= 0) return null; // at the top, new rows simply show
  for (const row of body.rows) {
    const top = row.getBoundingClientRect().top;
    if (top >= 0) {
      return { restore: () => window.scrollBy(0, row.isConnected ? row.getBoundingClientRect().top - top : 0) };
    }
  }
  return null;
}
