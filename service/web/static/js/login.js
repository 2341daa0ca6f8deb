// Log in with an API key: checked against /v1/me, then kept in sessionStorage for this tab only.
import { api, homeFor, root, saveLogin } from "./app.js";

const form = document.getElementById("login-form");
const input = document.getElementById("api-key");
const error = document.getElementById("login-error");

function nextPage(who) {
  const next = new URLSearchParams(location.search).get("next");
  // only a page of this site, never another origin
  if (next && next.startsWith("/ui/") && !next.startsWith("//")) return root + next;
  return homeFor(who);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const key = input.value.trim();
  if (!key) {
    error.textContent = "Vui lòng nhập khóa API.";
    error.hidden = false;
    input.focus();
    return;
  }
  try {
    const who = await api("/v1/me", { key });
    saveLogin(key, who);
    location.assign(nextPage(who));
  } catch (err) {
    error.textContent = err.status === 401 ? "Khóa API không đúng hoặc đã bị thu hồi." : err.message;
    error.hidden = false;
    input.select();
  }
});
input.focus();
