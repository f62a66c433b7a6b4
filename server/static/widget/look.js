// The assistant's colour on its widget: set as custom properties on the widget's host through the
// CSSOM (allowed under a strict Content-Security-Policy, unlike a style attribute), with the text
// drawn on it white or dark, whichever contrasts more (WCAG's relative luminance).

const DARK = "#1c1b22";
const WHITE = "#ffffff";

/** WCAG 2's relative luminance of "#rrggbb". */
function luminance(hex) {
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The text colour that reads best on `hex`: white, or dark. */
export function textOn(hex) {
  const on = luminance(hex);
  const withWhite = 1.05 / (on + 0.05);
  const withDark = (on + 0.05) / (luminance(DARK) + 0.05);
  return withWhite >= withDark ? WHITE : DARK;
}

/** Gives the widget on `host` the colour `hex` ("#rrggbb"); anything else keeps its own. */
export function applyColor(host, hex) {
  if (typeof hex !== "string" || !/^#[0-9a-fA-F]{6}$/.test(hex)) {
    host.style.removeProperty("--parley-accent");
    host.style.removeProperty("--parley-on-accent");
    return;
  }
  host.style.setProperty("--parley-accent", hex);
  host.style.setProperty("--parley-on-accent", textOn(hex));
}
