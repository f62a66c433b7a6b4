// Money arrives as Decimal strings ("0.0010424", exact to 10⁻¹² USD). It is shown as given and
// summed or compared as BigInt counts of 10⁻¹², never as floats, so a total is exact.

const SCALE = 12;
const UNIT = 10n ** BigInt(SCALE);

/** A Decimal string as a BigInt number of 10⁻¹² units. */
export function toUnits(decimal) {
  const text = String(decimal).trim();
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = (fraction + "0".repeat(SCALE)).slice(0, SCALE);
  const units = BigInt(whole || "0") * UNIT + BigInt(digits);
  return sign ? -units : units;
}

/** The shortest Decimal string for a number of 10⁻¹² units ("0.5", "12", "0.000001"). */
export function fromUnits(units) {
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const whole = magnitude / UNIT;
  const fraction = (magnitude % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}`;
}

/** The exact sum of Decimal strings. */
export function sum(decimals) {
  let total = 0n;
  for (const each of decimals) total += toUnits(each);
  return fromUnits(total);
}

/** a ÷ max as a fraction in [0, 1] for drawing (geometry only; never shown as money). */
export function ratio(decimal, maxDecimal) {
  const max = toUnits(maxDecimal);
  if (max <= 0n) return 0;
  return Number((toUnits(decimal) * 10000n) / max) / 10000;
}

/** The largest of Decimal strings ("0" for none). */
export function largest(decimals) {
  let best = 0n;
  for (const each of decimals) {
    const units = toUnits(each);
    if (units > best) best = units;
  }
  return fromUnits(best);
}

/** "$0.0010424": the string itself, with its currency. */
export function usd(decimal) {
  const text = String(decimal);
  return text.startsWith("-") ? `-$${text.slice(1)}` : `$${text}`;
}

/** A usage's cost for people: exact, and marked when some replies had no known price. */
export function costText(usage) {
  if (!usage) return "—";
  if (usage.costKnown) return usd(usage.cost);
  return toUnits(usage.cost) === 0n ? "unpriced" : `${usd(usage.cost)} + unpriced`;
}
