// Calendar days as the date inputs give them (YYYY-MM-DD, the viewer's own zone), turned into the
// instants a ConversationFilter takes.

export function validDay(text) {
  return text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : "";
}

/** Midnight of a local calendar day (plus `days`), as RFC 3339 UTC. */
export function localMidnight(day, days = 0) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + days).toISOString();
}

/** A local date as YYYY-MM-DD. */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
