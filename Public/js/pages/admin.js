// Administration (admin.html): schedule lessons and rosters, join links, live overview, attendance
// reports with an SVG chart per school and CSV downloads. Uses the admin API with the admin key,
// entered once and kept in sessionStorage (this tab only). Protocols/http-api.md.
import { t, onLangChange } from "../i18n.js";
import { h, langSelect, toast, fmtTime } from "../ui.js";

const KEY = "tirek.adminKey";
const app = document.getElementById("app");
const params = new URLSearchParams(location.search);
let tab = location.hash.slice(1) || "lessons";
let selectedLesson = params.get("lesson") || sessionStorage.getItem("tirek.adminLesson") || "";
let liveTimer = null;

async function api(path, { method = "GET", body, raw = false } = {}) {
  const r = await fetch(path, {
    method, headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ""}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (r.status === 401) { sessionStorage.removeItem(KEY); render(); throw new Error(t("admin.badKey")); }
  if (!r.ok) { const j = await r.json().catch(() => null); throw new Error(j?.error?.message ?? `${r.status}`); }
  if (raw) return r;
  return r.status === 204 ? null : r.json();
}

async function download(path, filename) {
  try {
    const r = await api(path, { raw: true });
    const blob = await r.blob();
    const a = h("a", { href: URL.createObjectURL(blob), download: filename });
    document.body.append(a); a.click(); a.remove();
  } catch (e) { toast(e.message); }
}

function signIn() {
  const input = h("input", { id: "admin-key", type: "password", autocomplete: "current-password", "aria-label": t("admin.key"), required: true });
  app.replaceChildren(h("main", { class: "splash" }, h("h1", {}, `${t("app.name")} — ${t("admin.title")}`),
    h("form", { class: "inline", id: "admin-login", onsubmit: async (e) => {
      e.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      try { await api("/v1/schools"); render(); } catch (err) { toast(err.message); }
    } }, h("label", {}, t("admin.key"), " ", input), h("button", { type: "submit", class: "primary", id: "admin-signin" }, t("admin.signIn"))),
    h("p", { class: "muted" }, t("admin.keyHint")), langSelect()));
  input.focus();
}

const TABS = ["lessons", "roster", "live", "attendance", "reports"];

function render() {
  clearInterval(liveTimer);
  if (!sessionStorage.getItem(KEY)) { signIn(); return; }
  const main = h("main", { class: "admin-main", id: "admin-main" });
  app.replaceChildren(
    h("header", { class: "top" }, h("div", { class: "brand" }, t("app.name")), h("div", { class: "lesson-title" }, t("admin.title")),
      langSelect(), h("button", { class: "small", onclick: () => { sessionStorage.removeItem(KEY); render(); } }, t("admin.signOut"))),
    h("nav", { class: "admin-tabs", role: "tablist" }, TABS.map((name) => h("button", { role: "tab", id: `tab-${name}`, "aria-selected": String(name === tab),
      onclick: () => { tab = name; history.replaceState(null, "", `${location.pathname}${location.search}#${name}`); render(); } }, t(`admin.tab.${name}`)))),
    main);
  document.title = `${t("app.name")} — ${t("admin.title")}`;
  ({ lessons: lessonsTab, roster: rosterTab, live: liveTab, attendance: attendanceTab, reports: reportsTab })[tab](main).catch((e) => toast(e.message));
}

function table(headers, rows, attrs = {}) {
  return h("table", { class: "grid", ...attrs }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, t("admin.none")))));
}

function field(label, input) { return [h("label", { for: input.id }, label), input]; }

async function lessonPicker(onPick) {
  const lessons = await api("/v1/lessons");
  if (!selectedLesson && lessons.length) selectedLesson = lessons[lessons.length - 1].id;
  const sel = h("select", { id: "lesson-select", "aria-label": t("admin.lesson"), onchange: () => { selectedLesson = sel.value; sessionStorage.setItem("tirek.adminLesson", selectedLesson); onPick(selectedLesson); } },
    lessons.map((l) => h("option", { value: l.id, selected: l.id === selectedLesson }, `${l.id} · ${l.subject} · ${l.topic} · ${new Date(l.scheduled_start).toLocaleString()}`)));
  return sel;
}

// --- Lessons: list, schedule, links ---
async function lessonsTab(main) {
  const [lessons, allTeachers, classrooms, guests, schools] = await Promise.all([api("/v1/lessons"), api("/v1/teachers"), api("/v1/classrooms"), api("/v1/guests"), api("/v1/schools")]);
  // Hub schools' teachers first: they are the ones who teach lessons.
  const hubSchools = new Set(schools.filter((x) => x.kind === "hub").map((x) => x.id));
  const teachers = [...allTeachers].sort((a, b) => Number(hubSchools.has(b.school_id)) - Number(hubSchools.has(a.school_id)));
  const linksBox = h("section", { class: "panel links", id: "links" });
  async function showLinks(id) {
    const { links } = await api(`/v1/lessons/${encodeURIComponent(id)}/links`);
    linksBox.replaceChildren(h("h2", {}, `${t("admin.links")} — ${id}`), h("p", { class: "muted" }, t("admin.qrNote")),
      table([t("att.name"), t("att.role"), t("att.classroom"), "URL", t("admin.expires"), ""], links.map((l) => h("tr", {},
        h("td", {}, l.participant.display_name), h("td", {}, t("role." + l.participant.role)), h("td", {}, l.participant.classroom_id ?? ""),
        h("td", { class: "url" }, h("a", { href: l.url, target: "_blank", rel: "noopener" }, l.url)),
        h("td", {}, new Date(l.expires * 1000).toLocaleString()),
        h("td", {}, h("button", { class: "small", onclick: async (e) => { await navigator.clipboard?.writeText(l.url).catch(() => {}); e.target.textContent = t("admin.copied"); } }, t("admin.copy")),
          " ", h("button", { class: "small", onclick: (e) => showQR(id, l.participant, e.target) }, t("admin.qr")))))));
  }

  // The server renders each join link as an SVG QR code (libqrencode), for printing or scanning.
  async function showQR(id, participant, button) {
    const r = await api(`/v1/lessons/${encodeURIComponent(id)}/links/${encodeURIComponent(participant.id)}/qr.svg`, { raw: true });
    const img = h("img", { class: "qr", alt: `QR — ${participant.display_name}`, src: URL.createObjectURL(await r.blob()) });
    button.replaceWith(img);
  }
  const f = {
    id: h("input", { id: "l-id", placeholder: "lesson-…" }), subject: h("input", { id: "l-subject", required: true }), topic: h("input", { id: "l-topic", required: true }),
    grade: h("input", { id: "l-grade", type: "number", min: 0, max: 12, value: 7 }),
    start: h("input", { id: "l-start", type: "datetime-local", required: true, value: new Date(Date.now() + 3600e3 - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 16) }),
    model: h("select", { id: "l-model" }, ["hub", "streaming", "small_group"].map((m) => h("option", { value: m }, m))),
    hub: h("select", { id: "l-hub" }, teachers.map((x) => h("option", { value: x.id }, `${x.name} (${x.school_id})`))),
    classes: h("select", { id: "l-classes", multiple: true, size: Math.min(6, Math.max(2, classrooms.length)) }, classrooms.map((c) => h("option", { value: c.id }, c.name))),
    guests: h("select", { id: "l-guests", multiple: true, size: Math.min(4, Math.max(2, guests.length)) }, guests.map((g) => h("option", { value: g.id }, `${g.name} (${g.role})`))),
  };
  const form = h("form", { class: "grid-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = { subject: f.subject.value, topic: f.topic.value, grade: Number(f.grade.value), scheduled_start: new Date(f.start.value).getTime(),
      model: f.model.value, hub_teacher_id: f.hub.value, classroom_ids: [...f.classes.selectedOptions].map((o) => o.value), guest_ids: [...f.guests.selectedOptions].map((o) => o.value) };
    if (f.id.value.trim()) body.id = f.id.value.trim();
    try { const r = await api("/v1/lessons", { method: "POST", body }); toast(t("admin.saved"), "ok"); selectedLesson = r.lesson.id; render(); } catch (err) { toast(err.message); }
  } }, field(t("admin.id"), f.id), field(t("admin.subject"), f.subject), field(t("admin.topic"), f.topic), field(t("admin.grade"), f.grade),
    field(t("admin.start"), f.start), field(t("admin.model"), f.model), field(t("admin.hubTeacher"), f.hub), field(t("admin.classrooms"), f.classes),
    field(t("admin.guests"), f.guests), h("button", { type: "submit", class: "primary" }, t("admin.create")));
  main.append(h("div", { class: "row" },
    h("section", { class: "panel" }, h("h2", {}, t("admin.lessons")), table([t("admin.id"), t("admin.subject"), t("admin.topic"), t("admin.start"), t("admin.classrooms"), ""],
      lessons.map((l) => h("tr", {}, h("td", {}, l.id), h("td", {}, l.subject), h("td", {}, l.topic), h("td", {}, new Date(l.scheduled_start).toLocaleString()),
        h("td", {}, l.classroom_ids.join(", ")), h("td", {}, h("button", { class: "small", onclick: () => showLinks(l.id).catch((e) => toast(e.message)) }, t("admin.showLinks"))))))),
    h("section", { class: "panel" }, h("h2", {}, t("admin.newLesson")), form)), linksBox);
  if (selectedLesson && lessons.some((l) => l.id === selectedLesson)) showLinks(selectedLesson).catch(() => {}); else linksBox.hidden = false;
}

// --- Schools, teachers, classrooms, students, guests ---
async function rosterTab(main) {
  const [schools, teachers, classrooms, students, guests] = await Promise.all(["schools", "teachers", "classrooms", "students", "guests"].map((p) => api(`/v1/${p}`)));
  const save = (path, make) => async (e) => {
    e.preventDefault();
    try { await api(path, { method: "POST", body: make(e.target) }); toast(t("admin.saved"), "ok"); render(); } catch (err) { toast(err.message); }
  };
  const v = (form, name) => form.elements[name].value.trim();
  const inp = (name, extra = {}) => h("input", { name, id: `f-${name}-${Math.random().toString(36).slice(2, 6)}`, ...extra });
  const sel = (name, opts) => h("select", { name, id: `f-${name}-${Math.random().toString(36).slice(2, 6)}` }, opts.map(([value, label]) => h("option", { value }, label)));
  const schoolOpts = schools.map((s) => [s.id, s.name]);
  const sections = [
    [t("admin.schools"), table([t("admin.id"), t("admin.name"), t("admin.kind"), t("admin.district")], schools.map((s) => h("tr", {}, h("td", {}, s.id), h("td", {}, s.name), h("td", {}, s.kind), h("td", {}, s.district ?? "")))),
      h("form", { class: "grid-form", onsubmit: save("/v1/schools", (f) => ({ id: v(f, "id"), name: v(f, "name"), kind: v(f, "kind"), ...(v(f, "district") ? { district: v(f, "district") } : {}) })) },
        field(t("admin.id"), inp("id", { required: true })), field(t("admin.name"), inp("name", { required: true })), field(t("admin.kind"), sel("kind", [["small", "small"], ["hub", "hub"]])),
        field(t("admin.district"), inp("district")), h("button", { type: "submit" }, t("admin.save")))],
    [t("admin.teachers"), table([t("admin.id"), t("admin.name"), t("admin.school")], teachers.map((x) => h("tr", {}, h("td", {}, x.id), h("td", {}, x.name), h("td", {}, x.school_id)))),
      h("form", { class: "grid-form", onsubmit: save("/v1/teachers", (f) => ({ id: v(f, "id"), name: v(f, "name"), school_id: v(f, "school_id") })) },
        field(t("admin.id"), inp("id", { required: true })), field(t("admin.name"), inp("name", { required: true })), field(t("admin.school"), sel("school_id", schoolOpts)), h("button", { type: "submit" }, t("admin.save")))],
    [t("admin.classrooms"), table([t("admin.id"), t("admin.name"), t("admin.grade"), t("admin.school"), t("admin.localTeacher")], classrooms.map((c) => h("tr", {}, h("td", {}, c.id), h("td", {}, c.name), h("td", {}, String(c.grade)), h("td", {}, c.school_id), h("td", {}, c.local_teacher_id ?? "")))),
      h("form", { class: "grid-form", onsubmit: save("/v1/classrooms", (f) => ({ id: v(f, "id"), name: v(f, "name"), grade: Number(v(f, "grade")), school_id: v(f, "school_id"), ...(v(f, "local_teacher_id") ? { local_teacher_id: v(f, "local_teacher_id") } : {}) })) },
        field(t("admin.id"), inp("id", { required: true })), field(t("admin.name"), inp("name", { required: true })), field(t("admin.grade"), inp("grade", { type: "number", min: 0, max: 12, value: 7 })),
        field(t("admin.school"), sel("school_id", schoolOpts)), field(t("admin.localTeacher"), sel("local_teacher_id", [["", "—"], ...teachers.map((x) => [x.id, x.name])])), h("button", { type: "submit" }, t("admin.save")))],
    [t("admin.students"), table([t("admin.id"), t("admin.name"), t("admin.classroom"), t("admin.hasDevice"), t("admin.ejournal")], students.map((s) => h("tr", {}, h("td", {}, s.id), h("td", {}, s.name), h("td", {}, s.classroom_id ?? ""), h("td", {}, s.has_device ? t("common.yes") : t("common.no")), h("td", {}, s.external_id ?? "")))),
      h("form", { class: "grid-form", onsubmit: save("/v1/students", (f) => ({ id: v(f, "id"), name: v(f, "name"), has_device: f.elements.has_device.checked, ...(v(f, "classroom_id") ? { classroom_id: v(f, "classroom_id") } : {}), ...(v(f, "external_id") ? { external_id: v(f, "external_id") } : {}) })) },
        field(t("admin.id"), inp("id", { required: true })), field(t("admin.name"), inp("name", { required: true })), field(t("admin.classroom"), sel("classroom_id", [["", "—"], ...classrooms.map((c) => [c.id, c.name])])),
        field(t("admin.hasDevice"), inp("has_device", { type: "checkbox" })), field(t("admin.ejournal"), inp("external_id")), h("button", { type: "submit" }, t("admin.save")))],
    [t("admin.guests"), table([t("admin.id"), t("admin.name"), t("admin.role")], guests.map((g) => h("tr", {}, h("td", {}, g.id), h("td", {}, g.name), h("td", {}, g.role)))),
      h("form", { class: "grid-form", onsubmit: save("/v1/guests", (f) => ({ id: v(f, "id"), name: v(f, "name"), role: v(f, "role") })) },
        field(t("admin.id"), inp("id", { required: true })), field(t("admin.name"), inp("name", { required: true })), field(t("admin.role"), sel("role", [["observer", t("role.observer")], ["assistant", t("role.assistant")]])), h("button", { type: "submit" }, t("admin.save")))],
  ];
  main.append(h("div", { class: "row" }, sections.map(([title, tbl, form]) => h("section", { class: "panel" }, h("h2", {}, title), tbl, h("details", {}, h("summary", {}, t("admin.create")), form)))));
}

// --- Live overview: provisional attendance of the lessons, refreshed ---
async function liveTab(main) {
  const box = h("div", { class: "row", id: "live" });
  main.append(box);
  async function refresh() {
    const lessons = await api("/v1/lessons");
    const health = await fetch("/healthz").then((r) => r.json()).catch(() => ({}));
    const recent = lessons.filter((l) => Math.abs(l.scheduled_start - Date.now()) < 12 * 3600e3);
    const cards = await Promise.all(recent.map(async (l) => {
      const a = await api(`/v1/lessons/${encodeURIComponent(l.id)}/attendance`).catch(() => null);
      const st = a?.lesson?.state ?? "not_started";
      return h("section", { class: "panel", dataset: { lessonId: l.id } }, h("h2", {}, `${l.subject} · ${l.topic}`, h("small", { class: "muted" }, `${l.id} · ${st}`)),
        a ? table([t("att.classroom"), t("classes.screen"), t("classes.drops"), t("att.present"), t("att.absent")], a.classrooms.map((c) => h("tr", {},
          h("td", {}, c.classroom_name ?? c.classroom_id), h("td", {}, `${c.screen_online_min} / ${c.lesson_min}`), h("td", {}, String(c.screen_drops)),
          h("td", {}, String(c.present + c.late + c.partial)), h("td", {}, String(c.absent))))) : null);
    }));
    box.replaceChildren(h("p", { class: "muted" }, `lessons_live: ${health.lessons_live ?? "?"} · ${fmtTime(Date.now())}`), ...cards);
  }
  await refresh();
  liveTimer = setInterval(() => refresh().catch(() => {}), 5000);
}

// --- Attendance of one lesson ---
const STATUSES = ["present", "late", "partial", "absent"];
const COLORS = { present: "#0b6e4f", late: "#d08a00", partial: "#e7c64a", absent: "#b42318" };

/** Horizontal stacked bars, one per row: {label, present, late, partial, absent}. */
export function statusChart(rows, title) {
  const NS = "http://www.w3.org/2000/svg";
  const s = (tag, attrs, text) => { const el = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v); if (text != null) el.textContent = text; return el; };
  const rowH = 34, labelW = 260, barW = 520, W = labelW + barW + 80, H = rows.length * rowH + 30;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "status-chart" });
  svg.append(s("title", {}, title));
  rows.forEach((r, i) => {
    const total = STATUSES.reduce((n, k) => n + (r[k] || 0), 0);
    const y = 10 + i * rowH;
    svg.append(s("text", { x: labelW - 8, y: y + 20, "text-anchor": "end", "font-size": 14, fill: "#17212b" }, r.label));
    let x = labelW;
    for (const k of STATUSES) {
      const w = total ? barW * (r[k] || 0) / total : 0;
      if (w > 0) {
        const rect = s("rect", { x, y: y + 4, width: w, height: rowH - 10, fill: COLORS[k] });
        rect.append(s("title", {}, `${t("att." + k)}: ${r[k]}`));
        svg.append(rect);
        if (w > 22) svg.append(s("text", { x: x + w / 2, y: y + 20, "text-anchor": "middle", "font-size": 13, fill: k === "partial" ? "#000" : "#fff" }, String(r[k])));
      }
      x += w;
    }
    if (!total) svg.append(s("rect", { x: labelW, y: y + 4, width: barW, height: rowH - 10, fill: "#eef1f4" }));
    const pct = total ? Math.round(100 * (total - (r.absent || 0)) / total) : 0;
    svg.append(s("text", { x: labelW + barW + 8, y: y + 20, "font-size": 14, "font-weight": 700, fill: "#17212b" }, `${pct}%`));
  });
  return h("div", { class: "chart" }, svg, h("div", { class: "legend" }, STATUSES.map((k) => h("span", {}, h("span", { class: "swatch", style: `background:${COLORS[k]}` }), t("att." + k)))));
}

async function attendanceTab(main) {
  const out = h("div", { id: "attendance", class: "admin-main" });
  const picker = await lessonPicker((id) => show(id));
  main.append(h("section", { class: "panel" }, h("label", {}, t("admin.lesson"), " ", picker), " ",
    h("button", { class: "small", onclick: () => show(selectedLesson) }, t("admin.refresh"))), out);
  async function show(id) {
    if (!id) return;
    const a = await api(`/v1/lessons/${encodeURIComponent(id)}/attendance`);
    const bySchool = new Map();
    for (const c of a.classrooms) {
      const row = bySchool.get(c.school_id) ?? { label: c.school_name ?? c.school_id ?? "—", present: 0, late: 0, partial: 0, absent: 0 };
      for (const k of STATUSES) row[k] += c[k];
      bySchool.set(c.school_id, row);
    }
    out.replaceChildren(
      h("section", { class: "panel" }, h("h2", {}, `${t("att.chart")} — ${id}`, h("span", { class: "muted", id: "attendance-final", dataset: { final: String(a.final) } }, a.final ? t("att.final") : t("att.provisional"))),
        statusChart([...bySchool.values()], t("att.chart")),
        h("div", { class: "controls" },
          h("button", { id: "csv-students", onclick: () => download(`/v1/lessons/${encodeURIComponent(id)}/attendance.csv`, `attendance-${id}-students.csv`) }, t("att.csvStudents")),
          h("button", { id: "csv-classrooms", onclick: () => download(`/v1/lessons/${encodeURIComponent(id)}/attendance.csv?table=classrooms`, `attendance-${id}-classrooms.csv`) }, t("att.csvClassrooms")))),
      h("section", { class: "panel" }, h("h2", {}, t("admin.classrooms")),
        table([t("att.classroom"), t("att.school"), t("att.lessonMin"), ...STATUSES.map((k) => t("att." + k)), t("classes.screen"), t("classes.drops")], a.classrooms.map((c) => h("tr", {},
          h("td", {}, c.classroom_name ?? c.classroom_id), h("td", {}, c.school_name ?? ""), h("td", {}, String(c.lesson_min)), ...STATUSES.map((k) => h("td", {}, String(c[k]))),
          h("td", {}, String(c.screen_online_min)), h("td", {}, String(c.screen_drops)))))),
      h("section", { class: "panel" }, h("h2", {}, t("admin.students")),
        table([t("att.name"), t("att.classroom"), t("att.status"), t("att.reason"), t("att.online"), t("att.drops")], a.students.map((s) => h("tr", { dataset: { studentId: s.student_id, status: s.status } },
          h("td", {}, s.display_name ?? s.student_id), h("td", {}, s.classroom_name ?? ""), h("td", { class: `status-${s.status}` }, t("att." + s.status)),
          h("td", {}, s.reason ? t(`roll.reason.${s.reason.code}`) + (s.reason.text ? `: ${s.reason.text}` : "") : ""), h("td", {}, String(s.online_min)), h("td", {}, String(s.drops)))), { id: "attendance-students" })));
  }
  await show(selectedLesson);
}

// --- Per school over a period ---
async function reportsTab(main) {
  const today = new Date().toISOString().slice(0, 10);
  const from = h("input", { id: "r-from", type: "date", value: new Date(Date.now() - 30 * 86400e3).toISOString().slice(0, 10) });
  const to = h("input", { id: "r-to", type: "date", value: today });
  const out = h("div", { id: "reports" });
  const q = () => `from=${from.value}&to=${to.value}`;
  async function show() {
    const r = await api(`/v1/reports/schools?${q()}`);
    out.replaceChildren(h("section", { class: "panel" }, h("h2", {}, t("att.chart")),
      statusChart(r.schools.map((s) => ({ label: s.school_name, present: s.present, late: s.late, partial: s.partial, absent: s.absent })), t("att.chart")),
      table([t("att.school"), t("admin.lessons"), t("admin.students"), ...STATUSES.map((k) => t("att." + k)), "%", t("att.online")], r.schools.map((s) => h("tr", {},
        h("td", {}, s.school_name), h("td", {}, String(s.lessons)), h("td", {}, String(s.students)), ...STATUSES.map((k) => h("td", {}, String(s[k]))),
        h("td", {}, String(s.attendance_percent)), h("td", {}, String(s.online_min)))))));
  }
  main.append(h("section", { class: "panel" }, h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); show().catch((err) => toast(err.message)); } },
    h("label", {}, t("admin.from"), " ", from), h("label", {}, t("admin.to"), " ", to), h("button", { type: "submit", class: "primary" }, t("admin.show")),
    h("button", { type: "button", onclick: () => download(`/v1/reports/schools?${q()}&format=csv`, `schools-${from.value}-${to.value}.csv`) }, "CSV"))), out);
  await show();
}

onLangChange(render);
render();
