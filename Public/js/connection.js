// The WebSocket to /v1/ws: reconnect with backoff, application ping for liveness and the clock
// offset, request ids matched to ack/pong/error. Protocols/README.md "Connecting", "Keep-alive".

export class Connection {
  /**
   * @param {string} url ws://…/v1/ws?token=…
   * @param {{onMessage?:(m:any)=>void, onBinary?:(buf:ArrayBuffer)=>void, onStatus?:(s:string, info?:any)=>void}} handlers
   */
  constructor(url, handlers = {}) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.status = "connecting";
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map();
    this.heartbeatMs = 15000;
    this.lastHeard = 0;
    this.offsetMs = 0;       // server clock − local clock
    this.bestRtt = Infinity;
    this.stopped = false;
    this.timers = [];
    this.everWelcomed = false;
  }

  start() { this.open(); return this; }

  /** The server's clock now, as well as we know it. */
  serverNow() { return Date.now() + this.offsetMs; }

  open() {
    if (this.stopped) return;
    this.setStatus(this.everWelcomed ? "offline" : "connecting");
    let ws;
    try { ws = new WebSocket(this.url); } catch (e) { this.scheduleReconnect(); return; }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => { this.lastHeard = Date.now(); };
    ws.onmessage = (ev) => {
      this.lastHeard = Date.now();
      if (typeof ev.data !== "string") { this.handlers.onBinary?.(ev.data); return; }
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      this.route(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      for (const [, p] of this.pending) p.reject(Object.assign(new Error("connection closed"), { code: "closed" }));
      this.pending.clear();
      if (ev.code === 4003) { this.stopped = true; this.setStatus("removed"); return; }
      if (!this.everWelcomed && this.attempt >= 2) {
        // Maybe the link is refused (401/403): a browser WebSocket cannot see why, so ask over plain HTTP.
        this.checkRefusal();
      }
      this.scheduleReconnect(this.closeDelay);
      this.closeDelay = undefined;
    };
  }

  async checkRefusal() {
    try {
      const http = this.url.replace(/^ws/, "http");
      const r = await fetch(http, { cache: "no-store" });
      if (r.status === 401 || r.status === 403) {
        const body = await r.json().catch(() => ({}));
        this.stopped = true;
        this.setStatus("refused", body?.error?.message ?? String(r.status));
      }
    } catch { /* offline: keep trying */ }
  }

  route(msg) {
    switch (msg.type) {
      case "welcome":
        this.everWelcomed = true;
        this.attempt = 0;
        this.heartbeatMs = msg.heartbeat_ms || 15000;
        this.offsetMs = msg.server_time - Date.now();
        this.bestRtt = Infinity;
        this.setStatus("online");
        this.startHeartbeat();
        this.ping();
        break;
      case "pong": {
        const r = Date.now();
        if (typeof msg.t === "number") {
          const rtt = r - msg.t;
          if (rtt <= this.bestRtt * 1.5 || rtt < 50) {
            this.bestRtt = Math.min(this.bestRtt, rtt);
            this.offsetMs = msg.server_time - (msg.t + r) / 2;
          }
          this.rttMs = rtt;
        }
        break;
      }
      case "server_closing":
        this.closeDelay = (msg.reconnect_after_ms ?? 2000) + Math.random() * 1000;
        break;
    }
    if (msg.id && this.pending.has(msg.id) && (msg.type === "ack" || msg.type === "error" || msg.type === "pong" || msg.type === "chat.history")) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === "error") p.reject(Object.assign(new Error(msg.message), { code: msg.code, msg }));
      else p.resolve(msg);
    }
    this.handlers.onMessage?.(msg);
  }

  startHeartbeat() {
    this.clearTimers();
    this.timers.push(setInterval(() => this.ping(), Math.max(2000, Math.min(this.heartbeatMs, 15000))));
    this.timers.push(setInterval(() => {
      if (this.ws && Date.now() - this.lastHeard > 2 * this.heartbeatMs) {
        // Nothing heard for two heartbeats: the connection is dead even if the browser has not noticed.
        try { this.ws.close(4000, "no answer"); } catch {}
        const ws = this.ws; this.ws = null; ws.onclose?.({ code: 1006 });
      }
    }, 1000));
  }

  clearTimers() { for (const t of this.timers) clearInterval(t); this.timers = []; }

  ping() { this.send({ type: "ping", t: Date.now() }).catch(() => {}); }

  scheduleReconnect(delay) {
    if (this.stopped) return;
    this.setStatus(this.everWelcomed ? "offline" : "connecting");
    this.attempt++;
    const backoff = delay ?? Math.min(10000, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() * 0.5);
    setTimeout(() => this.open(), backoff);
  }

  setStatus(s, info) {
    this.status = s;
    this.handlers.onStatus?.(s, info);
  }

  /** Sends a control message with a fresh id; resolves with its ack/pong, rejects with the error. */
  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(Object.assign(new Error("not connected"), { code: "offline" }));
    }
    const id = msg.id ?? `r${this.nextId++}`;
    const body = { ...msg, id };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify(body));
      setTimeout(() => {
        if (this.pending.has(id)) { this.pending.delete(id); reject(Object.assign(new Error("no answer"), { code: "timeout" })); }
      }, 15000);
    });
  }

  /** Sends a binary media frame unless too much is already waiting (returns false then). */
  sendBinary(buf, limit = 1 << 20) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > limit) return false;
    ws.send(buf);
    return true;
  }

  get connected() { return !!this.ws && this.ws.readyState === WebSocket.OPEN && this.status === "online"; }

  stop() { this.stopped = true; this.clearTimers(); this.ws?.close(1000); }
}
