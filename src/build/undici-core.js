// What the daemon uses of undici, for the bundle (src/build/bundle.js). undici's index also
// loads fetch, WebSocket, EventSource, the cache and mock APIs, and through its cookie brand
// check (globalThis.Headers) Node's own copy of undici: about 100 ms of a cold start, for
// nothing the daemon calls. Anything else asked of it comes from the full index.
'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
// As undici's index does: request(), stream(), ... on every dispatcher.
Object.assign(Dispatcher.prototype, require('undici/lib/api'));

const core = {
  Dispatcher,
  Agent: require('undici/lib/dispatcher/agent'),
  buildConnector: require('undici/lib/core/connect'),
  errors: require('undici/lib/core/errors'),
};
module.exports = new Proxy(core, {
  get: (target, name) => (name in target ? target[name] : require('undici')[name]),
});
