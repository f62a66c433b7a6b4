// Parley's embeddable widget: <script src="https://parley.example/widget.js" data-key="pk_…" async>.
// Optional: data-open="true" opens it at once; data-reply-notice-seconds="20" is how long a visitor
// waits for a reply to begin before the widget says none has yet.
// This loader is a classic script, so it can read its own <script> tag; it imports the widget's
// modules from the origin it was loaded from (they are served with CORS) and mounts one widget.
(function () {
  "use strict";
  // currentScript is null where a page's own loader injected us late; the tag is then found by its src.
  const script = document.currentScript
    || [...document.querySelectorAll("script[src]")].find((tag) => new URL(tag.src, location.href).pathname.endsWith("/widget.js"));
  if (!script || !script.src) return;
  const base = new URL(script.src).origin;
  const options = {
    base,
    key: script.dataset.key || "",
    open: script.dataset.open === "true",
    replyNoticeSeconds: script.dataset.replyNoticeSeconds,
  };
  import(`${base}/widget/app.js`)
    .then((module) => module.mount(options))
    .catch((error) => console.error("Parley widget failed to load:", error));
})();
