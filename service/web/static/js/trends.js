// The leaders' dashboard (/ui/trends): topics over time, wards, emerging issues, keywords, CSV/Excel export.
import { api, download, el, formatDate, openPage, option, root, setStatus, taxonomy } from "./app.js";
import { barChart, lineChart, PALETTE } from "./charts.js";

const TOP_SERIES = 6;
const TOP_WARDS = 15;
let tax;

// Vietnam has no daylight saving: a calendar day there starts at 00:00 +07:00
function dayStart(value) {
  return new Date(`${value}T00:00:00+07:00`).toISOString();
}

function range() {
  const params = new URLSearchParams();
  const from = document.getElementById("trends-from").value;
  const to = document.getElementById("trends-to").value;
  if (from) params.set("received_from", dayStart(from));
  if (to) {
    const next = new Date(`${to}T00:00:00+07:00`);
    next.setUTCDate(next.getUTCDate() + 1); // received_to is exclusive: include the whole chosen day
    params.set("received_to", next.toISOString());
  }
  return params;
}

function period() {
  return document.getElementById("trends-period").value;
}

function trendsQuery(by, extra = {}) {
  const params = range();
  params.set("by", by);
  params.set("period", period());
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `/v1/trends?${params}`;
}

function topicLabel(key) {
  return tax.topicName[key] || key;
}

function drawTopics(body) {
  const series = body.series.map((s) => ({ ...s, label: topicLabel(s.key) }));
  lineChart(document.getElementById("topic-chart"), series.slice(0, TOP_SERIES), {
    period: body.period,
    title: `Số đơn theo lĩnh vực, ${body.period === "month" ? "theo tháng" : "theo tuần"}`,
  });
  const tbody = document.querySelector("#topic-totals tbody");
  tbody.replaceChildren(
    ...series.map((s, i) => {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      if (i < TOP_SERIES) swatch.style.background = PALETTE[i % PALETTE.length];
      return el(
        "tr",
        { "data-key": s.key },
        el("th", { scope: "row" }, swatch, s.label),
        el("td", { class: "num", "data-total": s.total }, s.total.toLocaleString("vi-VN")),
      );
    }),
  );
  if (!series.length) tbody.append(el("tr", {}, el("td", { colspan: 2 }, "Không có đơn nào trong khoảng thời gian này.")));
}

function drawWards(body) {
  // "Phường Cổ Nhuế 1, Thành phố Hà Nội": the bar shows the ward, its tooltip the whole name
  const items = body.series
    .slice(0, TOP_WARDS)
    .map((s) => ({ key: s.key, label: s.key.split(",")[0], title: s.key, value: s.total }));
  barChart(document.getElementById("ward-chart"), items, { title: "Số đơn theo phường, xã" });
  const select = document.getElementById("keywords-ward");
  const chosen = select.value;
  select.replaceChildren(option("", "—"), ...body.series.map((s) => option(s.key, s.key, s.key === chosen)));
}

async function loadEmerging() {
  const by = document.getElementById("emerging-by").value;
  const tbody = document.querySelector("#emerging-table tbody");
  const rule = document.getElementById("emerging-rule");
  try {
    const body = await api(`/v1/trends/emerging?by=${by}&period=${period()}`);
    const unit = body.period === "month" ? "tháng" : body.period === "day" ? "ngày" : "tuần";
    rule.textContent =
      `Kỳ gần nhất: ${unit} bắt đầu ${formatDate(body.latest)}. Một nhóm là “mới nổi” khi số đơn kỳ này vượt xa ` +
      `mức trung bình các kỳ trước (kiểm định Poisson, p < 0,01).`;
    rule.title = body.rule;
    const name = (key) => (by === "topic" ? topicLabel(key) : key);
    tbody.replaceChildren(
      ...body.emerging.map((e) =>
        el(
          "tr",
          { "data-key": e.key },
          el("th", { scope: "row" }, name(e.key)),
          el("td", { class: "num" }, e.count),
          el("td", { class: "num" }, e.baseline_mean.toLocaleString("vi-VN", { maximumFractionDigits: 1 })),
          el("td", { class: "num" }, `×${e.ratio.toLocaleString("vi-VN", { maximumFractionDigits: 1 })}`),
          el("td", { class: "num" }, e.p_value < 0.001 ? "< 0,001" : e.p_value.toLocaleString("vi-VN", { maximumFractionDigits: 3 })),
        ),
      ),
    );
    if (!body.emerging.length) tbody.append(el("tr", {}, el("td", { colspan: 5 }, "Không có vấn đề mới nổi trong kỳ gần nhất.")));
  } catch (err) {
    rule.textContent = "";
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "error" }, err.message)));
  }
}

async function loadKeywords() {
  const topic = document.getElementById("keywords-topic").value;
  const ward = document.getElementById("keywords-ward").value;
  const chart = document.getElementById("keywords-chart");
  const examples = document.getElementById("keywords-examples");
  if (!topic && !ward) {
    setStatus("keywords-status", "Chọn một lĩnh vực hoặc một phường, xã để xem từ khóa.");
    chart.replaceChildren();
    examples.replaceChildren();
    return;
  }
  const params = range();
  if (topic) params.set("topic", topic);
  else params.set("ward", ward);
  params.set("limit", "15");
  setStatus("keywords-status", "Đang tải…");
  let body;
  try {
    body = await api(`/v1/trends/keywords?${params}`);
  } catch (err) {
    setStatus("keywords-status", err.status === 404 ? "Máy chủ này chưa có chức năng từ khóa." : err.message, "error");
    return;
  }
  const what = topic ? `lĩnh vực “${topicLabel(topic)}”` : `phường, xã “${ward}”`;
  const span =
    body.received_from && body.received_to
      ? ` từ ${formatDate(body.received_from)} đến ${formatDate(body.received_to)}`
      : "";
  const based = body.letters !== undefined ? ` (dựa trên ${body.letters} đơn${span})` : "";
  setStatus(
    "keywords-status",
    body.keywords.length ? `Từ khóa nổi bật của ${what}${based}.` : `Chưa đủ đơn để tìm từ khóa của ${what}${based}.`,
  );
  barChart(
    chart,
    body.keywords.map((k) => ({ key: k.term, label: k.term, value: k.score, note: `${k.letters} đơn` })),
    { title: `Từ khóa nổi bật của ${what}`, unit: "điểm", colour: PALETTE[2], format: (v) => v.toLocaleString("vi-VN", { maximumFractionDigits: 2 }) },
  );
  examples.replaceChildren(
    ...body.examples.map((x) =>
      el(
        "li",
        { "data-letter-id": x.id },
        el("a", { href: `${root}/ui/letters/${x.id}` }, `Đơn số ${x.id}`),
        ` · ${formatDate(x.received_at)} · ${topicLabel(x.topic)}`,
        el("p", { class: "small" }, x.text.length > 260 ? x.text.slice(0, 259) + "…" : x.text),
      ),
    ),
  );
}

async function load() {
  setStatus("trends-status", "Đang tải…");
  const page = document.getElementById("page-body");
  page.dataset.loaded = "false";
  try {
    const [topics, wards] = await Promise.all([api(trendsQuery("topic")), api(trendsQuery("ward"))]);
    drawTopics(topics);
    drawWards(wards);
    const total = topics.series.reduce((n, s) => n + s.total, 0);
    setStatus("trends-status", `${total.toLocaleString("vi-VN")} đơn thư trong khoảng thời gian đã chọn.`);
  } catch (err) {
    setStatus("trends-status", err.message, "error");
  }
  await loadEmerging();
  page.dataset.loaded = "true";
}

async function save(format) {
  const by = "topic";
  const query = trendsQuery(by, { format });
  try {
    await download(query, `homthu-xu-huong-${by}-${period()}.${format}`);
    setStatus("trends-status", `Đã tải tệp ${format === "csv" ? "CSV" : "Excel"}.`, "ok");
  } catch (err) {
    setStatus("trends-status", err.message, "error");
  }
}

async function main() {
  const who = await openPage("trends:read");
  if (!who) return;
  tax = await taxonomy();
  document.getElementById("keywords-topic").append(...tax.topics.map((t) => option(t.id, t.name)));
  document.getElementById("trends-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  document.getElementById("emerging-by").addEventListener("change", loadEmerging);
  document.getElementById("keywords-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadKeywords();
  });
  // a topic and a ward at once is not what the keywords endpoint takes: choosing one clears the other
  document.getElementById("keywords-topic").addEventListener("change", (e) => {
    if (e.target.value) document.getElementById("keywords-ward").value = "";
  });
  document.getElementById("keywords-ward").addEventListener("change", (e) => {
    if (e.target.value) document.getElementById("keywords-topic").value = "";
  });
  for (const button of document.querySelectorAll("[data-format]")) {
    button.addEventListener("click", () => save(button.dataset.format));
  }
  if (!who.permissions.includes("export")) for (const b of document.querySelectorAll(".downloads")) b.hidden = true;
  await load();
  const first = document.querySelector("#topic-totals tbody tr[data-key]");
  if (first) {
    document.getElementById("keywords-topic").value = first.dataset.key;
    await loadKeywords();
  }
}

main();
