// Shared by every page: the API key session, fetch with X-API-Key, navigation by role, labels, DOM helpers.
// Nothing here logs letter data; text from the API is only ever put into the page as text, never as HTML.

const KEY = "homthu.key";
const ME = "homthu.me";

export const root = document.body.dataset.root || "";
export const labels = JSON.parse(document.getElementById("ui-labels").textContent);

export const PAGES = [
  { id: "queue", href: "/ui/queue", label: "Hàng chờ phân loại", permission: "letters:update" },
  { id: "trends", href: "/ui/trends", label: "Xu hướng", permission: "trends:read" },
];

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function me() {
  const raw = sessionStorage.getItem(ME);
  return raw ? JSON.parse(raw) : null;
}

export function can(permission) {
  const who = me();
  return !!who && who.permissions.includes(permission);
}

export function saveLogin(key, who) {
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(ME, JSON.stringify(who));
}

export function logout() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ME);
  location.assign(root + "/ui/login");
}

export function homeFor(who) {
  const page = PAGES.find((p) => who.permissions.includes(p.permission));
  return root + (page ? page.href : "/ui/");
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const STATUS_TEXT = {
  401: "Khóa API không hợp lệ hoặc đã bị thu hồi. Vui lòng đăng nhập lại.",
  403: "Vai trò của bạn không được phép thực hiện thao tác này.",
  404: "Không tìm thấy.",
  422: "Dữ liệu gửi lên chưa hợp lệ",
};

// fetch a path of the JSON API with the session's key; throws ApiError with a Vietnamese message
export async function api(path, { method = "GET", body, key, raw = false } = {}) {
  const headers = { "X-API-Key": key || apiKey() || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(root + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "Không kết nối được tới máy chủ.");
  }
  if (!response.ok) {
    let detail = "";
    try {
      detail = (await response.json()).message || "";
    } catch {
      /* not JSON */
    }
    if (response.status === 401 && !key) {
      logout();
    }
    const base = STATUS_TEXT[response.status] || `Máy chủ trả lỗi ${response.status}.`;
    throw new ApiError(response.status, response.status === 422 && detail ? `${base}: ${detail}` : base);
  }
  return raw ? response : response.json();
}

// the key's identity, or a redirect to the login page when there is none
export async function session() {
  if (!apiKey()) {
    const next = encodeURIComponent(location.pathname.slice(root.length) + location.search);
    location.replace(`${root}/ui/login?next=${next}`);
    return null;
  }
  let who;
  try {
    who = await api("/v1/me");
  } catch (err) {
    if (err.status === 401) return null;
    who = me();
    if (!who) throw err;
  }
  saveLogin(apiKey(), who);
  drawHeader(who);
  return who;
}

export function drawHeader(who) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(
    ...PAGES.filter((p) => who.permissions.includes(p.permission)).map((p) => {
      const a = el("a", { href: root + p.href, "data-nav": p.id }, p.label);
      if (document.body.dataset.page === p.id) a.setAttribute("aria-current", "page");
      return a;
    }),
  );
  document.getElementById("who-name").textContent = who.name;
  document.getElementById("who-role").textContent = labels.roles[who.role] || who.role;
  document.getElementById("who-role").dataset.role = who.role;
  document.getElementById("who").hidden = false;
  document.getElementById("logout").onclick = logout;
}

// set up a page: logged in, and allowed to use it; shows the Vietnamese refusal otherwise
export async function openPage(permission) {
  let who;
  try {
    who = await session();
  } catch (err) {
    const box = document.getElementById("forbidden");
    box.textContent = err.message;
    box.hidden = false;
    return null;
  }
  if (!who) return null;
  if (permission && !who.permissions.includes(permission)) {
    forbid(who);
    return null;
  }
  document.getElementById("page-body").hidden = false;
  return who;
}

export function forbid(who) {
  const box = document.getElementById("forbidden");
  const role = labels.roles[who.role] || who.role;
  box.replaceChildren(
    `Vai trò “${role}” không được phép xem trang này. `,
    el("a", { href: homeFor(who) }, "Về trang của bạn"),
  );
  box.hidden = false;
  const body = document.getElementById("page-body");
  if (body) body.remove();
}

// the label set (Vietnamese names), fetched once per page
let taxonomyPromise;
export function taxonomy() {
  taxonomyPromise ||= api("/v1/taxonomy").then((t) => ({
    ...t,
    topicName: Object.fromEntries(t.topics.map((x) => [x.id, x.name])),
    typeName: Object.fromEntries(t.letter_types.map((x) => [x.id, x.name])),
    departmentName: Object.fromEntries(t.departments.map((x) => [x.id, x.name])),
  }));
  return taxonomyPromise;
}

// -- DOM helpers -------------------------------------------------------------------------------

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export function option(value, text, selected = false) {
  const o = el("option", { value }, text);
  o.selected = selected;
  return o;
}

export function setStatus(id, text, kind = "") {
  const node = document.getElementById(id);
  node.textContent = text;
  node.className = kind ? `notice ${kind}` : "";
}

const dateFormat = new Intl.DateTimeFormat("vi-VN", { day: "2-digit", month: "2-digit", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat("vi-VN", {
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export function formatDate(iso) {
  return iso ? dateFormat.format(new Date(iso)) : "";
}

export function formatTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

export function percent(x) {
  return `${Math.round(x * 100)}%`;
}

// why a letter needs review, in Vietnamese (the API gives machine-readable English reasons)
export function reasonText(reason, tax) {
  const topic = (id) => (tax && tax.topicName[id]) || id;
  let m = reason.match(/^low_topic_confidence: ([\d.]+) < ([\d.]+)/);
  if (m) return `Lĩnh vực chưa chắc chắn (độ tin cậy ${m[1]} < ${m[2]})`;
  m = reason.match(/^close_topics: (\S+) and (\S+) differ by ([\d.]+)/);
  if (m) return `Hai lĩnh vực sát nhau: ${topic(m[1])} và ${topic(m[2])} (chênh ${m[3]})`;
  m = reason.match(/^low_letter_type_confidence: ([\d.]+) < ([\d.]+)/);
  if (m) return `Loại đơn chưa chắc chắn (độ tin cậy ${m[1]} < ${m[2]})`;
  m = reason.match(/^duplicate_of: letter (\d+) \(similarity ([\d.]+)\)/);
  if (m) return `Có thể trùng đơn số ${m[1]} (giống ${Math.round(Number(m[2]) * 100)}%)`;
  return reason;
}

export function wardName(w) {
  return w.current_unit || w.unit || w.as_written;
}

function fold(s) {
  return s.normalize("NFC").toLocaleLowerCase("vi");
}

// the text with the model's words marked (<mark>), as DOM nodes: terms match case-insensitively
export function highlight(text, terms) {
  const frag = document.createDocumentFragment();
  const folded = fold(text);
  const spans = [];
  for (const term of terms.map((t) => fold(t)).filter(Boolean)) {
    const parts = term.split(/\s+/);
    const pattern = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s_]+");
    // whole words only: not preceded or followed by a letter or digit
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${pattern}(?![\\p{L}\\p{N}])`, "gu");
    for (const m of folded.matchAll(re)) spans.push([m.index, m.index + m[0].length]);
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue;
    frag.append(text.slice(at, start), el("mark", { class: "term" }, text.slice(start, end)));
    at = end;
  }
  frag.append(text.slice(at));
  return frag;
}

export function excerpt(text, terms, size = 360) {
  if (text.length <= size) return text;
  // start near the first explanation word so that it shows
  const folded = fold(text);
  let first = -1;
  for (const t of terms) {
    const i = folded.indexOf(fold(t));
    if (i >= 0 && (first < 0 || i < first)) first = i;
  }
  let start = first > size - 80 ? Math.max(0, first - 80) : 0;
  if (start > 0) {
    const space = text.indexOf(" ", start);
    start = space >= 0 && space < first ? space + 1 : start;
  }
  const end = Math.min(text.length, start + size);
  return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
}

// save a file answered by the API (links cannot carry the key header); the server's file name wins
export async function download(path, filename) {
  const response = await api(path, { raw: true });
  const named = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  if (named) filename = named[1];
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
