// DOM helpers and the widgets pages share: header, phase timeline and countdown, lesson controls,
// hand-raise queue, chat, polls, attendance. Every string comes from i18n.
import { t, languages, lang, setLang } from "./i18n.js";
import { chatList, currentScope, scopeKey } from "./store.js";

/** h("div", {class: "x", onclick}, child…): builds an element. Strings become text nodes (no HTML injection). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function fmtClock(ms) {
  if (ms == null || !isFinite(ms)) return "--:--";
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60), r = s % 60;
  return `${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
}
export function fmtTime(instant) {
  return new Date(instant).toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit" });
}

let toastBox;
export function toast(text, kind = "error") {
  toastBox ??= document.body.appendChild(h("div", { class: "toasts", role: "status", "aria-live": "polite" }));
  const el = h("div", { class: `toast ${kind}` }, text);
  toastBox.append(el);
  setTimeout(() => el.remove(), 5000);
}

/** Runs a request; shows a refusal as a toast. */
export async function act(promise) {
  try { return await promise; } catch (e) { toast(`${t("common.error")}: ${e.message}`); return null; }
}

export function langSelect() {
  return h("label", { class: "lang" }, h("span", { class: "sr-only" }, t("lang.label")),
    h("select", { "aria-label": t("lang.label"), id: "lang-select", onchange: (e) => setLang(e.target.value) },
      languages.map(([code, name]) => h("option", { value: code, selected: code === lang() }, name))));
}

export function nameOf(state, id) {
  if (!id) return "";
  if (state.you?.id === id) return state.you.display_name;
  const o = state.online.get(id)?.participant ?? state.attendance?.participants?.find((p) => p.participant.id === id)?.participant;
  if (o) return o.display_name;
  if (state.lesson?.hub_teacher?.id === id) return state.lesson.hub_teacher.display_name;
  return id;
}

/** Who holds a floor, for people: a named student, a participant we can see, or "student · classroom". */
export function speakerName(state, floor) {
  const subject = floor.entry?.subject;
  if (subject?.kind === "named") return subject.name;
  const name = nameOf(state, floor.speaker);
  if (name !== floor.speaker) return name;
  const room = floor.entry?.classroom_id;
  return room ? `${t("role.student")} · ${classroomName(state, room)}` : t("role.student");
}

export function classroomName(state, id) {
  return state.lesson?.classrooms?.find((c) => c.id === id)?.name ?? id ?? "";
}

/** Header: lesson, who you are, connection state, language. */
export function header(ctx) {
  const status = h("span", { class: "pill", id: "conn-status", role: "status", "aria-live": "polite" });
  const el = h("header", { class: "top" },
    h("div", { class: "brand" }, t("app.name")),
    h("div", { class: "lesson-title", id: "lesson-title" }),
    h("div", { class: "who", id: "who" }),
    status, langSelect());
  ctx.watch((s) => {
    el.querySelector("#lesson-title").textContent = s.lesson ? `${s.lesson.subject} · ${s.lesson.topic}` : "";
    el.querySelector("#who").textContent = s.you ? `${s.you.display_name} — ${t("role." + s.you.role)}${s.you.classroom_id ? " · " + classroomName(s, s.you.classroom_id) : ""}` : "";
    status.textContent = t(`conn.${s.status}`);
    status.dataset.status = s.status;
  });
  return el;
}

/** Phase timeline, status, countdown; `controls` adds start/hand over/extend/pause/resume/end. */
export function phasePanel(ctx, { controls = false, localControls = false } = {}) {
  const timeline = h("ol", { class: "timeline", "aria-label": t("phase.label") });
  const countdown = h("div", { class: "countdown", id: "countdown", "aria-live": "off" });
  const statusEl = h("div", { class: "phase-status", id: "phase-status" });
  const nextEl = h("div", { class: "phase-next", id: "phase-next" });
  const warn = h("div", { class: "warning", id: "handoff-warning", hidden: true, role: "alert" });
  const minutes = h("select", { "aria-label": t("ctl.minutes"), id: "extend-minutes" }, [1, 2, 5, 10].map((m) => h("option", { value: m, selected: m === 5 }, `+${m} ${t("ctl.minutes")}`)));
  const cmd = (type, extra = {}) => () => {
    const s = ctx.store.state.snapshot;
    const body = { type, ...extra };
    if (["lesson.hand_over", "lesson.extend"].includes(type) && s?.phase_index != null) body.phase = s.phase_index;
    if (type === "lesson.extend") body.minutes = Number(minutes.value);
    if (type === "lesson.end" && !window.tirekNoConfirm && !confirm(t("ctl.confirmEnd"))) return;
    act(ctx.conn.send(body));
  };
  const btn = {
    start: h("button", { id: "btn-start", class: "primary", onclick: cmd("lesson.start") }, t("ctl.start")),
    handOver: h("button", { id: "btn-handover", onclick: cmd("lesson.hand_over") }, t("ctl.handOver")),
    extend: h("button", { id: "btn-extend", onclick: cmd("lesson.extend") }, t("ctl.extend")),
    pause: h("button", { id: "btn-pause", onclick: cmd("lesson.pause") }, t("ctl.pause")),
    resume: h("button", { id: "btn-resume", onclick: cmd("lesson.resume") }, t("ctl.resume")),
    end: h("button", { id: "btn-end", class: "danger", onclick: cmd("lesson.end") }, t("ctl.end")),
  };
  const ctl = controls || localControls ? h("div", { class: "controls", role: "group", "aria-label": t("phase.label") },
    controls ? [btn.start, btn.handOver, minutes, btn.extend, btn.pause, btn.resume, btn.end] : [btn.start, btn.handOver, minutes, btn.extend]) : null;
  const el = h("section", { class: "panel phase", "aria-label": t("phase.label") },
    h("div", { class: "phase-head" }, statusEl, countdown), timeline, nextEl, warn, ctl);

  const confirmBtn = h("button", { class: "small", onclick: () => { confirmBtn.textContent = t("warn.confirmed"); confirmBtn.disabled = true; } }, t("warn.confirm"));
  ctx.watch((s) => {
    const snap = s.snapshot;
    if (!snap) return;
    const st = snap.status;
    statusEl.replaceChildren(
      h("span", { class: `status-badge ${st}`, id: "lesson-status", dataset: { status: st } }, t(`status.${st}`)),
      snap.phase ? h("strong", { id: "phase-title", dataset: { phaseIndex: snap.phase_index } }, ` ${snap.phase_index + 1}/${snap.phase_count} · ${snap.phase.title}`) : null,
      snap.lead ? h("span", { class: "lead" }, ` · ${t("lead." + snap.lead)}`) : null);
    el.dataset.phaseIndex = snap.phase_index ?? "";
    el.dataset.status = st;
    timeline.replaceChildren(...Array.from({ length: snap.phase_count }, (_, i) => h("li", {
      class: i === snap.phase_index ? "current" : (snap.phase_index != null && i < snap.phase_index) || st === "ended" ? "done" : "",
      "aria-current": i === snap.phase_index ? "step" : null,
    }, `${i + 1}. ${s.phaseTitles.get(i) ?? ""}`)));
    const p = snap.pending_handoff;
    nextEl.textContent = p && st !== "ended" ? `${t("phase.next")}: ${p.ends_lesson ? t("phase.end") : (p.next_phase?.title ?? "")}${p.at ? " · " + fmtTime(p.at) : ""}` : "";
    const local = snap.lead === "local";
    const mayLocal = localControls && local;
    btn.start.disabled = st !== "lobby" && st !== "scheduled";
    btn.handOver.disabled = st !== "running" || (localControls && !controls && !local);
    btn.extend.disabled = btn.handOver.disabled; minutes.disabled = btn.handOver.disabled;
    btn.pause.disabled = st !== "running";
    btn.resume.disabled = st !== "paused";
    btn.end.disabled = st === "ended";
    btn.pause.hidden = st === "paused"; btn.resume.hidden = st !== "paused";
    void mayLocal;
    const w = s.warning;
    if (w && st === "running" && w.phase_index === snap.phase_index) {
      warn.hidden = false;
      warn.replaceChildren(h("span", { id: "warn-text" }), " ", localControls ? confirmBtn : null);
    } else warn.hidden = true;
  });
  ctx.every(500, () => {
    const snap = ctx.store.state.snapshot;
    if (!snap) return;
    let remaining = null;
    if (snap.status === "running" && snap.planned_end) remaining = snap.planned_end - ctx.conn.serverNow();
    else if (snap.status === "paused") remaining = snap.remaining_ms;
    else if (snap.status === "lobby" || snap.status === "scheduled") remaining = snap.scheduled_start - ctx.conn.serverNow();
    countdown.textContent = remaining == null ? "" : fmtClock(remaining);
    countdown.title = t("phase.remaining");
    const w = ctx.store.state.warning;
    const wt = el.querySelector("#warn-text");
    if (w && wt) wt.textContent = t("warn.handoff", { time: fmtClock(w.handoff_at - ctx.conn.serverNow()), next: w.next_phase_id ?? t("phase.end") });
  });
  return el;
}

/** The queue of raised hands for its owner (hub teacher, or a local teacher under a local lead). */
export function handsOwnerPanel(ctx) {
  const list = h("ol", { class: "hands", id: "hand-queue", "aria-live": "polite" });
  const floor = h("div", { class: "floor", id: "floor" });
  const dismissAll = h("button", { class: "small", onclick: () => act(ctx.conn.send({ type: "hand.dismiss_all" })) }, t("hands.dismissAll"));
  const el = h("section", { class: "panel", "aria-label": t("hands.title") }, h("h2", {}, t("hands.title"), " ", dismissAll), floor, list);
  ctx.watch((s) => {
    const q = [...s.queues.values()].flatMap((v) => v.entries.map((e) => ({ ...e })));
    list.replaceChildren(...(q.length ? q.map((e, i) => h("li", { class: "hand", dataset: { handId: e.id } },
      h("span", { class: "who" }, `${i + 1}. ${e.subject.kind === "named" ? e.subject.name : nameOf(s, e.subject.participant_id)}`,
        e.classroom_id ? h("small", {}, ` · ${classroomName(s, e.classroom_id)}`) : null),
      e.question ? h("q", {}, e.question) : null,
      h("span", { class: "actions" },
        h("button", { class: "small primary", onclick: () => act(ctx.conn.send({ type: "floor.grant", hand_id: e.id })) }, t("hands.grant")),
        h("button", { class: "small", onclick: () => act(ctx.conn.send({ type: "hand.dismiss", hand_id: e.id })) }, t("hands.dismiss")))))
      : [h("li", { class: "empty" }, t("hands.empty"))]));
    dismissAll.disabled = q.length === 0;
    const floors = [...s.floors.values()];
    floor.replaceChildren(...floors.map((f) => h("div", { class: "speaking" },
      t("hands.speaking", { name: speakerName(s, f) }), " ",
      h("button", { class: "small", onclick: () => act(ctx.conn.send({ type: "floor.end" })) }, t("hands.takeBack")))));
  });
  return el;
}

/** Chat: messages of the scopes you follow, a composer with a scope choice, moderation for teachers. */
export function chatPanel(ctx, { moderate = false, targets = [["lesson", t("chat.scope.lesson")]] } = {}) {
  const list = h("ol", { class: "chat", id: "chat-list", "aria-live": "polite" });
  const input = h("input", { id: "chat-input", type: "text", maxlength: 1000, placeholder: t("chat.placeholder"), "aria-label": t("chat.placeholder") });
  const scopeSel = h("select", { id: "chat-scope", "aria-label": t("chat.scope") }, targets.map(([v, label]) => h("option", { value: v }, label)));
  const lockBtn = moderate ? h("button", { class: "small", id: "chat-lock", onclick: () => {
    const locked = [...ctx.store.state.locks.values()].some((l) => l.locked);
    act(ctx.conn.send({ type: "chat.lock", locked: !locked }));
  } }, t("chat.lock")) : null;
  const info = h("div", { class: "chat-info", role: "status" });
  const form = h("form", { class: "composer", onsubmit: (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const [scope, target] = scopeSel.value.split(/:(.*)/s);
    const body = { type: "chat.send", scope, text };
    if (scope === "private") body.to = target;
    if (scope === "classroom" && target) body.classroom_id = target;
    act(ctx.conn.send(body).then(() => { input.value = ""; }));
  } }, targets.length > 1 ? h("label", { class: "scope" }, t("chat.scope"), " ", scopeSel) : null, input, h("button", { type: "submit", id: "chat-send" }, t("chat.send")));
  const el = h("section", { class: "panel chat-panel", "aria-label": t("chat.title") }, h("h2", {}, t("chat.title"), " ", lockBtn), info, list, form);
  ctx.watch((s) => {
    const msgs = chatList(s).slice(-100);
    list.replaceChildren(...(msgs.length ? msgs.map((m) => h("li", { class: `msg ${m.sender_id === s.you?.id ? "mine" : ""} ${m.scope.kind}`, dataset: { messageId: m.id } },
      h("span", { class: "from" }, m.sender_name, m.scope.kind !== "lesson" ? h("small", {}, ` → ${m.scope.kind === "classroom" ? classroomName(s, m.scope.classroom_id) : t("chat.scope.private")}`) : null, ": "),
      h("span", { class: "text" }, m.text),
      moderate || m.sender_id === s.you?.id ? h("span", { class: "actions" },
        h("button", { class: "link", title: t("chat.delete"), "aria-label": t("chat.delete"), onclick: () => act(ctx.conn.send({ type: "chat.delete", message_id: m.id })) }, "✕"),
        moderate && !["hub_teacher", "local_teacher"].includes(m.sender_role) ? h("button", { class: "link", onclick: () => act(ctx.conn.send({ type: "chat.mute", participant_id: m.sender_id, seconds: 300 })) }, t("chat.mute")) : null) : null))
      : [h("li", { class: "empty" }, t("chat.empty"))]));
    list.scrollTop = list.scrollHeight;
    const locked = [...s.locks.values()].some((l) => l.locked);
    if (lockBtn) lockBtn.textContent = locked ? t("chat.unlock") : t("chat.lock");
    info.textContent = s.mute?.until ? t("chat.muted", { time: fmtTime(s.mute.until) }) : locked ? t("chat.locked") : "";
  });
  return el;
}

function bars(counts, options, total) {
  return h("ul", { class: "bars" }, counts.map((c, i) => h("li", {},
    h("span", { class: "label" }, options?.[i] ?? String(i + 1)),
    h("span", { class: "bar", style: `--w:${total ? Math.round(100 * c / total) : 0}%` }),
    h("span", { class: "count" }, String(c)))));
}

/** Polls: a creator (teachers), the list with answer forms (students) and results. */
export function pollPanel(ctx, { create = false, answer = false } = {}) {
  const list = h("div", { class: "polls", id: "poll-list" });
  let creator = null;
  if (create) {
    const q = h("input", { id: "poll-question", type: "text", maxlength: 300, "aria-label": t("poll.question"), placeholder: t("poll.question") });
    const kind = h("select", { id: "poll-kind", "aria-label": t("poll.kind") }, ["single_choice", "multiple_choice", "scale"].map((k) => h("option", { value: k }, t(`poll.kind.${k}`))));
    const opts = h("textarea", { id: "poll-options", rows: 3, "aria-label": t("poll.options"), placeholder: t("poll.options") });
    creator = h("form", { class: "poll-create", onsubmit: (e) => {
      e.preventDefault();
      const body = { type: "poll.start", kind: kind.value, question: q.value.trim() };
      if (kind.value !== "scale") body.options = opts.value.split("\n").map((x) => x.trim()).filter(Boolean);
      act(ctx.conn.send(body).then(() => { q.value = ""; opts.value = ""; }));
    } }, q, kind, opts, h("button", { type: "submit", id: "poll-start" }, t("poll.start")));
  }
  const el = h("section", { class: "panel", "aria-label": t("poll.title") }, h("h2", {}, t("poll.title")), creator, list);
  const answered = new Set();
  ctx.watch((s) => {
    const polls = [...s.polls.values()].sort((a, b) => b.poll.opened_at - a.poll.opened_at);
    list.replaceChildren(...(polls.length ? polls.map(({ poll, results }) => {
      const open = !poll.closed_at;
      const card = h("article", { class: `poll ${open ? "open" : "closed"}`, dataset: { pollId: poll.id } },
        h("h3", {}, poll.question, " ", h("small", {}, open ? t("poll.open") : t("poll.closed"))));
      if (answer && open) {
        const form = h("form", { class: "poll-answer", onsubmit: (e) => {
          e.preventDefault();
          let choice;
          if (poll.kind === "scale") choice = { value: Number(form.querySelector("[name=v]").value) };
          else choice = { options: [...form.querySelectorAll("input:checked")].map((i) => Number(i.value)) };
          act(ctx.conn.send({ type: "poll.answer", poll_id: poll.id, choice }).then(() => { answered.add(poll.id); ctx.store.notify(); }));
        } });
        if (poll.kind === "scale") form.append(h("label", {}, "1–10 ", h("input", { name: "v", type: "number", min: 1, max: 10, value: 5 })));
        else form.append(...poll.options.map((o, i) => h("label", { class: "option" }, h("input", { type: poll.kind === "single_choice" ? "radio" : "checkbox", name: "o", value: i }), " ", o)));
        form.append(h("button", { type: "submit", class: "primary" }, answered.has(poll.id) ? t("poll.answered") + " ✓" : t("poll.answer")));
        card.append(form);
      }
      if (results) {
        const overall = results.overall;
        card.append(h("div", { class: "results" }, h("div", {}, t("poll.respondents", { n: overall.respondents }),
          overall.mean != null ? ` · ⌀ ${overall.mean.toFixed(1)}` : ""), bars(overall.counts, poll.options, overall.respondents),
          (results.classrooms || []).length > 1 || create ? h("details", { open: true }, h("summary", {}, t("classes.title")),
            (results.classrooms || []).map((c) => h("div", { class: "class-result" }, h("strong", {}, classroomName(s, c.classroom_id) || "—"), " ",
              t("poll.respondents", { n: c.counts.respondents }), bars(c.counts.counts, poll.options, c.counts.respondents)))) : null));
      } else if (!create) card.append(h("p", { class: "muted" }, t("poll.hidden")));
      if (create && open) card.append(h("button", { class: "small", onclick: () => act(ctx.conn.send({ type: "poll.close", poll_id: poll.id })) }, t("poll.close")));
      return card;
    }) : [h("p", { class: "muted" }, t("poll.none"))]));
  });
  return el;
}

/** Live attendance: who is connected, drops, online minutes. */
export function attendancePanel(ctx) {
  const body = h("tbody");
  const el = h("section", { class: "panel", "aria-label": t("att.live") }, h("h2", {}, t("att.live")),
    h("table", { class: "grid", id: "attendance-live" }, h("thead", {}, h("tr", {}, [t("att.name"), t("att.role"), t("att.classroom"), t("att.connected"), t("att.drops"), t("att.online")].map((c) => h("th", {}, c)))), body));
  ctx.watch((s) => {
    const a = s.attendance;
    if (!a) return;
    body.replaceChildren(...a.participants.map((p) => h("tr", { class: p.connected ? "on" : "off" },
      h("td", {}, p.participant.display_name), h("td", {}, t("role." + p.participant.role)), h("td", {}, classroomName(s, p.participant.classroom_id)),
      h("td", {}, p.connected ? "●" : "○"), h("td", {}, String(p.drops)), h("td", {}, (p.online_ms / 60000).toFixed(1)))));
  });
  return el;
}

export { currentScope, scopeKey };
