// GraphiQL's page script (server/graphiql.py serves it): reads the starting query and headers from
// the page's JSON data block, keeps edits of the query and variables in the URL (never the
// headers: they hold a key), and talks to this page's own /graphql over HTTP and websockets
// (subscriptions authenticate with the Headers tab's Authorization).
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  const endpoint = window.location.href.split("?")[0].split("#")[0];
  const parameters = Object.fromEntries(new URLSearchParams(window.location.search));

  function remember(changed) {
    Object.assign(parameters, changed);
    const kept = Object.entries(parameters).filter(([, value]) => Boolean(value));
    history.replaceState(null, "", "?" + new URLSearchParams(kept).toString());
  }

  const socket = new URL(endpoint);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";

  // Parley reads a socket's key from connection_init, not from HTTP headers: one fetcher per key
  // in the Headers tab, whose sockets send it as {authorization}.
  const fetchers = new Map();
  function fetcher(params, options) {
    let headers = (options && options.headers) || {};
    if (typeof headers === "string") {
      try {
        headers = JSON.parse(headers);
      } catch {
        headers = {};
      }
    }
    const authorization = headers.Authorization || headers.authorization || "";
    if (!fetchers.has(authorization)) {
      fetchers.set(
        authorization,
        GraphiQL.createFetcher({
          url: endpoint,
          subscriptionUrl: socket.toString(),
          wsConnectionParams: authorization ? { authorization } : undefined,
        }),
      );
    }
    return fetchers.get(authorization)(params, options);
  }

  function ParleyGraphiQL() {
    const [query, setQuery] = React.useState(parameters.q || config.query);
    const [variables, setVariables] = React.useState(parameters.variables);
    const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
    return React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      query,
      variables,
      defaultHeaders: config.headers,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
      onEditQuery(text) {
        setQuery(text);
        remember({ q: text });
      },
      onEditVariables(text) {
        setVariables(text);
        remember({ variables: text });
      },
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(ParleyGraphiQL),
  );
})();
