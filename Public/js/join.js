// /join?token=…: opens the lesson WebSocket and shows the page for the role in `welcome`.
import { Connection } from "./connection.js";
import { createStore } from "./store.js";
import { MediaReceiver } from "./media.js";
import { t, onLangChange } from "./i18n.js";
import { h, langSelect } from "./ui.js";

const pages = {
  hub_teacher: () => import("./pages/hub.js"),
  classroom: () => import("./pages/classroom.js"),
  local_teacher: () => import("./pages/local.js"),
  student: () => import("./pages/student.js"),
  observer: () => import("./pages/observer.js"),
  admin: () => import("./pages/observer.js"),
  assistant: () => import("./pages/observer.js"),
};

const root = document.getElementById("app");
const params = new URLSearchParams(location.search);
const token = params.get("token");

function splash(text, extra) {
  root.replaceChildren(h("main", { class: "splash" }, h("h1", {}, t("app.name")), h("p", { id: "splash-text" }, text), extra, langSelect()));
}

if (!token) {
  splash(t("join.notoken"));
} else {
  splash(t("conn.connecting"));
  const wsURL = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/ws?token=${encodeURIComponent(token)}`;
  const store = createStore();
  let page = null, role = null;
  const cleanups = [];
  const ctx = {
    store,
    media: {},       // what a page keeps across re-renders (publishers, streams)
    watch(fn) { cleanups.push(store.subscribe(fn)); },
    every(ms, fn) { const id = setInterval(fn, ms); cleanups.push(() => clearInterval(id)); fn(); },
    remount,
  };
  const conn = new Connection(wsURL, {
    onMessage: (m) => {
      if (m.type === "welcome") {
        ctx.receiver?.reset();
        store.apply(m);
        if (m.you.role !== role) { role = m.you.role; load(); } else page?.onWelcome?.(ctx, m);
        return;
      }
      if (m.type === "media.keyframe_needed") { page?.onKeyframeNeeded?.(ctx, m.track); return; }
      if (m.type === "error" && !m.id) console.warn("server error", m);
      store.apply(m);
      page?.onMessage?.(ctx, m);
    },
    onBinary: (buf) => ctx.receiver?.handle(buf),
    onStatus: (s, info) => {
      store.setStatus(s, info);
      if (s === "refused") splash(t("conn.refused"), h("p", { class: "muted" }, String(info ?? "")));
      if (s === "removed") splash(t("conn.removed"));
    },
  });
  ctx.conn = conn;
  ctx.receiver = new MediaReceiver({ conn });
  window.tirek = ctx;  // for the browser tests and debugging

  async function load() {
    const loader = pages[role] ?? pages.observer;
    page = await loader();
    remount();
  }

  function remount() {
    while (cleanups.length) cleanups.pop()();
    root.replaceChildren();
    document.body.dataset.role = role;
    page.mount(root, ctx);
    document.title = `${t("app.name")} — ${t("role." + role)}`;
  }

  onLangChange(() => { if (page) remount(); else splash(t("conn.connecting")); });
  conn.start();
}
