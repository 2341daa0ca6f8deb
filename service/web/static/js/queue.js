// The triage queue (/ui/queue): letters needing review, urgent first then least confident, cursor-paged.
import {
  api,
  el,
  excerpt,
  formatDate,
  highlight,
  openPage,
  option,
  percent,
  reasonText,
  root,
  setStatus,
  taxonomy,
  wardName,
} from "./app.js";
import { correctionForm, savedMessage } from "./correction.js";

const PAGE_SIZE = 25;
let tax;
let nextCursor = null;
let shown = 0;
const wardsSeen = new Set();

function filters() {
  const form = document.getElementById("queue-filters");
  const params = new URLSearchParams({ needs_review: "true", sort: "queue", limit: String(PAGE_SIZE) });
  for (const name of ["department", "topic", "ward"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function row(letter) {
  const terms = letter.prediction.explanation.map((e) => e.term);
  const form = correctionForm(letter, tax, (updated) => saved(tr, updated));
  const topics = el(
    "ul",
    { class: "topics", "aria-label": "Lĩnh vực mô hình đề xuất" },
    letter.prediction.topics.map((t) =>
      el(
        "li",
        { "data-topic": t.id, "data-confidence": t.confidence },
        el(
          "button",
          {
            type: "button",
            class: "link",
            title: "Chọn lĩnh vực này để sửa",
            onclick: () => form.chooseTopic(t.id),
          },
          tax.topicName[t.id] || t.id,
        ),
        " ",
        el("span", { class: "confidence" }, percent(t.confidence)),
        el("span", { class: "meter", "aria-hidden": "true" }, el("span", { "data-width": t.confidence })),
      ),
    ),
  );
  const wards = letter.wards.map((w) => wardName(w));
  wards.forEach((w) => wardsSeen.add(w));
  const tr = el(
    "tr",
    { "data-letter-id": letter.id, class: letter.urgent ? "urgent-row" : "" },
    el(
      "td",
      { "data-label": "Ngày nhận" },
      el("time", { datetime: letter.received_at }, formatDate(letter.received_at)),
      el("div", { class: "small" }, `Số ${letter.id}`),
    ),
    el(
      "td",
      { class: "content" },
      el("p", { class: "excerpt", "data-masked": letter.text_masked }, highlight(excerpt(letter.text, terms), terms)),
      el(
        "ul",
        { class: "chips", "aria-label": "Từ ngữ dẫn đến quyết định" },
        terms.map((t) => el("li", { "data-term": t }, t)),
      ),
      el("a", { href: `${root}/ui/letters/${letter.id}`, "data-letter-link": letter.id }, "Xem đơn đầy đủ"),
    ),
    el("td", {}, topics),
    el(
      "td",
      { class: "decision" },
      letter.urgent ? el("p", { class: "urgent", "data-urgent": "true" }, "Khẩn cấp") : null,
      el("p", { "data-field": "letter_type" }, tax.typeName[letter.letter_type] || letter.letter_type),
      el("p", { "data-field": "department" }, tax.departmentName[letter.department] || letter.department),
      el("p", { "data-field": "topic", class: "small" }, "Lĩnh vực: ", tax.topicName[letter.topic] || letter.topic),
      wards.length
        ? el("ul", { class: "wards", "aria-label": "Phường, xã" }, wards.map((w) => el("li", { "data-ward": w }, w)))
        : null,
      letter.review_reasons.length
        ? el(
            "ul",
            { class: "reasons", "aria-label": "Lý do cần xem lại" },
            letter.review_reasons.map((r) => el("li", {}, reasonText(r, tax))),
          )
        : null,
    ),
    el("td", {}, form),
  );
  return tr;
}

function saved(tr, updated) {
  const letter = updated.letter;
  setStatus("queue-status", savedMessage(updated, tax), "ok");
  if (!letter.needs_review) {
    tr.remove();
    shown -= 1;
    if (!shown && !nextCursor) empty();
    return;
  }
  const fresh = row(letter);
  tr.replaceWith(fresh);
  drawMeters(fresh);
}

function empty() {
  const tbody = document.getElementById("queue-rows");
  tbody.replaceChildren(el("tr", { id: "queue-empty" }, el("td", { colspan: 5 }, "Không còn đơn nào chờ phân loại.")));
}

function drawMeters(scope) {
  // widths set through the CSSOM (the page's policy forbids inline style attributes)
  for (const bar of scope.querySelectorAll("[data-width]")) bar.style.width = `${Number(bar.dataset.width) * 100}%`;
}

async function load(more = false) {
  const tbody = document.getElementById("queue-rows");
  const params = filters();
  if (more && nextCursor) params.set("cursor", nextCursor);
  setStatus("queue-status", "Đang tải…");
  let body;
  try {
    body = await api(`/v1/letters?${params}`);
  } catch (err) {
    setStatus("queue-status", err.message, "error");
    return;
  }
  if (!more) {
    tbody.replaceChildren();
    shown = 0;
  }
  for (const letter of body.letters) {
    const tr = row(letter);
    tbody.append(tr);
    drawMeters(tr);
    shown += 1;
  }
  nextCursor = body.next_cursor;
  document.getElementById("queue-more").hidden = !nextCursor;
  if (!shown) empty();
  setStatus("queue-status", shown ? `${shown} đơn đang hiển thị${nextCursor ? " (còn nữa)" : ""}.` : "");
  document.getElementById("queue-table").dataset.loaded = "true";
  const list = document.getElementById("ward-options");
  list.replaceChildren(...[...wardsSeen].sort().map((w) => el("option", { value: w })));
}

async function main() {
  const who = await openPage("letters:update");
  if (!who) return;
  tax = await taxonomy();
  document
    .getElementById("filter-department")
    .append(...tax.departments.map((d) => option(d.id, d.name)));
  document.getElementById("filter-topic").append(...tax.topics.map((t) => option(t.id, t.name)));
  const params = new URLSearchParams(location.search);
  const form = document.getElementById("queue-filters");
  for (const name of ["department", "topic", "ward"]) if (params.get(name)) form.elements[name].value = params.get(name);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const shownParams = new URLSearchParams(filters());
    for (const k of ["needs_review", "sort", "limit"]) shownParams.delete(k);
    history.replaceState(null, "", `${location.pathname}${shownParams.size ? "?" + shownParams : ""}`);
    load();
  });
  document.getElementById("filter-clear").addEventListener("click", () => {
    form.reset();
    history.replaceState(null, "", location.pathname);
    load();
  });
  document.getElementById("queue-more").addEventListener("click", () => load(true));
  await load();
}

main();
