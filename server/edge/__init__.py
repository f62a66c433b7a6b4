"""The public edge: what a request or a socket meets before the schema, as middleware and the calls
it makes: CORS, body size and time, the request deadline, the gate (a key, and failed
authentications counted per client address), authentication and the rate limits, and the answer a
refused request gets."""
