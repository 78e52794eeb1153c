// Start page: paste a join link, or go to administration.
import { t, onLangChange } from "../i18n.js";
import { h, langSelect } from "../ui.js";

function render() {
  const input = h("input", { id: "join-link", type: "url", placeholder: "http://…/join?token=…", "aria-label": t("join.paste") });
  document.getElementById("app").replaceChildren(h("main", { class: "splash" },
    h("h1", {}, t("app.name")), h("p", {}, t("app.tagline")),
    h("form", { class: "inline", onsubmit: (e) => {
      e.preventDefault();
      try {
        const u = new URL(input.value.trim(), location.href);
        const token = u.searchParams.get("token") ?? input.value.trim();
        location.href = `/join?token=${encodeURIComponent(token)}`;
      } catch { location.href = `/join?token=${encodeURIComponent(input.value.trim())}`; }
    } }, h("label", {}, t("join.paste"), " ", input), h("button", { type: "submit", class: "primary" }, t("join.go"))),
    h("p", {}, h("a", { href: "/admin" }, t("home.admin"))), langSelect()));
  document.title = t("app.name");
}
onLangChange(render);
render();
