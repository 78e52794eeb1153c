// Hub teacher: camera/mic and screen to the relay, phase timeline and controls, hand-raise queue,
// chat with moderation, polls with per-classroom results, and a panel of every classroom.
import { t } from "../i18n.js";
import { h, header, phasePanel, handsOwnerPanel, chatPanel, pollPanel, classroomName, act, toast } from "../ui.js";
import { VideoPublisher, AudioPublisher, TRACK, webCodecsSupported } from "../media.js";

export function mount(root, ctx) {
  const s = ctx.store.state;
  const targets = [["lesson", t("chat.scope.lesson")], ...(s.lesson?.classrooms ?? []).map((c) => [`classroom:${c.id}`, c.name])];
  root.append(header(ctx), h("main", { class: "layout hub" },
    h("div", { class: "col" }, mediaPanel(ctx), phasePanel(ctx, { controls: true })),
    h("div", { class: "col" }, handsOwnerPanel(ctx), chatPanel(ctx, { moderate: true, targets })),
    h("div", { class: "col" }, classroomsPanel(ctx), pollPanel(ctx, { create: true }))));
}

export function onKeyframeNeeded(ctx, track) {
  if (track === "camera") ctx.media.camera?.requestKeyframe();
  if (track === "screen") ctx.media.screen?.requestKeyframe();
}

function mediaPanel(ctx) {
  const m = ctx.media;
  const preview = h("video", { id: "preview", muted: true, autoplay: true, playsinline: true, "aria-label": t("media.title") });
  const screenPreview = h("video", { id: "screen-preview", muted: true, autoplay: true, playsinline: true, hidden: true });
  const stats = h("div", { class: "muted", id: "send-stats" });
  const camBtn = h("button", { id: "btn-camera", class: "primary" });
  const shareBtn = h("button", { id: "btn-share" });
  const supported = webCodecsSupported();

  function refresh() {
    camBtn.textContent = m.camera ? t("media.stop") : t("media.start");
    shareBtn.textContent = m.screen ? t("media.stopShare") : t("media.share");
    preview.srcObject = m.camStream ?? null;
    screenPreview.srcObject = m.screen?.stream ?? null;
    screenPreview.hidden = !m.screen;
    camBtn.disabled = shareBtn.disabled = !supported;
  }
  camBtn.onclick = async () => {
    if (m.camera) {
      m.camera.stop(); m.audio?.stop(); m.camera = m.audio = m.camStream = null; refresh(); return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } }, audio: true });
      m.camStream = stream;
      m.camera = new VideoPublisher(new MediaStream(stream.getVideoTracks()), { conn: ctx.conn, track: TRACK.camera, fps: 15, bitrate: 500_000 });
      if (stream.getAudioTracks().length) m.audio = new AudioPublisher(new MediaStream(stream.getAudioTracks()), { conn: ctx.conn });
    } catch (e) { toast(`${t("common.error")}: ${e.message}`); }
    refresh();
  };
  shareBtn.onclick = async () => {
    if (m.screen) { m.screen.stop(); m.screen = null; act(ctx.conn.send({ type: "share.stop" })); refresh(); return; }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10 } }, audio: false });
      await ctx.conn.send({ type: "share.start" }).catch(() => {});
      m.screen = new VideoPublisher(stream, { conn: ctx.conn, track: TRACK.screen, fps: 8, bitrate: 900_000, maxWidth: 1920 });
      stream.getVideoTracks()[0].addEventListener("ended", () => { m.screen?.stop(); m.screen = null; refresh(); });
    } catch (e) { toast(`${t("common.error")}: ${e.message}`); }
    refresh();
  };
  ctx.every(1000, () => {
    const parts = [];
    if (m.camera) parts.push(`${t("media.sending")}: ${m.camera.sent} ${t("media.frames")}`);
    if (m.screen) parts.push(`${t("media.screen")}: ${m.screen.sent}`);
    stats.textContent = parts.join(" · ");
    stats.dataset.framesSent = String(m.camera?.sent ?? 0);
    stats.dataset.screenFramesSent = String(m.screen?.sent ?? 0);
  });
  refresh();
  return h("section", { class: "panel media", "aria-label": t("media.title") },
    h("div", { class: "previews" }, preview, screenPreview),
    supported ? null : h("p", { class: "warning" }, t("media.unsupported")),
    h("div", { class: "controls" }, camBtn, shareBtn), stats);
}

function quality(p) {
  if (!p || !p.connected) return "none";
  return p.drops === 0 ? "good" : p.drops <= 2 ? "fair" : "poor";
}

/** Every classroom: screen connected, link quality, drops, the local teacher, who is present. */
function classroomsPanel(ctx) {
  const body = h("div", { class: "classrooms", id: "classrooms" });
  ctx.watch((s) => {
    const parts = s.attendance?.participants ?? [];
    const byId = new Map(parts.map((p) => [p.participant.id, p]));
    const flagged = new Set((s.snapshot?.flagged_classrooms ?? []).map((f) => f.classroom_id));
    body.replaceChildren(...(s.lesson?.classrooms ?? []).map((c) => {
      const screen = byId.get(`screen-${c.id}`);
      const teacher = c.local_teacher_id ? byId.get(c.local_teacher_id) : null;
      const students = parts.filter((p) => p.participant.role === "student" && p.participant.classroom_id === c.id && p.connected);
      const marked = (s.attendance?.roll_call ?? []).filter((r) => r.classroom_id === c.id && r.status === "present" && !students.some((p) => p.participant.id === r.student_id));
      const q = quality(screen);
      return h("article", { class: `classroom-card ${screen?.connected ? "on" : "off"}`, dataset: { classroomId: c.id, screen: screen?.connected ? "connected" : "offline" } },
        h("h3", {}, c.name, h("small", {}, ` · ${c.school_name}`)),
        flagged.has(c.id) ? h("p", { class: "flag" }, t("classes.flagged")) : null,
        h("dl", {},
          h("dt", {}, t("classes.screen")), h("dd", {}, screen?.connected ? `● ${t("classes.connected")}` : `○ ${t("classes.offline")}`),
          h("dt", {}, t("classes.quality")), h("dd", { class: `q-${q}` }, t(`classes.quality.${q}`)),
          h("dt", {}, t("classes.drops")), h("dd", {}, String(screen?.drops ?? 0)),
          h("dt", {}, t("classes.teacher")), h("dd", {}, teacher?.connected ? `● ${teacher.participant.display_name}` : "○"),
          h("dt", {}, t("classes.present")), h("dd", { class: "present-list" },
            [...students.map((p) => p.participant.display_name), ...marked.map((r) => r.student_id)].join(", ") || "—")));
    }));
  });
  return h("section", { class: "panel", "aria-label": t("classes.title") }, h("h2", {}, t("classes.title")), body);
}
void classroomName;
