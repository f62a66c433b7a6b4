// The usage chart, drawn as SVG by the page: one bar per time bucket for its cost, and one point
// per bucket (joined by a line) for its conversations. Heights are geometry only; every amount
// shown is the API's exact string.

import { s } from "./dom.js";
import { largest, ratio, usd } from "./money.js";
import { count, day } from "./format.js";

const WIDTH = 720;
const HEIGHT = 260;
const PAD = { top: 28, right: 16, bottom: 28, left: 16 };

/** An <svg> for `buckets` ({start, cost, conversations}), labelled by `title`. */
export function usageChart(buckets, title) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const maxCost = largest(buckets.map((bucket) => bucket.cost));
  const maxConversations = Math.max(1, ...buckets.map((bucket) => bucket.conversations));
  const step = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(1, step * 0.7);
  const bottom = PAD.top + plotHeight;
  const bars = [];
  const points = [];
  const line = [];
  buckets.forEach((bucket, index) => {
    const x = PAD.left + index * step;
    const barHeight = ratio(bucket.cost, maxCost) * plotHeight;
    const label = `${day(bucket.start)}: ${usd(bucket.cost)}, ${count(bucket.conversations)} conversations`;
    bars.push(
      s(
        "rect",
        {
          class: "bar",
          x: (x + (step - barWidth) / 2).toFixed(2),
          y: (bottom - barHeight).toFixed(2),
          width: barWidth.toFixed(2),
          height: barHeight.toFixed(2),
          "data-cost": bucket.cost,
        },
        s("title", {}, label),
      ),
    );
    const cx = x + step / 2;
    const cy = bottom - (bucket.conversations / maxConversations) * plotHeight;
    line.push(`${cx.toFixed(2)},${cy.toFixed(2)}`);
    points.push(
      s(
        "circle",
        { class: "point", cx: cx.toFixed(2), cy: cy.toFixed(2), r: 3, "data-conversations": bucket.conversations },
        s("title", {}, label),
      ),
    );
  });
  const ticks = [];
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((bucket, index) => {
    if (index % every !== 0) return;
    const x = PAD.left + index * step + step / 2;
    const anchor = index === 0 ? "start" : "middle"; // the first label would run off the left edge
    const at = index === 0 ? PAD.left : x;
    ticks.push(s("text", { class: "tick", x: at.toFixed(2), y: HEIGHT - 8, "text-anchor": anchor }, day(bucket.start)));
  });
  return s(
    "svg",
    {
      class: "chart",
      id: "usage-chart",
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": "usage-chart-title",
      preserveAspectRatio: "xMidYMid meet",
    },
    s("title", { id: "usage-chart-title" }, title),
    s("line", { class: "axis", x1: PAD.left, y1: bottom, x2: WIDTH - PAD.right, y2: bottom }),
    s("line", { class: "top-line", x1: PAD.left, y1: PAD.top, x2: WIDTH - PAD.right, y2: PAD.top }),
    s("text", { class: "axis-label cost-label", x: PAD.left, y: PAD.top - 8 }, `top: ${usd(maxCost)}`),
    s("text", { class: "axis-label count-label", x: WIDTH - PAD.right, y: PAD.top - 8, "text-anchor": "end" },
      `top: ${count(maxConversations)} conversation${maxConversations === 1 ? "" : "s"}`),
    s("g", { class: "bars" }, bars),
    s("polyline", { class: "line", points: line.join(" "), fill: "none" }),
    s("g", { class: "points" }, points),
    s("g", { class: "ticks" }, ticks),
  );
}
