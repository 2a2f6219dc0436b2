// Small inline SVG charts (no chart library): bars of counts per day (side by side or stacked),
// and points of a value per day joined by a line. Each mark carries its day and value (`data-day`, `data-value`) and a
// tooltip; the numbers are also in a table for screen readers and copying.

import { s } from "./graph.js";
import { h } from "./ui.js";

const W = 640;
const H = 180;
const LEFT = 44;
const BOTTOM = 26;
const TOP = 10;

/** A round maximum at or above `max` for the axis (1, 2, 5 × 10^n). */
function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= max);
}

function axes(days, max, unit, chartId) {
  const plotH = H - TOP - BOTTOM;
  const ticks = [0, max / 2, max];
  const step = (W - LEFT) / days.length;
  const every = Math.ceil(days.length / 10);
  return [
    ticks.map((t) => {
      const y = TOP + plotH - (t / max) * plotH;
      return s("g", { class: "tick" }, s("line", { x1: LEFT, x2: W, y1: y, y2: y }), s("text", { x: LEFT - 6, y: y + 4, "text-anchor": "end" }, unit(t)));
    }),
    days.map((day, i) =>
      i % every === 0 ? s("text", { class: "day", x: LEFT + step * i + step / 2, y: H - 8, "text-anchor": "middle", id: `${chartId}-d${i}` }, day.slice(5)) : null,
    ),
  ];
}

/**
 * Bars per day: `series` is `[{name, className, values}]`, drawn side by side within a day.
 * Days with a zero count draw no bar.
 */
export function barChart(label, days, series) {
  const chartId = `c${Math.random().toString(36).slice(2, 8)}`;
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.values)));
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / days.length;
  const barW = Math.max(2, (step * 0.8) / series.length);
  const bars = series.flatMap((x, k) =>
    x.values.map((value, i) => {
      if (!value) return null;
      const height = (value / max) * plotH;
      return s(
        "rect",
        { class: `bar ${x.className}`, x: LEFT + step * i + step * 0.1 + barW * k, y: TOP + plotH - height, width: barW, height, "data-day": days[i], "data-value": value },
        s("title", {}, `${days[i]}: ${value} ${x.name}`),
      );
    }),
  );
  return figure(label, s("svg", { class: "chart", role: "img", "aria-label": label, viewBox: `0 0 ${W} ${H}` }, axes(days, max, (t) => (Number.isInteger(t) ? String(t) : t.toFixed(1)), chartId), bars), days, series, String, series.map((x) => h("span", { class: `key ${x.className}` }, x.name)));
}

/**
 * Bars stacked per day: `series` is `[{name, values}]`, drawn bottom to top in order, one colour
 * per series (`s0`–`s5`, repeating). Each segment carries `data-series`, its day and value.
 */
export function stackedBarChart(label, days, series) {
  const chartId = `c${Math.random().toString(36).slice(2, 8)}`;
  const sums = days.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...sums));
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / days.length;
  const barW = Math.max(2, step * 0.7);
  const below = days.map(() => 0);
  const segments = series.flatMap((x, k) =>
    x.values.map((value, i) => {
      if (!value) return null;
      const height = (value / max) * plotH;
      below[i] += height;
      return s(
        "rect",
        { class: `bar stack s${k % 6}`, x: LEFT + step * i + step * 0.15, y: TOP + plotH - below[i], width: barW, height, "data-series": x.name, "data-day": days[i], "data-value": value },
        s("title", {}, `${days[i]}: ${value} × ${x.name}`),
      );
    }),
  );
  return figure(label, s("svg", { class: "chart", role: "img", "aria-label": label, viewBox: `0 0 ${W} ${H}` }, axes(days, max, (t) => (Number.isInteger(t) ? String(t) : t.toFixed(1)), chartId), segments), days, series, String, series.map((x, k) => h("span", { class: `key s${k % 6}` }, x.name)));
}

/** Points per day (`null`: none that day) joined by a line, one colour per series. */
export function pointChart(label, days, series, unit) {
  const chartId = `c${Math.random().toString(36).slice(2, 8)}`;
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.values.filter((v) => v !== null))));
  const plotH = H - TOP - BOTTOM;
  const step = (W - LEFT) / days.length;
  const marks = series.map((x, k) => {
    const points = x.values.flatMap((value, i) => (value === null ? [] : [[LEFT + step * i + step / 2, TOP + plotH - (value / max) * plotH, value, days[i]]]));
    return s(
      "g",
      { class: `series s${k % 6}`, "data-series": x.name },
      points.length > 1 ? s("polyline", { points: points.map(([px, py]) => `${px},${py}`).join(" ") }) : null,
      points.map(([px, py, value, day]) => s("circle", { class: "point", cx: px, cy: py, r: 4, "data-day": day, "data-value": value }, s("title", {}, `${x.name}, ${day}: ${unit(value)}`))),
    );
  });
  return figure(label, s("svg", { class: "chart", role: "img", "aria-label": label, viewBox: `0 0 ${W} ${H}` }, axes(days, max, unit, chartId), marks), days, series, (v) => (v === null ? "—" : unit(v)), series.map((x, k) => h("span", { class: `key s${k % 6}` }, x.name)));
}

function figure(label, svg, days, series, format, keys) {
  return h(
    "figure.chart",
    {},
    h("figcaption", {}, label, " ", keys),
    svg,
    h(
      "details",
      {},
      h("summary", {}, "The numbers"),
      h(
        "table.chart-data",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), series.map((x) => h("th", { scope: "col" }, x.name)))),
        h("tbody", {}, days.map((day, i) => h("tr", {}, h("th", { scope: "row" }, day), series.map((x) => h("td", {}, format(x.values[i])))))),
      ),
    ),
  );
}

/** Seconds as hours or days, for an axis or a tooltip. */
export function duration(seconds) {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round((seconds / 86400) * 10) / 10} d`;
}
