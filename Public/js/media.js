// Media over the lesson WebSocket: the 16-byte binary envelope (Protocols/binary-envelope.md) and
// WebCodecs VP8/Opus encode and decode (Protocols/media-codecs.md).

export const TRACK = { audio: 0, camera: 1, screen: 2, talkback: 3, camera_low: 4 };
export const TRACK_NAME = ["audio", "camera", "screen", "talkback", "camera_low"];
const KIND_AUDIO = 1, KIND_VIDEO = 2;

export function webCodecsSupported() {
  return typeof VideoEncoder !== "undefined" && typeof VideoDecoder !== "undefined";
}

/** One media frame: header + payload. */
export function encodeEnvelope({ track, keyframe, discontinuity = false, sequence, timestamp, payload }) {
  const kind = track === TRACK.audio || track === TRACK.talkback ? KIND_AUDIO : KIND_VIDEO;
  const buf = new ArrayBuffer(16 + payload.byteLength);
  const v = new DataView(buf);
  v.setUint8(0, 1);
  v.setUint8(1, kind);
  v.setUint8(2, track);
  v.setUint8(3, (keyframe && kind === KIND_VIDEO ? 1 : 0) | (discontinuity ? 2 : 0));
  v.setUint32(4, sequence >>> 0);
  v.setBigUint64(8, BigInt(Math.max(0, Math.round(timestamp))));
  new Uint8Array(buf, 16).set(payload instanceof Uint8Array ? payload : new Uint8Array(payload));
  return buf;
}

/** Parses a media frame; null if it is not one. */
export function decodeEnvelope(buf) {
  if (buf.byteLength < 16) return null;
  const v = new DataView(buf);
  if (v.getUint8(0) !== 1) return null;
  const flags = v.getUint8(3);
  return {
    kind: v.getUint8(1), track: v.getUint8(2),
    keyframe: (flags & 1) !== 0, discontinuity: (flags & 2) !== 0,
    sequence: v.getUint32(4), timestamp: Number(v.getBigUint64(8)),
    payload: new Uint8Array(buf, 16),
  };
}

function even(n) { return Math.max(2, n - (n % 2)); }

/**
 * Encodes a video MediaStreamTrack to VP8 and sends it on `track`. Frames are taken from a
 * <video> element on a timer (works in Chromium and Firefox alike), a keyframe every
 * `keyframeEvery` ms and whenever `requestKeyframe()` is called.
 */
export class VideoPublisher {
  constructor(stream, { conn, track, fps = 15, bitrate = 600_000, maxWidth = 1280, keyframeEvery = 3000, onStats } = {}) {
    Object.assign(this, { stream, conn, track, fps, bitrate, maxWidth, keyframeEvery, onStats });
    this.sequence = 0; this.sent = 0; this.encoded = 0; this.needKey = true; this.lastKey = 0;
    this.video = document.createElement("video");
    this.video.muted = true; this.video.playsInline = true; this.video.srcObject = stream;
    this.video.play().catch(() => {});
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), 1000 / fps);
  }

  requestKeyframe() { this.needKey = true; }

  configure(w, h) {
    const scale = Math.min(1, this.maxWidth / w);
    this.width = even(Math.round(w * scale)); this.height = even(Math.round(h * scale));
    this.encoder?.close?.();
    this.encoder = new VideoEncoder({
      output: (chunk) => this.output(chunk),
      error: (e) => { console.warn("video encoder", e); this.encoder = null; },
    });
    this.encoder.configure({ codec: "vp8", width: this.width, height: this.height, bitrate: this.bitrate,
                             framerate: this.fps, latencyMode: "realtime" });
    this.srcW = w; this.srcH = h; this.needKey = true;
  }

  tick() {
    const v = this.video;
    if (v.readyState < 2 || !v.videoWidth) return;
    if (!this.encoder || this.encoder.state === "closed" || v.videoWidth !== this.srcW || v.videoHeight !== this.srcH) this.configure(v.videoWidth, v.videoHeight);
    if (this.encoder.encodeQueueSize > 2) return;
    const timestamp = Math.round((performance.now() - this.t0) * 1000);
    let frame;
    try {
      if (this.width === v.videoWidth && this.height === v.videoHeight) {
        frame = new VideoFrame(v, { timestamp });
      } else {
        // Larger than maxWidth (a big screen): scale through a canvas.
        this.canvas ??= new OffscreenCanvas(this.width, this.height);
        if (this.canvas.width !== this.width || this.canvas.height !== this.height) { this.canvas.width = this.width; this.canvas.height = this.height; }
        this.canvas.getContext("2d").drawImage(v, 0, 0, this.width, this.height);
        frame = new VideoFrame(this.canvas, { timestamp });
      }
    } catch (e) { frame?.close(); return; }
    const now = performance.now();
    const keyFrame = this.needKey || now - this.lastKey > this.keyframeEvery;
    if (keyFrame) { this.needKey = false; this.lastKey = now; }
    try { this.encoder.encode(frame, { keyFrame }); } catch (e) { console.warn(e); }
    frame.close();
  }

  output(chunk) {
    const payload = new Uint8Array(chunk.byteLength);
    chunk.copyTo(payload);
    this.encoded++;
    const buf = encodeEnvelope({ track: this.track, keyframe: chunk.type === "key", sequence: this.sequence++,
                                 timestamp: chunk.timestamp, payload });
    if (this.conn.sendBinary(buf)) this.sent++;
    else if (chunk.type !== "key") this.needKey = true;  // a dropped delta frame breaks the picture: restart at a keyframe
    this.onStats?.(this);
  }

  stop() {
    clearInterval(this.timer);
    try { this.encoder?.close(); } catch {}
    for (const t of this.stream.getTracks()) t.stop();
  }
}

/** Encodes the microphone to Opus (48 kHz mono, 20 ms) and sends it on `track`. */
export class AudioPublisher {
  constructor(stream, { conn, track = TRACK.audio, bitrate = 32000 } = {}) {
    this.stream = stream; this.conn = conn; this.track = track; this.sequence = 0; this.sent = 0;
    if (typeof AudioEncoder === "undefined") return;
    this.ctx = new AudioContext({ sampleRate: 48000 });
    this.encoder = new AudioEncoder({
      output: (chunk) => {
        const payload = new Uint8Array(chunk.byteLength);
        chunk.copyTo(payload);
        if (this.conn.sendBinary(encodeEnvelope({ track: this.track, keyframe: false, sequence: this.sequence++,
                                                   timestamp: chunk.timestamp, payload }), 1 << 19)) this.sent++;
      },
      error: (e) => console.warn("audio encoder", e),
    });
    this.encoder.configure({ codec: "opus", sampleRate: this.ctx.sampleRate, numberOfChannels: 1, bitrate,
                             opus: { format: "opus", frameDuration: 20000 } });
    const source = this.ctx.createMediaStreamSource(stream);
    // ScriptProcessorNode is deprecated but runs in every browser without a worklet file.
    const proc = this.ctx.createScriptProcessor(2048, 1, 1);
    const mute = this.ctx.createGain(); mute.gain.value = 0;
    let samples = 0;
    proc.onaudioprocess = (ev) => {
      const input = ev.inputBuffer.getChannelData(0);
      const data = new Float32Array(input);
      const timestamp = Math.round(samples / this.ctx.sampleRate * 1e6);
      samples += data.length;
      if (this.encoder.state !== "configured" || this.encoder.encodeQueueSize > 10) return;
      const audio = new AudioData({ format: "f32-planar", sampleRate: this.ctx.sampleRate, numberOfFrames: data.length,
                                    numberOfChannels: 1, timestamp, data });
      this.encoder.encode(audio);
      audio.close();
    };
    source.connect(proc); proc.connect(mute); mute.connect(this.ctx.destination);
    this.ctx.resume().catch(() => {});
  }

  stop() {
    try { this.encoder?.close(); } catch {}
    this.ctx?.close();
    for (const t of this.stream.getTracks()) t.stop();
  }
}

/**
 * Receives media frames: VP8 per video track drawn onto a canvas, Opus played through an
 * AudioContext. Drops video until a keyframe, resets a decoder at a discontinuity or error and
 * asks for a keyframe (`media.keyframe_request`). Counts decoded frames per track and writes
 * them to each canvas's `data-frames-decoded`.
 */
export class MediaReceiver {
  constructor({ conn, canvases = {}, onFrame, onAudioState } = {}) {
    this.conn = conn; this.canvases = canvases; this.onFrame = onFrame; this.onAudioState = onAudioState;
    this.video = new Map(); // track → {decoder, waitingKey, decoded, lastAt}
    this.audioDecoders = new Map();
    this.ctx = null; this.playAt = 0; this.audioFrames = 0;
    this.stats = { received: 0 };
  }

  /** Forget decoder state (after a reconnect): the picture comes back at the next keyframe. */
  reset() {
    for (const v of this.video.values()) { try { v.decoder.close(); } catch {} v.waitingKey = true; }
  }

  handle(buf) {
    const f = decodeEnvelope(buf);
    if (!f) return;
    this.stats.received++;
    if (f.kind === KIND_VIDEO) this.handleVideo(f); else this.handleAudio(f);
  }

  videoState(track) {
    let s = this.video.get(track);
    if (!s || s.decoder.state === "closed") {
      s = { waitingKey: true, decoded: s?.decoded ?? 0, lastAt: 0, width: 0, height: 0 };
      s.decoder = new VideoDecoder({
        output: (frame) => this.draw(track, s, frame),
        error: (e) => { console.warn("video decoder", e); s.waitingKey = true; this.askKeyframe(track); },
      });
      s.decoder.configure({ codec: "vp8", optimizeForLatency: true });
      this.video.set(track, s);
    }
    return s;
  }

  askKeyframe(track) {
    const name = TRACK_NAME[track];
    if (name === "camera" || name === "screen" || name === "camera_low") this.conn.send({ type: "media.keyframe_request", track: name }).catch(() => {});
  }

  handleVideo(f) {
    let s = this.videoState(f.track);
    if (f.discontinuity && f.keyframe && !s.waitingKey) {
      try { s.decoder.reset(); s.decoder.configure({ codec: "vp8", optimizeForLatency: true }); } catch {}
    }
    if (s.waitingKey) {
      if (!f.keyframe) return;
      s.waitingKey = false;
    }
    if (s.decoder.state !== "configured") { this.video.delete(f.track); s = this.videoState(f.track); if (!f.keyframe) return; s.waitingKey = false; }
    if (s.decoder.decodeQueueSize > 30) { s.waitingKey = true; this.askKeyframe(f.track); return; }
    try {
      s.decoder.decode(new EncodedVideoChunk({ type: f.keyframe ? "key" : "delta", timestamp: f.timestamp, data: f.payload }));
    } catch (e) {
      s.waitingKey = true; this.askKeyframe(f.track);
    }
  }

  draw(track, s, frame) {
    s.decoded++; s.lastAt = performance.now(); s.width = frame.displayWidth; s.height = frame.displayHeight;
    const canvas = this.canvases[TRACK_NAME[track]] ?? (track === TRACK.camera_low ? this.canvases.camera : null);
    if (canvas) {
      if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
        canvas.width = frame.displayWidth; canvas.height = frame.displayHeight;
      }
      canvas.getContext("2d").drawImage(frame, 0, 0);
      canvas.dataset.framesDecoded = String(s.decoded);
      canvas.dataset.size = `${frame.displayWidth}x${frame.displayHeight}`;
    }
    frame.close();
    this.onFrame?.(TRACK_NAME[track], s);
  }

  /** Whether a track has shown a picture within `ms`. */
  live(trackName, ms = 2500) {
    const s = this.video.get(TRACK[trackName]);
    return !!s && s.decoded > 0 && performance.now() - s.lastAt < ms;
  }

  decodedFrames(trackName) { return this.video.get(TRACK[trackName])?.decoded ?? 0; }

  // --- audio ---
  audioContext() {
    if (!this.ctx) {
      this.ctx = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
      this.ctx.onstatechange = () => this.onAudioState?.(this.ctx.state);
    }
    return this.ctx;
  }

  /** Call from a click: browsers only start sound after a user gesture. */
  enableSound() { this.audioContext().resume().then(() => this.onAudioState?.(this.ctx.state)).catch(() => {}); }

  get soundOn() { return this.ctx?.state === "running"; }

  handleAudio(f) {
    if (typeof AudioDecoder === "undefined") return;
    let dec = this.audioDecoders.get(f.track);
    if (!dec || dec.state === "closed") {
      dec = new AudioDecoder({ output: (data) => this.play(data), error: (e) => { console.warn("audio decoder", e); } });
      dec.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 });
      this.audioDecoders.set(f.track, dec);
    }
    try { dec.decode(new EncodedAudioChunk({ type: "key", timestamp: f.timestamp, duration: 20000, data: f.payload })); } catch {}
  }

  play(data) {
    this.audioFrames++;
    const ctx = this.audioContext();
    if (ctx.state !== "running" || this.muted) { data.close(); return; }
    const n = data.numberOfFrames, ch = data.numberOfChannels;
    const buffer = ctx.createBuffer(ch, n, data.sampleRate);
    for (let c = 0; c < ch; c++) {
      const plane = new Float32Array(n);
      data.copyTo(plane, { planeIndex: c, format: "f32-planar" });
      buffer.copyToChannel(plane, c);
    }
    data.close();
    const src = ctx.createBufferSource();
    src.buffer = buffer; src.connect(ctx.destination);
    const now = ctx.currentTime;
    if (this.playAt < now + 0.02 || this.playAt > now + 0.4) this.playAt = now + 0.08;  // keep the delay small
    src.start(this.playAt);
    this.playAt += buffer.duration;
  }

  close() { this.reset(); for (const d of this.audioDecoders.values()) { try { d.close(); } catch {} } this.ctx?.close(); }
}
