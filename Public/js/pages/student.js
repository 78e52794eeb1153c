// Student: watch the lesson, raise/lower a hand with the queue position, chat (lesson, classroom,
// private to a teacher), answer polls.
import { t } from "../i18n.js";
import { h, header, phasePanel, chatPanel, pollPanel, act } from "../ui.js";

export function mount(root, ctx) {
  const s = ctx.store.state;
  const you = s.you;
  const room = s.lesson?.classrooms?.find((c) => c.id === you.classroom_id);
  const targets = [["lesson", t("chat.scope.lesson")]];
  if (room) targets.push(["classroom", t("chat.scope.classroom")]);
  if (s.lesson?.hub_teacher) targets.push([`private:${s.lesson.hub_teacher.id}`, `${t("chat.scope.private")}: ${s.lesson.hub_teacher.display_name}`]);
  if (room?.local_teacher_id) targets.push([`private:${room.local_teacher_id}`, `${t("chat.scope.private")}: ${t("role.local_teacher")}`]);
  root.append(header(ctx), h("main", { class: "layout student" },
    h("div", { class: "col wide" }, videoPanel(ctx), phasePanel(ctx)),
    h("div", { class: "col" }, handPanel(ctx), pollPanel(ctx, { answer: true }), chatPanel(ctx, { targets }))));
}

function videoPanel(ctx) {
  const camera = h("canvas", { id: "camera-canvas", class: "camera", width: 640, height: 360 });
  const screen = h("canvas", { id: "screen-canvas", class: "screen", width: 800, height: 600, hidden: true });
  ctx.receiver.canvases = { camera, screen };
  const waiting = h("div", { class: "waiting" }, t("media.noPicture"));
  const sound = h("button", { id: "btn-sound", onclick: () => ctx.receiver.enableSound() }, t("media.enableSound"));
  ctx.receiver.onAudioState = (st) => { sound.hidden = st === "running"; };
  sound.hidden = ctx.receiver.soundOn;
  const box = h("section", { class: "panel video", "aria-label": t("media.title") }, h("div", { class: "screenbox" }, camera, screen, waiting), sound);
  ctx.every(500, () => {
    const cam = ctx.receiver.live("camera"), scr = ctx.receiver.live("screen", 4000);
    waiting.hidden = cam || scr;
    screen.hidden = !scr;
    box.dataset.framesDecoded = String(ctx.receiver.decodedFrames("camera"));
  });
  return box;
}

function handPanel(ctx) {
  const question = h("input", { id: "hand-question", type: "text", maxlength: 300, placeholder: t("hands.question"), "aria-label": t("hands.question") });
  const raise = h("button", { id: "btn-raise", class: "primary big", onclick: () => act(ctx.conn.send({ type: "hand.raise", ...(question.value.trim() ? { question: question.value.trim() } : {}) })) }, t("hands.raise"));
  const lower = h("button", { id: "btn-lower", class: "big", onclick: () => act(ctx.conn.send({ type: "hand.lower" })) }, t("hands.lower"));
  const pos = h("p", { class: "position", id: "hand-position", role: "status", "aria-live": "polite" });
  const floor = h("p", { class: "speaking", id: "floor-me" });
  const finish = h("button", { id: "btn-finish", onclick: () => act(ctx.conn.send({ type: "floor.end" })) }, t("hands.finish"));
  ctx.watch((s) => {
    const mine = s.mine[0];
    pos.textContent = mine ? t("hands.position", { position: mine.position, length: mine.queue_length }) : "";
    pos.dataset.position = mine?.position ?? "";
    raise.hidden = !!mine; lower.hidden = !mine;
    const myFloor = [...s.floors.values()].find((f) => f.speaker === s.you?.id);
    floor.textContent = myFloor ? t("hands.floor") : "";
    finish.hidden = !myFloor;
  });
  return h("section", { class: "panel", "aria-label": t("hands.title") }, h("h2", {}, t("hands.title")), question, raise, lower, pos, floor, finish);
}
