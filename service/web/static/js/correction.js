// The clerk's correction form (queue rows and the letter page): topic, letter type, department, a note.
import { api, el, option } from "./app.js";

const DEFAULT_NOTE = "Phân loại lại trên trang web";

// a form for `letter`; onSaved(updated) is called with the API's answer ({letter, rerouted})
export function correctionForm(letter, tax, onSaved) {
  const id = letter.id;
  const topic = el(
    "select",
    { name: "topic", id: `topic-${id}`, "data-field": "topic" },
    tax.topics.map((t) => option(t.id, t.name, t.id === letter.topic)),
  );
  const letterType = el(
    "select",
    { name: "letter_type", id: `letter-type-${id}`, "data-field": "letter_type" },
    tax.letter_types.map((t) => option(t.id, t.name, t.id === letter.letter_type)),
  );
  const department = el(
    "select",
    { name: "department", id: `department-${id}`, "data-field": "department" },
    option("", "Theo lĩnh vực (tự động)", true),
    tax.departments.map((d) => option(d.id, d.name)),
  );
  const note = el("input", {
    name: "note",
    id: `note-${id}`,
    type: "text",
    maxlength: "5000",
    placeholder: "Ghi chú (không bắt buộc)",
  });
  const save = el("button", { type: "submit", "data-action": "save" }, "Lưu");
  const message = el("p", { class: "small", role: "status", "aria-live": "polite" });
  const form = el(
    "form",
    { class: "correct", "data-correct": id, "aria-label": `Sửa phân loại đơn số ${id}` },
    el("label", { for: topic.id }, "Lĩnh vực"),
    topic,
    el("label", { for: letterType.id }, "Loại đơn"),
    letterType,
    el("label", { for: department.id }, "Cơ quan xử lý"),
    department,
    el("label", { for: note.id, class: "sr-only" }, "Ghi chú"),
    note,
    save,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { topic: topic.value, letter_type: letterType.value, note: note.value.trim() || DEFAULT_NOTE };
    if (department.value) body.department = department.value;
    save.disabled = true;
    message.textContent = "Đang lưu…";
    message.className = "small";
    try {
      const updated = await api(`/v1/letters/${id}`, { method: "PATCH", body });
      message.textContent = "";
      onSaved(updated);
    } catch (err) {
      message.textContent = err.message;
      message.className = "small error";
    } finally {
      save.disabled = false;
    }
  });
  form.chooseTopic = (value) => {
    topic.value = value;
    save.focus();
  };
  return form;
}

export function savedMessage(updated, tax) {
  const l = updated.letter;
  let text = `Đã lưu đơn số ${l.id}: ${tax.topicName[l.topic] || l.topic}, ${tax.typeName[l.letter_type] || l.letter_type}`;
  text += `, chuyển đến ${tax.departmentName[l.department] || l.department}.`;
  return text;
}
