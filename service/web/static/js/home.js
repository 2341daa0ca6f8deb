// /ui/: send the user to the first page their role may use (or to the login page).
import { homeFor, session } from "./app.js";

const who = await session();
if (who) {
  const target = homeFor(who);
  if (target.endsWith("/ui/")) {
    document.getElementById("home-status").textContent = "Vai trò của bạn không có trang nào để xem.";
  } else {
    location.replace(target);
  }
}
