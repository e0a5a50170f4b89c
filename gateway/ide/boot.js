// Starts GraphiQL against the endpoint this page is served from: queries and mutations over
// HTTP, subscriptions over graphql-ws on the same URL. The token typed in the Headers editor
// goes with every HTTP request and, for subscriptions, into connection_init.
(function () {
  'use strict';
  var httpUrl = location.origin + location.pathname;
  var wsUrl = httpUrl.replace(/^http/, 'ws');

  function headerValue(headers, name) {
    for (var key in headers || {}) if (key.toLowerCase() === name) return String(headers[key]);
    return '';
  }

  // A graphql-ws connection authenticates once, when it opens, so there is one per token.
  var fetchers = new Map();
  function fetcherFor(authorization) {
    var fetcher = fetchers.get(authorization);
    if (!fetcher) {
      var wsClient = graphqlWs.createClient({
        url: wsUrl,
        lazy: true,
        retryAttempts: 3,
        connectionParams: authorization ? { authorization: authorization } : {},
      });
      fetcher = GraphiQL.createFetcher({ url: httpUrl, wsClient: wsClient });
      fetchers.set(authorization, fetcher);
    }
    return fetcher;
  }

  function fetcher(params, opts) {
    return fetcherFor(headerValue(opts && opts.headers, 'authorization'))(params, opts);
  }

  var defaultQuery = [
    '# Hiregraph. Put a token in Headers below: { "authorization": "Bearer <token>" }',
    '# (`npm start` prints one; `npm run token` makes more). Subscriptions work here too.',
    '',
    'query FirstLook {',
    '  tenant { name plan }',
    '  jobs(first: 5) {',
    '    edges { node { id title status } }',
    '  }',
    '}',
    '',
  ].join('\n');

  ReactDOM.createRoot(document.getElementById('ide')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "authorization": ""\n}',
      shouldPersistHeaders: true,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
