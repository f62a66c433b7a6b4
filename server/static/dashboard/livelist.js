// The conversation list as the page holds it: pages read by cursor, merged with live events.
// Rows are kept once by ID, in the list's order (newest start first unless `before` says
// otherwise), so an event seen twice (a resumed socket, a page read after the event) changes
// nothing the second time.

/** The API's default order, STARTED_AT DESC. */
export function newestFirst(a, b) {
  return Date.parse(b.startedAt) - Date.parse(a.startedAt);
}

export class LiveList {
  /** `order(a, b)` < 0 when row a comes before row b, as Array.sort takes it. */
  constructor(order = newestFirst) {
    this.order = order;
    this.rows = []; // nodes, in list order
    this.byId = new Map();
    this.endCursor = null;
    this.hasNextPage = false;
  }

  /** Rows of a page read after `endCursor` go at the end (those already there are updated). */
  addPage(connection) {
    for (const { node } of connection.edges) {
      if (this.byId.has(node.id)) this.byId.set(node.id, node);
      else {
        this.rows.push(node);
        this.byId.set(node.id, node);
      }
    }
    this.rows = this.rows.map((row) => this.byId.get(row.id));
    this.endCursor = connection.pageInfo.endCursor || this.endCursor;
    this.hasNextPage = connection.pageInfo.hasNextPage;
  }

  /**
   * One live event: {kind, conversationId, conversation} (LEFT: no longer in the filter). Returns what changed for the view:
   * {inserted: node, before: id|null} | {updated: node} | {removed: id} | null.
   * `keeps(node)` says whether the node still belongs in the list (its status may have left it).
   */
  apply(event, keeps) {
    const node = event.conversation;
    const id = event.conversationId;
    if (event.kind === "LEFT") return this.remove(id); // a change took it out of the filter
    if (this.byId.has(id)) {
      if (!keeps(node)) return this.remove(id);
      const at = this.rows.findIndex((row) => row.id === id);
      const before = this.rows[at - 1];
      const after = this.rows[at + 1];
      const inPlace = (!before || this.order(before, node) <= 0) && (!after || this.order(node, after) <= 0);
      if (!inPlace) {
        // Its sort key changed (a cost, a count, an activity): it moves to its new place.
        this.remove(id);
        const moved = this.apply({ kind: "UPDATED", conversationId: id, conversation: node }, keeps);
        return { removed: id, ...(moved || {}) };
      }
      this.byId.set(id, node);
      this.rows = this.rows.map((row) => (row.id === id ? node : row));
      return { updated: node };
    }
    if (!keeps(node)) return null;
    const index = this.rows.findIndex((row) => this.order(node, row) < 0);
    if (index === -1 && this.hasNextPage) return null; // older than the page end: paging finds it
    const at = index === -1 ? this.rows.length : index;
    this.rows.splice(at, 0, node);
    this.byId.set(id, node);
    return { inserted: node, before: at + 1 < this.rows.length ? this.rows[at + 1].id : null };
  }

  remove(id) {
    if (!this.byId.delete(id)) return null;
    this.rows = this.rows.filter((row) => row.id !== id);
    return { removed: id };
  }
}
