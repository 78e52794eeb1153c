// Interface language: Kazakh, Russian, English. The strings are in i18n/<lang>.js, one file per language.
import kk from "./i18n/kk.js";
import ru from "./i18n/ru.js";
import en from "./i18n/en.js";

const tables = { kk, ru, en };
export const languages = [["kk", "Қазақша"], ["ru", "Русский"], ["en", "English"]];
const listeners = new Set();

function initial() {
  const saved = localStorage.getItem("tirek.lang");
  if (saved && tables[saved]) return saved;
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (fromUrl && tables[fromUrl]) return fromUrl;
  const nav = (navigator.language || "kk").slice(0, 2);
  return tables[nav] ? nav : "kk";
}
let current = initial();
document.documentElement.lang = current;

export function lang() { return current; }

/** The string for `key` in the current language (English, then the key, when missing); `{name}` is replaced from `vars`. */
export function t(key, vars = {}) {
  const s = tables[current][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}

export function setLang(code) {
  if (!tables[code] || code === current) return;
  current = code;
  localStorage.setItem("tirek.lang", code);
  document.documentElement.lang = code;
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Checks that every language has the same keys (used by the browser tests). */
export function missingKeys() {
  const out = {};
  for (const [code, table] of Object.entries(tables)) {
    const missing = Object.keys(en).filter((k) => !(k in table));
    if (missing.length) out[code] = missing;
  }
  return out;
}
