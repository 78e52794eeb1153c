// Observer, administrator or assistant joining by link: watch the lesson read-only, with the live attendance.
import { t } from "../i18n.js";
import { h, header, phasePanel, chatPanel, pollPanel, attendancePanel } from "../ui.js";

export function mount(root, ctx) {
  const camera = h("canvas", { id: "camera-canvas", class: "camera", width: 640, height: 360 });
  const screen = h("canvas", { id: "screen-canvas", class: "screen", width: 800, height: 600 });
  ctx.receiver.canvases = { camera, screen };
  const readOnly = ctx.store.state.you?.role === "observer";
  root.append(header(ctx), h("main", { class: "layout observer" },
    h("div", { class: "col wide" }, h("section", { class: "panel video", "aria-label": t("media.title") }, h("div", { class: "screenbox" }, camera, screen)), phasePanel(ctx)),
    h("div", { class: "col" }, attendancePanel(ctx), pollPanel(ctx, {})),
    h("div", { class: "col" }, readOnly ? chatReadOnly(ctx) : chatPanel(ctx))));
}

function chatReadOnly(ctx) {
  const panel = chatPanel(ctx);
  panel.querySelector("form")?.remove();
  return panel;
}
