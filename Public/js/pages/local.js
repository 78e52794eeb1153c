// Local teacher: roll call (present/absent with a reason), raising a hand for a named student,
// classroom chat, local phases (hand over / extend while the lead is local), a poll for the
// classroom, handoff warnings to confirm, and the hand-raise queue while leading.
import { t } from "../i18n.js";
import { h, header, phasePanel, handsOwnerPanel, chatPanel, pollPanel, act, toast } from "../ui.js";

export function mount(root, ctx) {
  const s = ctx.store.state;
  const targets = [["classroom", t("chat.scope.classroom")], ["lesson", t("chat.scope.lesson")]];
  root.append(header(ctx), h("main", { class: "layout local" },
    h("div", { class: "col" }, phasePanel(ctx, { localControls: true }), rollCallPanel(ctx)),
    h("div", { class: "col" }, raiseForPanel(ctx), handsOwnerPanel(ctx), chatPanel(ctx, { moderate: true, targets })),
    h("div", { class: "col" }, pollPanel(ctx, { create: true }))));
  void s;
}

const REASONS = ["none", "technical_problem", "no_internet", "illness", "other"];

function rollCallPanel(ctx) {
  const key = `tirek.roll.${ctx.store.state.lesson?.id}.${ctx.store.state.you?.classroom_id}`;
  ctx.media.extra ??= new Set(JSON.parse(localStorage.getItem(key) || "[]"));
  const body = h("tbody");
  const addInput = h("input", { id: "roll-add-id", type: "text", "aria-label": t("roll.addStudent"), placeholder: t("roll.addStudent") });
  const add = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    const id = addInput.value.trim();
    if (!id) return;
    ctx.media.extra.add(id); localStorage.setItem(key, JSON.stringify([...ctx.media.extra])); addInput.value = ""; ctx.store.notify();
  } }, addInput, h("button", { type: "submit" }, t("roll.add")));

  function mark(id, status, row) {
    const code = row.querySelector("select").value;
    const text = row.querySelector("input[type=text]").value.trim();
    const body = { type: "rollcall.mark", student_id: id, status };
    if (code !== "none") body.reason = code === "other" ? { code, text: text || "—" } : { code, ...(text ? { text } : {}) };
    act(ctx.conn.send(body).then(() => toast(`${id}: ${t("roll." + status)}`, "ok")));
  }

  ctx.watch((s) => {
    const mine = s.you?.classroom_id;
    const a = s.attendance;
    const rows = new Map();
    for (const p of a?.participants ?? []) if (p.participant.role === "student" && p.participant.classroom_id === mine) rows.set(p.participant.id, { name: p.participant.display_name, connected: p.connected, online: p.online_ms });
    for (const r of a?.roll_call ?? []) if (r.classroom_id === mine) rows.set(r.student_id, { ...rows.get(r.student_id), mark: r });
    for (const id of ctx.media.extra) if (!rows.has(id)) rows.set(id, {});
    if (document.activeElement && body.contains(document.activeElement)) return;  // do not disturb typing
    body.replaceChildren(...[...rows.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([id, r]) => {
      const reason = h("select", { "aria-label": t("roll.reason") }, REASONS.map((c) => h("option", { value: c, selected: (r.mark?.reason?.code ?? "none") === c }, t(`roll.reason.${c}`))));
      const row = h("tr", { dataset: { studentId: id } },
        h("td", {}, r.name ?? id, r.connected ? " ●" : ""),
        h("td", {}, r.mark ? t(`roll.${r.mark.status}`) : "—"),
        h("td", {}, reason, h("input", { type: "text", maxlength: 200, "aria-label": t("roll.reasonText"), placeholder: t("roll.reasonText"), value: r.mark?.reason?.text ?? "" })),
        h("td", { class: "actions" },
          h("button", { class: "small primary", onclick: () => mark(id, "present", row) }, t("roll.present")),
          h("button", { class: "small", onclick: () => mark(id, "absent", row) }, t("roll.absent"))));
      return row;
    }));
  });
  return h("section", { class: "panel", "aria-label": t("roll.title") }, h("h2", {}, t("roll.title")),
    h("table", { class: "grid", id: "rollcall" }, h("thead", {}, h("tr", {}, [t("roll.student"), t("roll.status"), t("roll.reason"), ""].map((c) => h("th", {}, c)))), body), add);
}

function raiseForPanel(ctx) {
  const name = h("input", { id: "raise-for-name", type: "text", maxlength: 100, required: true, "aria-label": t("hands.studentName"), placeholder: t("hands.studentName") });
  const q = h("input", { id: "raise-for-question", type: "text", maxlength: 300, "aria-label": t("hands.question"), placeholder: t("hands.question") });
  const mine = h("ul", { class: "mine" });
  ctx.watch((s) => {
    mine.replaceChildren(...s.mine.map((m) => h("li", {}, `${m.subject.name ?? m.subject.participant_id}: ${t("hands.position", { position: m.position, length: m.queue_length })} `,
      h("button", { class: "small", onclick: () => act(ctx.conn.send({ type: "hand.lower", hand_id: m.entry_id })) }, t("hands.lower")))));
  });
  return h("section", { class: "panel", "aria-label": t("hands.raiseFor") }, h("h2", {}, t("hands.raiseFor")),
    h("form", { class: "inline", onsubmit: (e) => {
      e.preventDefault();
      const body = { type: "hand.raise", student_name: name.value.trim() };
      if (q.value.trim()) body.question = q.value.trim();
      act(ctx.conn.send(body).then(() => { name.value = ""; q.value = ""; }));
    } }, name, q, h("button", { type: "submit" }, t("hands.raise"))), mine);
}
