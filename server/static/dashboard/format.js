// How times and counts read on the page: the viewer's own zone and locale, numbers grouped.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const numbers = new Intl.NumberFormat();

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function clock(iso) {
  return iso ? timeOnly.format(new Date(iso)) : "";
}

export function day(iso) {
  return iso ? dayOnly.format(new Date(iso)) : "";
}

/** Integers only (counts, tokens): exact below 2⁵³, which BigInt token sums stay under. */
export function count(value) {
  return numbers.format(value);
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const TYPE_NAMES = { TEST: "Test", WEB_WIDGET: "Web widget" };
export const STATUS_NAMES = { ACTIVE: "Active", ENDED: "Ended" };
export const SOURCE_NAMES = { PRE_CHAT_FORM: "Pre-chat form", EXTRACTED: "Extracted" };
export const HANDLING_NAMES = { ASSISTANT: "Assistant", WAITING: "Waiting for a person", AGENT: "With a person" };

/** How long since `iso`, to the second, as a wait reads: "42 s", "3 min 5 s", "1 h 2 min". */
export function since(iso, now = Date.now()) {
  return duration(Math.max(0, (now - Date.parse(iso)) / 1000));
}

/** Who the visitor is, from their pre-chat answers: a name, else an email; null when neither. */
export function visitorName(variables) {
  const value = (name) => variables.find((each) => each.name === name && typeof each.value === "string" && each.value.trim());
  const found = value("name") || value("full_name") || value("email");
  return found ? found.value.trim() : null;
}
