// Small inline-SVG charts (no third-party library): a line chart of counts over periods, horizontal bars.
// Every chart is an <svg role="img"> with a Vietnamese aria-label and <title> tooltips on its marks; the
// numbers are also in an HTML table or list next to it for screen readers and tests.

const NS = "http://www.w3.org/2000/svg";
// Okabe–Ito and Tableau colours: distinguishable for most colour-blind readers
export const PALETTE = [
  "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8c564b", "#F0E442", "#7f7f7f", "#17becf",
];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function niceMax(value) {
  if (value <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

export function periodLabel(iso, period) {
  const [y, m, d] = iso.slice(0, 10).split("-");
  return period === "month" ? `${m}/${y}` : `${d}/${m}`;
}

// series: [{key, label, points: [{period, count}]}]; the x axis is the sorted union of periods
export function lineChart(container, series, { period = "week", title = "" } = {}) {
  const periods = [...new Set(series.flatMap((s) => s.points.map((p) => p.period)))].sort();
  if (!periods.length) {
    container.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Chưa có dữ liệu." }));
    return;
  }
  const W = 760;
  const H = 300;
  const m = { left: 44, right: 16, top: 14, bottom: 36 };
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.count))));
  const x = (i) => m.left + (periods.length === 1 ? (W - m.left - m.right) / 2 : (i * (W - m.left - m.right)) / (periods.length - 1));
  const y = (v) => H - m.bottom - (v * (H - m.top - m.bottom)) / max;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "line-chart" });
  chart.append(svg("title", {}, title));
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    chart.append(
      svg("line", { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, Number.isInteger(v) ? v : v.toFixed(1)),
    );
  }
  const every = Math.ceil(periods.length / 12);
  periods.forEach((p, i) => {
    if (i % every === 0 || i === periods.length - 1) {
      chart.append(svg("text", { x: x(i), y: H - m.bottom + 18, "text-anchor": "middle", class: "axis" }, periodLabel(p, period)));
    }
  });
  series.forEach((s, n) => {
    const colour = PALETTE[n % PALETTE.length];
    const counts = Object.fromEntries(s.points.map((p) => [p.period, p.count]));
    const coords = periods.map((p, i) => [x(i), y(counts[p] || 0), p, counts[p] || 0]);
    const group = svg("g", { "data-series": s.key });
    group.append(
      svg("polyline", {
        points: coords.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "),
        fill: "none",
        stroke: colour,
        "stroke-width": 2.5,
      }),
    );
    for (const [a, b, p, c] of coords) {
      group.append(
        svg("circle", { cx: a.toFixed(1), cy: b.toFixed(1), r: 3.5, fill: colour }, svg("title", {}, `${s.label} — ${periodLabel(p, period)}: ${c} đơn`)),
      );
    }
    chart.append(group);
  });
  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((s, n) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = PALETTE[n % PALETTE.length];
    li.append(swatch, s.label);
    legend.append(li);
  });
  container.replaceChildren(chart, legend);
}

// items: [{key, label, title, value, note}] drawn as horizontal bars, largest first as given
export function barChart(container, items, { title = "", unit = "đơn", colour = PALETTE[0], format = String } = {}) {
  if (!items.length) {
    container.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Chưa có dữ liệu." }));
    return;
  }
  const W = 600;
  const row = 26;
  const labelW = 250;
  const H = items.length * row + 8;
  const max = Math.max(...items.map((i) => i.value)) || 1;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "bar-chart" });
  chart.append(svg("title", {}, title));
  items.forEach((item, i) => {
    const top = 4 + i * row;
    const width = ((W - labelW - 70) * item.value) / max;
    const label = item.label.length > 30 ? item.label.slice(0, 29) + "…" : item.label;
    chart.append(
      svg(
        "g",
        { "data-key": item.key, "data-value": item.value },
        svg("title", {}, `${item.title || item.label}: ${format(item.value)} ${unit}${item.note ? " — " + item.note : ""}`),
        svg("text", { x: labelW - 8, y: top + 17, "text-anchor": "end", class: "label" }, label),
        svg("rect", { x: labelW, y: top + 3, width: Math.max(1, width).toFixed(1), height: row - 8, rx: 3, fill: colour }),
        svg("text", { x: labelW + width + 6, y: top + 17, class: "value" }, format(item.value)),
      ),
    );
  });
  container.replaceChildren(chart);
}
