// Parley's GraphQL client for browsers: HTTP requests and graphql-transport-ws subscriptions over
// one shared socket, with every wait bounded. The web widget and the dashboard both use it; so may
// an integrator's own page (it is served at /static/lib/graphql.js, with CORS).
//
// const client = new Client({ url: "https://parley.example", token: "pk_… / st_… / sk_…" });
// await client.request(query, variables);                        // data, or throws GraphQLError
// const stop = client.subscribe(query, () => ({ after: last }),  // variables: an object, or a
//   { next(data) {}, error(e) {}, complete() {} });              // function called at each
//                                                                // (re)subscribe, for resuming
// A socket quiet for 20 s is pinged, and one without a pong 5 s later is taken for dead.
// A dropped socket is opened again with capped, jittered backoff and every running subscription
// is sent again with its variables of that moment, so a caller that passes its last cursor
// resumes without gaps or repeats.

const REQUEST_MS = 15000;
const ACK_MS = 10000;
const FIRST_RETRY_MS = 300;
const MAX_RETRY_MS = 10000;
const QUIET_MS = 20000; // a socket quiet this long is pinged...
const PONG_MS = 5000; // ...and taken for dead (then reopened) without an answer this soon

export class GraphQLError extends Error {
  constructor(errors) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((error) => (error && error.message) || "GraphQL error").join("; "));
    this.name = "GraphQLError";
    this.errors = list;
    this.codes = list.map((error) => (error && error.extensions && error.extensions.code) || null);
  }
}

export class Client {
  constructor({ url, token }) {
    this.url = (url || "").replace(/\/$/, "");
    this.token = token;
    this.running = new Map();
    this.nextId = 1;
    this.socket = null;
    this.acked = false;
    this.retries = 0;
    this.retryTimer = null;
    this.closed = false;
    this.listeners = new Set();
    this.status = "closed";
  }

  /** POST /graphql: the data, or a GraphQLError with the answer's errors. */
  async request(query, variables = {}) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_MS);
    let response;
    try {
      response = await fetch(`${this.url}/graphql`, {
        method: "POST",
        signal: abort.signal,
        headers: {
          authorization: `Bearer ${this.token}`,
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (problem) {
      throw new Error(abort.signal.aborted ? "Parley did not answer in time." : "Parley is unreachable.");
    } finally {
      clearTimeout(timer);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new Error(`Parley answered ${response.status} without GraphQL.`);
    }
    if (body.errors && body.errors.length) throw new GraphQLError(body.errors);
    return body.data;
  }

  /** Runs a subscription until the returned function is called; see the file's header. */
  subscribe(query, variables, sink) {
    const id = String(this.nextId++);
    const operation = { query, variables, sink };
    this.running.set(id, operation);
    if (this.socket && this.acked) this._start(id, operation);
    else this._open();
    return () => {
      if (!this.running.delete(id)) return;
      if (this.socket && this.acked) this._send({ id, type: "complete" });
    };
  }

  /** Calls `callback` with "connecting", "open" or "closed" as the socket changes. */
  onStatus(callback) {
    this.listeners.add(callback);
    callback(this.status);
    return () => this.listeners.delete(callback);
  }

  /** Drops the socket as a network failure would (the client reconnects and resumes). */
  drop() {
    if (this.socket) this.socket.close(4000, "dropped by the page");
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.running.clear();
    if (this.socket) this.socket.close(1000);
  }

  _setStatus(status) {
    this.status = status;
    for (const listener of [...this.listeners]) listener(status);
  }

  _send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  _start(id, operation) {
    const variables =
      typeof operation.variables === "function" ? operation.variables() : operation.variables;
    this._send({ id, type: "subscribe", payload: { query: operation.query, variables } });
  }

  _open() {
    if (this.socket || this.closed || this.retryTimer) return;
    const base = this.url || location.origin;
    const socket = new WebSocket(`${base.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    this.socket = socket;
    this.acked = false;
    this._setStatus("connecting");
    const ackTimer = setTimeout(() => socket.close(4408, "no acknowledgement"), ACK_MS);
    socket.addEventListener("open", () => {
      socket.send(
        JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${this.token}` } }),
      );
    });
    let quiet = null;
    const heard = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        this._send({ type: "ping" });
        quiet = setTimeout(() => {
          ended(4504); // at once: a dead network may hold the closing handshake back
          socket.close(4504, "no pong");
        }, PONG_MS);
      }, QUIET_MS);
    };
    socket.addEventListener("message", (event) => {
      heard();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        socket.close(4400, "not JSON");
        return;
      }
      this._receive(message, ackTimer);
    });
    const ended = (code) => {
      clearTimeout(ackTimer);
      clearTimeout(quiet);
      if (this.socket !== socket) return;
      this.socket = null;
      this.acked = false;
      this._setStatus("closed");
      // A refused token (4403) will be refused again: tell the subscribers instead of retrying.
      if (code === 4403) {
        const failure = new GraphQLError([{ message: "Not authorized.", extensions: { code: "FORBIDDEN" } }]);
        for (const operation of this.running.values()) operation.sink.error && operation.sink.error(failure);
        this.running.clear();
        return;
      }
      if (!this.closed && this.running.size) this._retry();
    };
    socket.addEventListener("close", (event) => ended(event.code));
  }

  _retry() {
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries);
    this.retries += 1;
    const wait = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this._open();
    }, wait);
  }

  _receive(message, ackTimer) {
    const operation = message.id ? this.running.get(message.id) : null;
    switch (message.type) {
      case "connection_ack":
        clearTimeout(ackTimer);
        this.acked = true;
        this.retries = 0;
        this._setStatus("open");
        for (const [id, running] of this.running) this._start(id, running);
        break;
      case "ping":
        this._send({ type: "pong" });
        break;
      case "next":
        if (!operation) break;
        if (message.payload.errors && message.payload.errors.length) {
          operation.sink.error && operation.sink.error(new GraphQLError(message.payload.errors));
        } else {
          operation.sink.next && operation.sink.next(message.payload.data);
        }
        break;
      case "error":
        if (!operation) break;
        this.running.delete(message.id);
        operation.sink.error && operation.sink.error(new GraphQLError(message.payload));
        break;
      case "complete":
        if (!operation) break;
        this.running.delete(message.id);
        operation.sink.complete && operation.sink.complete();
        break;
      default:
        break;
    }
  }
}
