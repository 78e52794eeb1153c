// Classroom screen: the teacher's camera and shared screen full-screen (WebCodecs to canvas, Opus
// to the speakers), phase and countdown, big hand-raise and chat overlays, audio-only and
// low-bandwidth switches. Reconnects by itself; the picture returns at the next keyframe.
import { t } from "../i18n.js";
import { h, langSelect, fmtClock, speakerName, classroomName } from "../ui.js";
import { chatList } from "../store.js";

export function mount(root, ctx) {
  const m = ctx.media;
  m.prefs ??= { audio_only: false, low_bandwidth: false };
  const camera = h("canvas", { id: "camera-canvas", class: "camera", width: 640, height: 360, "aria-label": t("media.title"), dataset: { framesDecoded: ctx.receiver.decodedFrames("camera") } });
  const screen = h("canvas", { id: "screen-canvas", class: "screen", width: 800, height: 600, hidden: true, "aria-label": t("media.screen"), dataset: { framesDecoded: ctx.receiver.decodedFrames("screen") } });
  ctx.receiver.canvases = { camera, screen };
  const waiting = h("div", { class: "waiting", id: "waiting" }, t("media.noPicture"));
  const phase = h("div", { class: "ov-phase", id: "ov-phase" });
  const clock = h("div", { class: "ov-clock", id: "countdown" });
  const floor = h("div", { class: "ov-floor", id: "ov-floor", "aria-live": "assertive" });
  const chat = h("ol", { class: "ov-chat", id: "ov-chat", "aria-live": "polite" });
  const poll = h("div", { class: "ov-poll", id: "ov-poll" });
  const conn = h("span", { class: "pill", id: "conn-status" });

  const toggle = (key, id, label) => h("button", { id, "aria-pressed": String(m.prefs[key]), onclick: (e) => {
    m.prefs[key] = !m.prefs[key];
    e.currentTarget.setAttribute("aria-pressed", String(m.prefs[key]));
    sendPrefs(ctx);
  } }, label);
  const soundBtn = h("button", { id: "btn-sound", class: "primary", onclick: () => ctx.receiver.enableSound() }, t("media.enableSound"));
  ctx.receiver.onAudioState = (st) => { soundBtn.hidden = st === "running"; };
  soundBtn.hidden = ctx.receiver.soundOn;
  const bar = h("nav", { class: "ov-bar", "aria-label": t("media.title") },
    conn, soundBtn, toggle("audio_only", "btn-audio-only", t("media.audioOnly")), toggle("low_bandwidth", "btn-low-bw", t("media.lowBandwidth")),
    h("button", { id: "btn-fullscreen", onclick: () => document.documentElement.requestFullscreen?.().catch(() => {}) }, t("media.fullscreen")), langSelect());
  const stage = h("main", { class: "stage", id: "stage" }, camera, screen, waiting,
    h("div", { class: "ov-top" }, phase, clock), floor, poll, chat, bar);
  root.append(stage);

  ctx.watch((s) => {
    conn.textContent = t(`conn.${s.status}`); conn.dataset.status = s.status;
    const snap = s.snapshot;
    if (snap) {
      phase.replaceChildren(
        h("span", { class: `status-badge ${snap.status}`, id: "lesson-status", dataset: { status: snap.status } }, t(`status.${snap.status}`)),
        snap.phase ? h("strong", { id: "phase-title", dataset: { phaseIndex: snap.phase_index } }, ` ${snap.phase_index + 1}/${snap.phase_count} · ${snap.phase.title}`) : null,
        h("span", { class: "room" }, ` · ${classroomName(s, s.you?.classroom_id)}`));
      stage.dataset.phaseIndex = snap.phase_index ?? "";
    }
    const floors = [...s.floors.values()];
    floor.replaceChildren(...floors.map((f) => h("div", {}, t("hands.speaking", { name: speakerName(s, f) }))));
    floor.hidden = floors.length === 0;
    const msgs = chatList(s).slice(-4);
    chat.replaceChildren(...msgs.map((msg) => h("li", {}, h("b", {}, msg.sender_name, ": "), msg.text)));
    chat.hidden = msgs.length === 0;
    const open = [...s.polls.values()].filter((p) => !p.poll.closed_at).sort((a, b) => b.poll.opened_at - a.poll.opened_at)[0];
    const closed = !open && [...s.polls.values()].filter((p) => p.results).sort((a, b) => (b.poll.closed_at ?? 0) - (a.poll.closed_at ?? 0))[0];
    const shown = open ?? closed;
    poll.hidden = !shown;
    if (shown) poll.replaceChildren(h("div", { class: "q" }, shown.poll.question),
      shown.poll.options?.length ? h("ol", {}, shown.poll.options.map((o, i) => h("li", {}, o, shown.results ? ` — ${shown.results.overall.counts[i]}` : ""))) : null);
  });
  ctx.every(250, () => {
    const snap = ctx.store.state.snapshot;
    let rem = null;
    if (snap?.status === "running") rem = snap.planned_end - ctx.conn.serverNow();
    else if (snap?.status === "paused") rem = snap.remaining_ms;
    else if (snap && (snap.status === "lobby" || snap.status === "scheduled")) rem = snap.scheduled_start - ctx.conn.serverNow();
    clock.textContent = rem == null ? "" : fmtClock(rem);
    const camLive = ctx.receiver.live("camera") || ctx.receiver.live("camera_low");
    const screenLive = ctx.receiver.live("screen", 4000);
    screen.hidden = !screenLive || m.prefs.audio_only;
    camera.hidden = m.prefs.audio_only;
    stage.classList.toggle("with-screen", screenLive && !m.prefs.audio_only);
    waiting.hidden = camLive || screenLive || m.prefs.audio_only;
    waiting.textContent = m.prefs.audio_only ? "" : t("media.noPicture");
    stage.dataset.framesDecoded = String(ctx.receiver.decodedFrames("camera") + ctx.receiver.decodedFrames("camera_low"));
    stage.dataset.screenFramesDecoded = String(ctx.receiver.decodedFrames("screen"));
    stage.dataset.audioFrames = String(ctx.receiver.audioFrames);
  });
}

function sendPrefs(ctx) {
  ctx.conn.send({ type: "media.prefs", ...ctx.media.prefs }).catch(() => {});
}

/** After a reconnect the server has default preferences again: restore ours. */
export function onWelcome(ctx) {
  if (ctx.media.prefs?.audio_only || ctx.media.prefs?.low_bandwidth) sendPrefs(ctx);
}
