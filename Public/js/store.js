// Lesson state as the server told it: rebuilt from each `welcome`, updated by every later message.
// Pages subscribe and re-render; notifications are batched per animation frame.

export function scopeKey(scope) {
  if (!scope) return "lesson";
  return scope.kind === "classroom" ? `classroom:${scope.classroom_id}` : scope.kind === "private" ? `private:${(scope.participants || []).join(",")}` : scope.kind;
}

export function createStore() {
  const listeners = new Set();
  let scheduled = false;
  const state = {
    status: "connecting", statusInfo: null,
    you: null, lesson: null, snapshot: null, snapshotAt: 0,
    online: new Map(),            // participant id → {participant, connections, since}
    attendance: null,             // last attendance.live
    chat: new Map(),              // message id → message
    chatLastSeq: 0,
    locks: new Map(),             // scope key → lock
    mute: null,                   // my mute {until}
    queues: new Map(),            // scope key → owner view {scope, entries, floor}
    mine: [],                     // raiser view
    floors: new Map(),            // scope key → floor
    polls: new Map(),             // poll id → {poll, results}
    shares: new Map(),            // scope key → share
    shareRequests: new Map(),
    warning: null,
    notices: [],
    transitions: [],
    phaseTitles: new Map(),       // phase index → title (as seen)
    lastError: null,
  };

  function notify() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; for (const fn of listeners) fn(state); });
    // requestAnimationFrame does not run in hidden tabs; make sure state still flows.
    setTimeout(() => { if (scheduled) { scheduled = false; for (const fn of listeners) fn(state); } }, 250);
  }

  function rememberPhases(s) {
    if (!s) return;
    if (s.phase && s.phase_index != null) state.phaseTitles.set(s.phase_index, s.phase.title);
    const p = s.pending_handoff;
    if (p?.next_phase && p.next_phase_index != null) state.phaseTitles.set(p.next_phase_index, p.next_phase.title);
  }

  function apply(m) {
    switch (m.type) {
      case "welcome":
        state.you = m.you; state.lesson = m.lesson; state.snapshot = m.lesson_state; state.snapshotAt = Date.now();
        state.online = new Map(m.online.map((o) => [o.participant.id, o]));
        state.queues.clear(); state.mine = []; state.floors.clear(); state.shares.clear(); state.shareRequests.clear();
        state.locks.clear(); state.mute = null; state.warning = null;
        rememberPhases(m.lesson_state);
        break;
      case "lesson.state":
        state.snapshot = m.state; state.snapshotAt = Date.now(); rememberPhases(m.state);
        if (m.state.phase_index !== state.warning?.phase_index) state.warning = null;
        break;
      case "lesson.transition": state.transitions.push(m.record); break;
      case "lesson.warning": state.warning = m.warning; break;
      case "lesson.notice": state.notices.push(m); if (state.notices.length > 20) state.notices.shift(); break;
      case "presence":
        if (m.change === "left") state.online.delete(m.participant.id);
        else state.online.set(m.participant.id, { participant: m.participant, connections: m.connections, since: m.at });
        break;
      case "attendance.live": state.attendance = m; break;
      case "chat.history":
        for (const msg of m.messages || []) state.chat.set(msg.id, msg);
        for (const d of m.deletions || []) state.chat.delete(d.message_id);
        state.chatLastSeq = Math.max(state.chatLastSeq, m.last_seq || 0);
        break;
      case "chat.message": state.chat.set(m.message.id, m.message); state.chatLastSeq = Math.max(state.chatLastSeq, m.message.seq); break;
      case "chat.deleted": state.chat.delete(m.deletion.message_id); break;
      case "chat.moderation":
        if (m.lock) state.locks.set(scopeKey(m.lock.scope), m.lock);
        if (m.mute && m.mute.participant_id === state.you?.id) state.mute = m.mute.until ? m.mute : null;
        break;
      case "hand.queue":
        if (m.view === "owner") state.queues.set(scopeKey(m.scope), m);
        else state.mine = m.mine || [];
        break;
      case "floor.state":
        if (m.floor) state.floors.set(scopeKey(m.scope), m.floor); else state.floors.delete(scopeKey(m.scope));
        break;
      case "poll.started": {
        const prev = state.polls.get(m.poll.id);
        state.polls.set(m.poll.id, { ...prev, poll: m.poll });
        break;
      }
      case "poll.results": state.polls.set(m.poll.id, { ...state.polls.get(m.poll.id), poll: m.poll, results: m.results }); break;
      case "share.state":
        if (m.share) state.shares.set(scopeKey(m.scope), m.share); else state.shares.delete(scopeKey(m.scope));
        break;
      case "share.request":
        if (m.status === "pending") state.shareRequests.set(m.request.requester_id, m.request); else state.shareRequests.delete(m.request.requester_id);
        break;
      case "error": state.lastError = m; break;
      default: return;
    }
    notify();
  }

  return {
    state,
    apply,
    setStatus(s, info) { state.status = s; state.statusInfo = info ?? null; notify(); },
    subscribe(fn) { listeners.add(fn); fn(state); return () => listeners.delete(fn); },
    notify,
  };
}

/** Chat messages, oldest first. */
export function chatList(state) { return [...state.chat.values()].sort((a, b) => a.seq - b.seq); }

/** The scope interaction happens in now for a participant (Protocols/rules/interaction.md). */
export function currentScope(state) {
  const lead = state.snapshot?.lead;
  if (lead === "local" && state.you?.classroom_id) return { kind: "classroom", classroom_id: state.you.classroom_id };
  return { kind: "lesson" };
}
