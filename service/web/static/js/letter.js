// One letter (/ui/letters/{id}): text with the model's words marked, decision, places, duplicates, history.
import { api, can, el, formatDate, formatTime, highlight, labels, openPage, percent, reasonText, root, setStatus, taxonomy } from "./app.js";
import { correctionForm, savedMessage } from "./correction.js";

const letterId = document.body.dataset.letterId;
let tax;

const FIELD_NAMES = {
  status: "Trạng thái",
  topic: "Lĩnh vực",
  letter_type: "Loại đơn",
  department: "Cơ quan xử lý",
  referred_to: "Chuyển đến",
  needs_review: "Cần xem lại",
  route_rule: "Quy tắc định tuyến",
};
const ACTIONS = { received: "Tiếp nhận", corrected: "Sửa, cập nhật" };
const WRITER_FIELDS = [
  ["name", "Họ tên"],
  ["phone", "Điện thoại"],
  ["email", "Thư điện tử"],
  ["address", "Địa chỉ"],
  ["id_number", "Số CCCD/CMND"],
];

function valueName(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "topic") return tax.topicName[value] || value;
  if (field === "letter_type") return tax.typeName[value] || value;
  if (field === "department") return tax.departmentName[value] || value;
  if (field === "status") return labels.statuses[value] || value;
  if (typeof value === "boolean") return value ? "Có" : "Không";
  return String(value);
}

function changes(obj) {
  const entries = Object.entries(obj || {});
  if (!entries.length) return "—";
  return el(
    "ul",
    { class: "plain" },
    entries.map(([k, v]) => el("li", { "data-field": k }, `${FIELD_NAMES[k] || k}: ${valueName(k, v)}`)),
  );
}

function facts(dl, rows) {
  dl.replaceChildren(
    ...rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .flatMap(([name, value, field]) => [el("dt", {}, name), el("dd", field ? { "data-field": field } : {}, value)]),
  );
}

function draw(letter) {
  document.title = `Đơn thư số ${letter.id} · Hòm thư góp ý`;
  document.getElementById("letter-title").textContent =
    `Đơn thư số ${letter.id}` + (letter.external_id ? ` (${letter.external_id})` : "");
  const terms = letter.prediction.explanation.map((e) => e.term);
  document.getElementById("letter-text").replaceChildren(highlight(letter.text, terms));
  document.getElementById("letter-masked").hidden = !letter.text_masked;
  document
    .getElementById("letter-explanation")
    .replaceChildren(
      ...letter.prediction.explanation.map((e) => el("li", { "data-term": e.term, title: `trọng số ${e.weight}` }, e.term)),
    );

  const p = letter.prediction;
  const corrected = (field, current, predicted, confidence) =>
    current === predicted
      ? `${valueName(field, current)} (${percent(confidence)})`
      : `${valueName(field, current)} — mô hình: ${valueName(field, predicted)} (${percent(confidence)})`;
  facts(document.getElementById("letter-decision"), [
    ["Ngày nhận", formatTime(letter.received_at), "received_at"],
    ["Kênh", labels.channels[letter.channel] || letter.channel, "channel"],
    ["Trạng thái", valueName("status", letter.status), "status"],
    ["Lĩnh vực", corrected("topic", letter.topic, p.topic, p.topic_confidence), "topic"],
    ["Loại đơn", corrected("letter_type", letter.letter_type, p.letter_type, p.letter_type_confidence), "letter_type"],
    ["Cơ quan xử lý", valueName("department", letter.department), "department"],
    ["Quy tắc định tuyến", letter.route_rule === "topic" ? "Theo lĩnh vực" : letter.route_rule, "route_rule"],
    letter.referred_to ? ["Chuyển đến", letter.referred_to, "referred_to"] : [],
    [
      "Khẩn cấp",
      letter.urgent ? `Có${letter.urgent_terms.length ? " — " + letter.urgent_terms.join(", ") : ""}` : "Không",
      "urgent",
    ],
    ["Cần xem lại", letter.needs_review ? letter.review_reasons.map((r) => reasonText(r, tax)).join("; ") || "Có" : "Không", "needs_review"],
    ["Hạn tiếp nhận", formatDate(letter.accept_due), "accept_due"],
    ["Hạn giải quyết", formatDate(letter.settle_due) + (letter.overdue ? " — quá hạn" : ""), "settle_due"],
    ["Phiên bản mô hình", p.model_version, "model_version"],
  ]);
  document.getElementById("letter-topics").replaceChildren(
    ...p.topics.map((t) => {
      const bar = el("span");
      bar.style.width = percent(t.confidence);
      return el(
        "li",
        { "data-topic": t.id, "data-confidence": t.confidence },
        el("span", { class: "bar-label" }, tax.topicName[t.id] || t.id),
        el("span", { class: "meter", "aria-hidden": "true" }, bar),
        el("span", { class: "confidence" }, percent(t.confidence)),
      );
    }),
  );

  const box = document.getElementById("letter-correct");
  if (can("letters:update")) {
    box.replaceChildren(
      el("h3", {}, "Sửa phân loại"),
      correctionForm(letter, tax, async (updated) => {
        await reload();
        setStatus("letter-status", savedMessage(updated, tax), "ok");
      }),
    );
  } else {
    box.replaceChildren(el("p", { class: "small" }, "Vai trò của bạn chỉ được xem, không được sửa đơn thư."));
  }

  const writerSection = document.getElementById("writer-section");
  writerSection.hidden = false;
  const writerList = document.getElementById("letter-writer");
  if (letter.writer) {
    facts(
      writerList,
      WRITER_FIELDS.map(([field, name]) => [name, letter.writer[field], `writer-${field}`]),
    );
  } else {
    const why = can("writer:read")
      ? letter.letter_type === "to_cao" || letter.prediction.letter_type === "to_cao"
        ? "Người tố cáo được pháp luật bảo vệ: chỉ quản trị viên được xem danh tính."
        : "Đơn không ghi thông tin người viết."
      : "Vai trò của bạn không được xem thông tin người viết.";
    writerList.replaceChildren(el("dt", {}, "Thông tin"), el("dd", { id: "writer-hidden" }, why));
  }

  const places = document.querySelector("#letter-places tbody");
  places.replaceChildren(
    ...(letter.wards.length
      ? letter.wards.map((w) =>
          el(
            "tr",
            { "data-ward": w.current_unit || w.unit || w.as_written },
            el("td", {}, w.as_written),
            el("td", {}, w.unit || "—"),
            el("td", {}, w.current_unit || "—"),
            el("td", {}, w.ambiguous ? `Chưa xác định: ${w.candidates.join("; ")}` : ""),
          ),
        )
      : [el("tr", {}, el("td", { colspan: 4 }, "Không tìm thấy phường, xã nào."))]),
  );

  const dup = document.getElementById("letter-duplicates");
  facts(dup, [
    [
      "Trùng với đơn",
      letter.duplicate_of
        ? el(
            "span",
            {},
            el("a", { href: `${root}/ui/letters/${letter.duplicate_of}`, "data-duplicate-of": letter.duplicate_of }, `số ${letter.duplicate_of}`),
            letter.duplicate_similarity !== null ? ` (giống ${percent(letter.duplicate_similarity)})` : "",
          )
        : "Không",
      "duplicate_of",
    ],
    ["Gửi đồng thời tới", letter.recipients.length ? letter.recipients.join("; ") : "—", "recipients"],
  ]);

  const history = document.querySelector("#letter-history tbody");
  history.replaceChildren(
    ...letter.history.map((e) =>
      el(
        "tr",
        { "data-action": e.action },
        el("td", {}, el("time", { datetime: e.at }, formatTime(e.at))),
        el("td", {}, e.actor),
        el("td", {}, ACTIONS[e.action] || e.action),
        el("td", {}, e.action === "received" ? "—" : changes(e.before)),
        el("td", {}, changes(e.after)),
        el("td", {}, e.note || ""),
      ),
    ),
  );
  document.getElementById("letter-content").hidden = false;
  document.getElementById("letter-content").dataset.loaded = "true";
}

async function reload() {
  try {
    draw(await api(`/v1/letters/${letterId}`));
    setStatus("letter-status", "");
  } catch (err) {
    setStatus("letter-status", err.message, "error");
  }
}

async function main() {
  const who = await openPage("letters:read");
  if (!who) return;
  const back = document.getElementById("back-link");
  const ref = document.referrer && new URL(document.referrer);
  back.href = ref && ref.origin === location.origin && ref.pathname !== location.pathname ? ref.href : `${root}/ui/`;
  tax = await taxonomy();
  setStatus("letter-status", "Đang tải…");
  await reload();
}

main();
