// Export of the current filter through GET /export. The endpoint takes the key in the
// Authorization header only (a link cannot carry it), so the file is fetched and handed to the
// browser as a Blob; a JSONL file is checked for its closing `end` line, which a cut stream lacks.

import { h } from "./dom.js";
import { count } from "./format.js";
import { savedKey } from "./api.js";

const EXTENSIONS = { csv: "csv", jsonl: "jsonl" };

/** The export buttons for the filter `currentFilter()` returns when clicked. */
export function exportButtons(currentFilter) {
  const status = h("span", { class: "export-status", role: "status", id: "export-status" });
  const button = (format, text) =>
    h(
      "button",
      {
        type: "button",
        class: "quiet",
        id: `export-${format}`,
        onclick: async (event) => {
          const self = event.currentTarget;
          self.disabled = true;
          status.textContent = "Exporting…";
          try {
            const { total } = await download(savedKey(), format, currentFilter());
            status.textContent = `Exported ${count(total)} conversation${total === 1 ? "" : "s"}.`;
          } catch (problem) {
            status.textContent = `Export failed: ${problem.message}`;
          } finally {
            self.disabled = false;
          }
        },
      },
      text,
    );
  return h(
    "div",
    { class: "export", role: "group", "aria-label": "Export the filtered conversations" },
    h("span", {}, "Export: "),
    button("csv", "CSV"),
    button("jsonl", "JSONL"),
    status,
  );
}

/** Fetches the export and saves it; resolves with {total} (the X-Parley-Total header). */
export async function download(token, format, filter) {
  const params = new URLSearchParams({ format });
  if (filter) params.set("filter", JSON.stringify(filter));
  const response = await fetch(`/export?${params}`, {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      message = body.errors?.[0]?.message || message;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(message);
  }
  const blob = await response.blob();
  if (format === "jsonl") {
    const tail = await blob.slice(Math.max(0, blob.size - 4096)).text();
    const last = tail.trimEnd().split("\n").pop();
    if (!last.startsWith('{"end"')) throw new Error("the export was cut off; try again");
  }
  const url = URL.createObjectURL(blob);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  const link = h("a", { href: url, download: `conversations-${stamp}.${EXTENSIONS[format]}`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { total: Number(response.headers.get("x-parley-total") || 0) };
}
