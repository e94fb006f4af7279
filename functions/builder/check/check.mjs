// Headless-Chromium check of a built app (appgen-builder).
//
//   node check.mjs CONFIG.json     -> prints one JSON CheckReport (camelCase) on stdout
//   node check.mjs --colors-selftest CHROMIUM -> verifies the named-colour table against Chromium
//
// CONFIG: {dist, checks: [{kind, ...}], scenarios?: [...], data?: {socket, app, space, key},
//          screenshot?: path, chromium, timeoutMs};
// the checks are appgen_core::check::Check as JSON (docs/eval/checks.md), the scenarios
// appgen_core::scenario::Scenario (docs/qa.md), both already validated by the builder. The
// scenarios run after the checks; a failed one leaves acceptance-N.png beside the screenshot.
// named-colors.json (the colour table) must sit beside this script.
// It serves `dist/` itself on a loopback port, so it needs no network beyond 127.0.0.1. With
// `data` (a cloud or sign-in app) the same origin also answers `/data/…` by forwarding it to
// the throwaway data space's server on a Unix socket (the data API's own code, outside the
// sandbox), and each page gets the <meta name="appgen-data"> a published app gets, so the
// app's client talks to the real API exactly as in preview; the space is emptied before each
// scenario.
// Exit codes: 0 report printed (checks may have failed), 3 the checker itself could not run
// (the report then carries `fatal`).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { chromium } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const VIEWPORT = { width: 1280, height: 800 };
const ACTION_MS = 3000;
const SETTLE_MS = 150;
const APPEAR_MS = 2500;
const LOAD_MS = 10000;

const CLICK_MAX_BUTTONS = 12;
const CLICK_MS = 1000;
const CLICK_IDLE_MS = 150;
const CLICK_SETTLE_MS = 500;
const MAX_DELTA_E = 5;

// The CSS named colours, {name: "#rrggbb"}: the one table of the repository
// (functions/core/data/named-colors.json), written beside this script by the builder.
export const NAMED_COLORS = JSON.parse(fs.readFileSync(new URL("./named-colors.json", import.meta.url), "utf8"));

const MIME = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml",
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
  ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
  ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
  ".txt": "text/plain; charset=utf-8", ".wasm": "application/wasm",
  ".webmanifest": "application/manifest+json", ".xml": "application/xml",
  ".mp3": "audio/mpeg", ".mp4": "video/mp4", ".webm": "video/webm",
};

// ------------------------------------------------------------------ colour maths

function hexToRgb(hex) {
  const h = hex.replace(/^#/, "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

function rgbHex(rgb) {
  return "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
}

// sRGB (0-255) -> CIE Lab (D65).
function rgbToLab([r, g, b]) {
  const lin = (c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const x = (R * 0.4124564 + G * 0.3575761 + B * 0.1804375) / 0.95047;
  const y = R * 0.2126729 + G * 0.7151522 + B * 0.072175;
  const z = (R * 0.0193339 + G * 0.119192 + B * 0.9503041) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = [f(x), f(y), f(z)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function deltaE76(a, b) {
  const [l1, a1, b1] = rgbToLab(a);
  const [l2, a2, b2] = rgbToLab(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
}

function namedColor(name) {
  const key = String(name ?? "").toLowerCase().replace(/[\s_-]+/g, "");
  if (Object.hasOwn(NAMED_COLORS, key)) return hexToRgb(NAMED_COLORS[key]);
  if (/^#?[0-9a-f]{6}$/.test(key)) return hexToRgb(key);
  return null;
}

// ------------------------------------------------------------------ static server

function isFavicon(url) {
  try {
    return /\/favicon\.(ico|png|svg)$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

function serveDist(root, data) {
  const base = fs.realpathSync(root);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (data && rel.startsWith("/data/")) {
      forwardData(data, req, res);
      return;
    }
    let file = path.resolve(base, "." + rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    let stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      file = path.join(file, "index.html");
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    // Client-side routes (no extension) fall back to the app's index.html, as a static host would.
    if (!stat && path.extname(rel) === "") {
      file = path.join(base, "index.html");
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    if (!stat?.isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    if (data && type.startsWith("text/html")) {
      res.end(withDataMeta(fs.readFileSync(file, "utf8"), data));
      return;
    }
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// ------------------------------------------------------------------ the data space

// The tag a published page gets (handler/src/published.rs), naming this origin: the app's
// client (lib/backend.ts) then uses the data API here.
function withDataMeta(html, data) {
  const where = JSON.stringify({ base: "", app: data.app, space: data.space, key: data.key });
  const attr = where.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  const tag = `<meta name="appgen-data" content="${attr}">`;
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (h) => h + tag) : tag + html;
}

// One request of the app, passed through to the data space's server as it is (streams too).
function forwardData(data, req, res) {
  const headers = { ...req.headers, host: "check" };
  const up = http.request({ socketPath: data.socket, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`the check's data space is unreachable: ${e.message}`);
  });
  res.on("close", () => up.destroy());
  req.pipe(up);
}

// Empties the data space (records, accounts, sessions): each scenario starts from a new app.
function resetData(data) {
  const url = `/data/${encodeURIComponent(data.app)}/${data.space}/_reset`;
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: data.socket, method: "POST", path: url, headers: { "x-app-key": data.key, host: "check" } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`resetting the data space: HTTP ${res.statusCode}`))));
    });
    req.on("error", (e) => reject(new Error(`resetting the data space: ${e.message}`)));
    req.end();
  });
}

// ------------------------------------------------------------------ helpers

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const oneLine = (s, max = 300) => {
  const t = String(s ?? "").replace(/\s+/g, " ").trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
};

const quoteList = (xs) => xs.map((x) => JSON.stringify(String(x))).join(", ");

// Code evaluated in the page. Kept as functions so Playwright serialises them.
const pageFns = {
  visibleText: () => (document.body ? document.body.innerText : ""),

  hasVisibleMedia: () =>
    [...document.querySelectorAll("img, svg, canvas, video")].some((el) => {
      const r = el.getBoundingClientRect();
      return r.width * r.height >= 400 && getComputedStyle(el).visibility !== "hidden";
    }),

  // Every visible form control with the words that name it.
  controls: () => {
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const s = getComputedStyle(el);
      return s.visibility !== "hidden" && s.display !== "none";
    };
    const skip = new Set(["hidden", "submit", "button", "reset", "image"]);
    const textOf = (el) => (el ? (el.innerText || el.textContent || "") : "");
    const out = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (el.tagName === "INPUT" && skip.has(type)) continue;
      const labelled = el.labels && [...el.labels].some(visible);
      if (!visible(el) && !labelled) continue;
      const names = [];
      for (const l of el.labels ?? []) names.push(textOf(l));
      for (const a of ["aria-label", "placeholder", "name", "title"]) {
        const v = el.getAttribute(a);
        if (v) names.push(v);
      }
      for (const id of (el.getAttribute("aria-labelledby") || "").split(/\s+/)) {
        if (id) names.push(textOf(document.getElementById(id)));
      }
      if (el.tagName === "SELECT" && el.options[0] && el.options[0].value === "") {
        names.push(el.options[0].text);
      }
      // Generated code often writes <label>Amount</label><input> without htmlFor: a person
      // still reads "Amount" as the field's name, so count an unattached label beside it.
      if (!el.labels || el.labels.length === 0) {
        const parent = el.parentElement;
        for (const l of parent ? parent.querySelectorAll(":scope > label") : []) {
          if (!l.htmlFor && !l.control) names.push(textOf(l));
        }
        const prev = el.previousElementSibling;
        if (prev && prev.tagName === "LABEL" && !prev.control) names.push(textOf(prev));
      }
      out.push(names.map((n) => n.replace(/\s+/g, " ").trim()).filter(Boolean).join(" | "));
    }
    return out;
  },

  // Picks the form to exercise and marks its controls (data-appgen-fill) and its submit
  // button (data-appgen-submit). Returns a description for the report.
  markForm: () => {
    for (const el of document.querySelectorAll("[data-appgen-fill],[data-appgen-submit]")) {
      el.removeAttribute("data-appgen-fill");
      el.removeAttribute("data-appgen-submit");
    }
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const s = getComputedStyle(el);
      return s.visibility !== "hidden" && s.display !== "none";
    };
    const skip = new Set(["hidden", "submit", "button", "reset", "image", "file"]);
    const typeOf = (el) =>
      el.tagName === "INPUT" ? (el.getAttribute("type") || "text").toLowerCase() : el.tagName.toLowerCase();
    const fillable = (el) => {
      if (el.disabled || el.readOnly) return false;
      const t = typeOf(el);
      if (skip.has(t)) return false;
      if (visible(el)) return true;
      // Styled checkboxes and radios hide the input and show the label.
      return (t === "checkbox" || t === "radio") && el.labels && [...el.labels].some(visible);
    };
    const textual = (el) => ["text", "email", "search", "tel", "url", "textarea", "number", "password"].includes(typeOf(el));
    const buttonsIn = (scope) =>
      [...scope.querySelectorAll("button, input[type=submit], input[type=button], [role=button]")].filter(visible);
    const controlsIn = (scope) => [...scope.querySelectorAll("input, select, textarea")].filter(fillable);

    let scope = null;
    let button = null;
    const forms = [...document.querySelectorAll("form")]
      .map((f) => ({ f, n: controlsIn(f).length }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n);
    if (forms.length > 0) {
      scope = forms[0].f;
      const inForm = buttonsIn(scope);
      const byId = scope.id ? [...document.querySelectorAll(`[form="${CSS.escape(scope.id)}"]`)].filter(visible) : [];
      const all = [...inForm, ...byId];
      button =
        all.find((b) => (b.getAttribute("type") || "").toLowerCase() === "submit") ??
        all.find((b) => b.tagName === "BUTTON" && !b.getAttribute("type")) ??
        null;
    } else {
      // No <form>: the smallest container of the first text control that also holds a button.
      const first = [...document.querySelectorAll("input, textarea")].find((el) => fillable(el) && textual(el));
      for (let node = first?.parentElement; node && node !== document.documentElement; node = node.parentElement) {
        const bs = buttonsIn(node);
        if (bs.length > 0) {
          scope = node;
          const after = bs.filter((b) => first.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
          const verb = /\b(add|save|submit|create|send|post|book|record|log|new|track|plan|join|sign)\b|^\s*\+/i;
          button = after.find((b) => verb.test(b.innerText || b.value || "")) ?? after[0] ?? bs[0];
          break;
        }
      }
    }
    if (!scope) return null;
    const controls = controlsIn(scope);
    controls.forEach((el, i) => el.setAttribute("data-appgen-fill", String(i)));
    if (button) button.setAttribute("data-appgen-submit", "1");
    // Controls that get the typed token: plain text, not a search or filter box.
    const tokenTypes = ["text", "textarea"];
    const searchy = (el) =>
      /search|filter/i.test([el.type, el.name, el.placeholder, el.getAttribute("aria-label")].join(" "));
    return {
      tokenFields: controls.filter((el) => tokenTypes.includes(typeOf(el)) && !searchy(el)).length,
      isForm: scope.tagName === "FORM",
      controls: controls.map((el) => ({
        type: typeOf(el),
        value: el.value ?? "",
        checked: !!el.checked,
        name: el.name || "",
        min: el.getAttribute("min"),
        max: el.getAttribute("max"),
        step: el.getAttribute("step"),
        maxLength: el.maxLength ?? -1,
        options: el.tagName === "SELECT" ? [...el.options].map((o) => ({ value: o.value, disabled: o.disabled })) : [],
        visible: visible(el),
      })),
      button: button ? (button.innerText || button.value || button.getAttribute("aria-label") || "").trim().slice(0, 40) : null,
    };
  },

  formValidity: () => {
    const form = document.querySelector("[data-appgen-fill]")?.closest("form");
    if (!form || form.noValidate) return null;
    const bad = [...form.elements].find((el) => el.willValidate && !el.checkValidity());
    return bad ? `${bad.name || bad.id || bad.type}: ${bad.validationMessage}` : null;
  },

  textFieldsEmpty: () =>
    [...document.querySelectorAll("[data-appgen-fill]")]
      .filter((el) => ["INPUT", "TEXTAREA"].includes(el.tagName) && !["checkbox", "radio", "date", "time", "number", "range", "color"].includes(el.type))
      .every((el) => el.value === ""),

  // Marks (data-appgen-click) up to `max` visible, enabled buttons that do not submit a form,
  // in document order, and returns their labels.
  markButtons: (max) => {
    for (const el of document.querySelectorAll("[data-appgen-click]")) el.removeAttribute("data-appgen-click");
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const s = getComputedStyle(el);
      return s.visibility !== "hidden" && s.display !== "none";
    };
    // A <button> without a type submits its form; outside a form it is a plain button.
    const submits = (el) =>
      el.tagName === "INPUT" ? false : el.tagName === "BUTTON" && !!el.form && (el.getAttribute("type") || "submit").toLowerCase() === "submit";
    const labels = [];
    for (const el of document.querySelectorAll("button, [role=button], input[type=button]")) {
      if (labels.length >= max) break;
      if (!visible(el) || el.disabled || el.getAttribute("aria-disabled") === "true" || submits(el)) continue;
      el.setAttribute("data-appgen-click", String(labels.length));
      labels.push((el.innerText || el.value || el.getAttribute("aria-label") || el.title || "").replace(/\s+/g, " ").trim().slice(0, 30));
    }
    return labels;
  },

  // What the page shows, one hash per element in document order (its own text, class, style,
  // aria-pressed/aria-checked and, for a form control, its value), to tell what a click changed.
  pageState: () => {
    const hash = (parts) => {
      let h = 2166136261;
      for (const p of parts) {
        const s = String(p ?? "") + "\u0001";
        for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
      }
      return (h >>> 0).toString(36);
    };
    const els = document.body ? [document.body, ...document.body.querySelectorAll("*")].slice(0, 5000) : [];
    return els.map((el) => {
      let own = "";
      for (const n of el.childNodes) if (n.nodeType === Node.TEXT_NODE) own += n.data;
      const value = ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)
        ? (el.type === "checkbox" || el.type === "radio" ? el.checked : el.value)
        : "";
      const attr = (a) => el.getAttribute(a);
      return hash([el.tagName, own, attr("class"), attr("style"), attr("aria-pressed"), attr("aria-checked"), value]);
    });
  },

  // Items of the list labelled `name` (rows of its table body, else its list items), or of the
  // page's biggest list; null when there is no list of that name.
  // The visible text of the first element whose aria-label is `name`; null when none is.
  regionText: (name) => {
    const want = name.replace(/\s+/g, " ").trim().toLowerCase();
    const named = [...document.querySelectorAll("[aria-label]")].find(
      (el) => (el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim().toLowerCase() === want,
    );
    return named ? named.innerText || "" : null;
  },

  listCount: (name) => {
    const items = (scope) => {
      const rows = scope.querySelectorAll("tbody tr, [role=row]:not(thead [role=row])");
      return rows.length || scope.querySelectorAll("li, [role=listitem]").length;
    };
    if (name) {
      const want = name.replace(/\s+/g, " ").trim().toLowerCase();
      const named = [...document.querySelectorAll("[aria-label], section, ul, ol, table")].find((el) => {
        const label = (el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim().toLowerCase();
        return label === want;
      });
      return named ? items(named) : null;
    }
    const lists = [...document.querySelectorAll("ul, ol, tbody")].filter((l) => !l.closest("nav"));
    return lists.reduce((m, l) => Math.max(m, l.children.length), 0);
  },

  // Where each text first shows: the index of the first list item (row, li) holding it, or,
  // when some text is in no item, its offset in the page's text. -1 when not visible.
  textOrder: (texts) => {
    const low = (s) => s.replace(/\s+/g, " ").trim().toLowerCase();
    const items = [...document.querySelectorAll("tbody tr, li, [role=row], [role=listitem]")].map((el) => low(el.innerText || ""));
    const inItems = texts.map((t) => items.findIndex((x) => x.includes(low(t))));
    if (inItems.every((i) => i >= 0)) return inItems;
    const hay = low(document.body.innerText || "");
    return texts.map((t) => hay.indexOf(low(t)));
  },

  // The number shown beside `label`: in the element that says it ("Total: 5"), else in its
  // parent or grandparent (a <dt> and its <dd>, a label and its output). Nearest level first.
  numberBeside: (label) => {
    const low = (s) => s.replace(/\s+/g, " ").trim().toLowerCase();
    const want = low(label);
    const says = (el) => {
      const t = low(el.innerText || "");
      return t === want || t.startsWith(want + ":") || t.startsWith(want + " :");
    };
    const all = [...document.body.querySelectorAll("*")].filter((el) => el.offsetParent !== null || el.tagName === "BODY");
    const hits = all.filter((el) => says(el) && ![...el.children].some(says));
    const number = (text) => {
      const rest = low(text).replace(want, " ").replace(/[$€£¥%]/g, "");
      const m = rest.match(/-?\d[\d,]*(\.\d+)?|-?\.\d+/);
      return m ? { value: Number(m[0].replace(/,/g, "")), text: text.replace(/\s+/g, " ").trim().slice(0, 80) } : null;
    };
    for (const level of [0, 1, 2]) {
      for (const el of hits) {
        let node = el;
        for (let i = 0; i < level && node.parentElement; i++) node = node.parentElement;
        const n = number(node.innerText || "");
        if (n) return n;
      }
    }
    return null;
  },

  // Colours as the browser paints them: a 1x1 canvas converts any CSS colour syntax
  // (Tailwind 4 emits oklch) to sRGB and composites translucent layers.
  colors: () => {
    const canvas = document.createElement("canvas");
    canvas.width = 1;
    canvas.height = 1;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const transparent = (c) => !c || c === "transparent" || /^rgba\(.*,\s*0\)$/.test(c) || /\/\s*0\)$/.test(c);
    const paint = (layers) => {
      ctx.globalCompositeOperation = "source-over";
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, 1, 1);
      for (const c of layers) {
        ctx.fillStyle = "#ffffff";
        ctx.fillStyle = c;
        ctx.fillRect(0, 0, 1, 1);
      }
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2]];
    };
    const bg = (el) => getComputedStyle(el).backgroundColor;
    const html = document.documentElement;
    const body = document.body;
    // CSS propagates body's background to the canvas when html has none.
    const rootLayer = !transparent(bg(html)) ? bg(html) : body && !transparent(bg(body)) ? bg(body) : "#ffffff";
    const skipBody = transparent(bg(html));
    const layersAt = (el) => {
      const chain = [];
      for (let n = el; n && n !== html; n = n.parentElement) {
        if (n === body && skipBody) continue;
        const c = bg(n);
        if (!transparent(c)) chain.push(c);
      }
      return [rootLayer, ...chain.reverse()];
    };
    const tally = new Map();
    const cols = 10;
    const rows = 8;
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < rows; j++) {
        const x = ((i + 0.5) * innerWidth) / cols;
        const y = ((j + 0.5) * innerHeight) / rows;
        const top = document.elementFromPoint(x, y);
        const rgb = paint(top ? layersAt(top) : [rootLayer]);
        const key = rgb.join(",");
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
    }
    const dominant = [...tally.entries()].sort((a, b) => b[1] - a[1])[0][0].split(",").map(Number);
    const page = paint([rootLayer]);
    const buttons = [];
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
    };
    const candidates = document.querySelectorAll("button, [role=button], input[type=submit], input[type=button], input[type=reset], a");
    for (const el of candidates) {
      if (!visible(el)) continue;
      if (el.tagName === "A" && transparent(bg(el))) continue; // plain links are not buttons
      const under = layersAt(el);
      const back = paint(under);
      const color = getComputedStyle(el).color;
      const fore = paint([...under, color]);
      const label = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30);
      buttons.push({ label, background: back, text: fore });
    }
    return { page, dominant, buttons };
  },
};

// ------------------------------------------------------------------ the check kinds

// One function per check kind (docs/eval/checks.md), each (ctx, check) -> [passed, detail].
// The checks arrive typed and validated by the builder (appgen_core::check::Check); a kind
// missing here is still reported, as a failed check, never skipped.
const CHECKS = {
  builds: checkBuilds,
  loads: checkLoads,
  text: checkText,
  field: checkField,
  submit_roundtrip: checkSubmitRoundtrip,
  persists: checkPersists,
  clicks: checkClicks,
  color: checkColor,
};

// When each kind runs (default 0: on the page as loaded).
const PHASES = { submit_roundtrip: 1, persists: 2, clicks: 3 };

async function runCheck(ctx, c) {
  const check = CHECKS[c?.kind];
  if (!Object.hasOwn(CHECKS, c?.kind)) return [false, `unknown check kind ${JSON.stringify(c?.kind)}`];
  // A page that never finished loading (a busy loop, say) would make every check wait
  // for its own timeout; they fail at once instead.
  if (ctx.loadError && c.kind !== "builds") return [false, `page did not load: ${ctx.loadError}`];
  return check(ctx, c);
}

function checkBuilds(ctx) {
  return ctx.distOk ? [true, ""] : [false, "dist/index.html is missing"];
}

function checkLoads(ctx) {
  const { atLoad } = ctx;
  if (!ctx.distOk) return [false, "dist/index.html is missing"];
  if (atLoad.pageErrors.length) return [false, `uncaught ${atLoad.pageErrors[0]}`];
  if (atLoad.failedRequests.length) return [false, `failed request: ${atLoad.failedRequests[0]}`];
  // A failed request also logs "Failed to load resource"; that says less than the request.
  const consoleErr = atLoad.consoleErrors.find((m) => !m.startsWith("Failed to load resource"));
  if (consoleErr ?? atLoad.consoleErrors[0]) return [false, `console error: ${consoleErr ?? atLoad.consoleErrors[0]}`];
  if (ctx.report.visibleText === 0 && !ctx.media) return [false, "blank page: no visible text or images"];
  return [true, ""];
}

function checkText(ctx, c) {
  const hay = ctx.text.toLowerCase();
  const any = c.any ?? [];
  const all = c.all ?? [];
  if (any.length && !any.some((s) => hay.includes(s.toLowerCase()))) {
    return [false, `visible text contains none of ${quoteList(any)}`];
  }
  const missing = all.filter((s) => !hay.includes(s.toLowerCase()));
  if (missing.length) return [false, `visible text lacks ${quoteList(missing)}`];
  return [true, ""];
}

async function checkField(ctx, c) {
  const any = c.any.map((s) => s.toLowerCase());
  const names = await ctx.evaluate(pageFns.controls);
  const hit = names.find((n) => any.some((s) => n.toLowerCase().includes(s)));
  if (hit) return [true, `found "${oneLine(hit, 80)}"`];
  if (names.length === 0) return [false, `no visible form control (wanted ${quoteList(any)})`];
  return [false, `no visible field named ${quoteList(any)}; fields: ${quoteList(names.map((n) => oneLine(n, 40) || "(unnamed)")).slice(0, 200)}`];
}

async function checkColor(ctx, c) {
  const target = namedColor(c.name);
  if (!target) return [false, `unknown colour name ${JSON.stringify(c.name)}`];
  const seen = await ctx.evaluate(pageFns.colors);
  const dist = (rgb) => deltaE76(rgb, target);
  const fmt = (rgb) => `${rgbHex(rgb)} (ΔE ${dist(rgb).toFixed(1)})`;
  if (c.target === "accent") {
    if (seen.buttons.length === 0) return [false, "no visible button"];
    let best = null;
    for (const b of seen.buttons) {
      for (const [part, rgb] of [["background", b.background], ["text", b.text]]) {
        if (!best || dist(rgb) < best.d) best = { d: dist(rgb), rgb, part, label: b.label };
      }
    }
    const desc = `${best.part} of button "${best.label}" is ${fmt(best.rgb)}`;
    return best.d <= MAX_DELTA_E ? [true, desc] : [false, `no button is ${c.name}; closest: ${desc}`];
  }
  const ok = dist(seen.page) <= MAX_DELTA_E || dist(seen.dominant) <= MAX_DELTA_E;
  const desc = `body ${fmt(seen.page)}, most of the viewport ${fmt(seen.dominant)}`;
  return ok ? [true, desc] : [false, `background is not ${c.name}: ${desc}`];
}

// Fills the form and submits it; remembers the token it typed (ctx.roundtrip) for persists.
async function checkSubmitRoundtrip(ctx, c) {
  const optional = c.optional === true;
  if (ctx.roundtrip) return ctx.roundtrip.result;
  const token = "tok" + Math.random().toString(36).slice(2, 10);
  const finish = (result) => {
    ctx.roundtrip = { result, token: result[0] ? token : null };
    return result;
  };
  const form = await ctx.evaluate(pageFns.markForm);
  if (!form || form.controls.length === 0) {
    return finish(optional ? [true, "no form on the page"] : [false, "no form with fillable controls"]);
  }
  // The pipeline's smoke test only round-trips forms that take free text.
  if (optional && form.tokenFields === 0) return finish([true, "no text form to round-trip"]);
  const count = async () => (await ctx.visibleText()).toLowerCase().split(token).length - 1;
  const errorsBefore = ctx.report.pageErrors.length;
  const radioGroups = new Set();
  const today = new Date().toISOString().slice(0, 10);
  let filled = 0;
  for (let i = 0; i < form.controls.length; i++) {
    const c = form.controls[i];
    const loc = ctx.page.locator(`[data-appgen-fill="${i}"]`);
    const num = (v) => (v === null || v === "" || Number.isNaN(Number(v)) ? null : Number(v));
    const setText = async (value) => {
      const v = c.maxLength > 0 ? value.slice(0, c.maxLength) : value;
      await loc.fill(v, { timeout: ACTION_MS, force: !c.visible });
      filled++;
    };
    try {
      switch (c.type) {
        case "checkbox":
          if (!c.checked) {
            await loc.check({ timeout: ACTION_MS, force: true });
            filled++;
          }
          break;
        case "radio":
          if (!radioGroups.has(c.name || i)) {
            radioGroups.add(c.name || i);
            const groupChecked = form.controls.some((o) => o.type === "radio" && o.name && o.name === c.name && o.checked);
            if (!groupChecked) {
              await loc.check({ timeout: ACTION_MS, force: true });
              filled++;
            }
          }
          break;
        case "select": {
          const current = c.options.find((o) => o.value === c.value);
          if (!c.value || current?.disabled) {
            const pick = c.options.find((o) => o.value !== "" && !o.disabled);
            if (pick) {
              await loc.selectOption(pick.value, { timeout: ACTION_MS });
              filled++;
            }
          }
          break;
        }
        default: {
          if (c.value !== "") break;
          const lo = num(c.min);
          const hi = num(c.max);
          const clampNum = (v) => Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, v));
          const clampDate = (v) => (c.min && v < c.min ? c.min : c.max && v > c.max ? c.max : v);
          switch (c.type) {
            case "email": await setText("tok@example.com"); break;
            case "number":
            case "range": {
              const step = num(c.step);
              let v = clampNum(3);
              if (step && step > 0 && lo !== null) v = lo + Math.ceil((v - lo) / step) * step;
              await setText(String(clampNum(v)));
              break;
            }
            case "date": await setText(clampDate(today)); break;
            case "time": await setText(clampDate("12:30")); break;
            case "datetime-local": await setText(clampDate(`${today}T12:30`)); break;
            case "month": await setText(clampDate(today.slice(0, 7))); break;
            case "week": await setText(clampDate(`${today.slice(0, 4)}-W10`)); break;
            case "tel": await setText("5551234567"); break;
            case "url": await setText("https://example.com"); break;
            case "password": await setText("Passw0rd!" + token); break;
            case "color": await setText("#336699"); break;
            default: await setText(token); // text, search, textarea, unknown types
          }
        }
      }
    } catch (e) {
      return finish([false, `could not fill a ${c.type} field: ${oneLine(e.message.split("\n")[0], 120)}`]);
    }
  }
  const before = await count();
  const textBefore = await ctx.visibleText();
  const invalid = await ctx.evaluate(pageFns.formValidity);
  let how;
  if (form.button !== null) {
    const button = ctx.page.locator("[data-appgen-submit]");
    how = `pressed "${form.button}"`;
    try {
      await button.click({ timeout: ACTION_MS });
    } catch {
      await button.click({ timeout: ACTION_MS, force: true }).catch(() => {});
    }
  } else if (form.isForm) {
    how = "submitted the form (no submit button)";
    await ctx.evaluate(() => document.querySelector("[data-appgen-fill]")?.closest("form")?.requestSubmit());
  } else {
    how = "pressed Enter (no button)";
    await ctx.page.locator('[data-appgen-fill="0"]').press("Enter").catch(() => {});
  }
  const deadline = Date.now() + APPEAR_MS;
  let after = await count();
  while (after <= before && Date.now() < deadline) {
    await ctx.page.waitForTimeout(100);
    after = await count().catch(() => 0);
  }
  const newErrors = ctx.report.pageErrors.slice(errorsBefore);
  if (newErrors.length) return finish([false, `uncaught ${newErrors[0]} after submit (${how})`]);
  if (after > before || (after > 0 && (await ctx.evaluate(pageFns.textFieldsEmpty)))) {
    return finish([true, `filled ${filled} field(s), ${how}`]);
  }
  // The smoke test accepts a form that answers and resets without echoing what was typed
  // (a contact form's "Thanks!"); a form that shows an error keeps its fields filled.
  if (
    optional &&
    !invalid &&
    (await ctx.visibleText().catch(() => textBefore)) !== textBefore &&
    (await ctx.evaluate(pageFns.textFieldsEmpty).catch(() => false))
  ) {
    return finish([true, `filled ${filled} field(s), ${how}; the form reset and the page changed (the typed text is not shown)`]);
  }
  const why = invalid ? `; the form is invalid: ${oneLine(invalid, 120)}` : "";
  return finish([false, `the typed text did not appear after filling ${filled} field(s) and ${how}${why}`]);
}

async function checkPersists(ctx) {
  const [ok, detail] = await checkSubmitRoundtrip(ctx, { optional: false });
  if (!ok) return [false, `submit_roundtrip failed first: ${detail}`];
  const token = ctx.roundtrip.token;
  if (!token) return [false, "no form with fillable controls"];
  try {
    await ctx.page.reload({ waitUntil: "load", timeout: LOAD_MS });
    await ctx.waitForText();
    await ctx.page
      .waitForFunction((t) => document.body.innerText.toLowerCase().includes(t), token, { timeout: 1500 })
      .catch(() => {});
  } catch (e) {
    return [false, `reload failed: ${oneLine(e.message.split("\n")[0])}`];
  }
  const hay = (await ctx.visibleText()).toLowerCase();
  return hay.includes(token) ? [true, ""] : [false, "the submitted entry is gone after a reload"];
}

// Clicks each visible, enabled button that is not a form's submit button (up to
// CLICK_MAX_BUTTONS, in document order) and counts those after which the page shows something
// else. An element that changed by itself (a clock) in the moment before a click does not count.
async function checkClicks(ctx, c) {
  const min = c.min ?? 2;
  const labels = await ctx.evaluate(pageFns.markButtons, CLICK_MAX_BUTTONS);
  if (labels.length < min) {
    return [false, `${labels.length} clickable button(s) besides submit buttons, ${min} needed to change the page`];
  }
  const errorsBefore = ctx.report.pageErrors.length + ctx.report.consoleErrors.length;
  const changed = [];
  const unchanged = [];
  for (let i = 0; i < labels.length; i++) {
    const name = labels[i] || `#${i + 1}`;
    const loc = ctx.page.locator(`[data-appgen-click="${i}"]`);
    if ((await loc.count()) === 0) {
      unchanged.push(`${name} (gone)`);
      continue;
    }
    const before = await ctx.evaluate(pageFns.pageState);
    await ctx.page.waitForTimeout(CLICK_IDLE_MS);
    const idle = await ctx.evaluate(pageFns.pageState);
    const busy = new Set(idle.flatMap((h, j) => (h !== before[j] ? [j] : [])));
    const differs = (after) => after.length !== idle.length || after.some((h, j) => h !== idle[j] && !busy.has(j));
    try {
      await loc.first().click({ timeout: CLICK_MS });
    } catch {
      // Covered (by a dialog an earlier click opened, say): a script click still runs its handler.
      await loc.first().evaluate((el) => el.click()).catch(() => {});
    }
    const deadline = Date.now() + CLICK_SETTLE_MS;
    let changedIt = false;
    do {
      await ctx.page.waitForTimeout(50);
      changedIt = differs(await ctx.evaluate(pageFns.pageState).catch(() => idle));
    } while (!changedIt && Date.now() < deadline);
    (changedIt ? changed : unchanged).push(name);
    const errors = [...ctx.report.pageErrors, ...ctx.report.consoleErrors];
    if (errors.length > errorsBefore) {
      return [false, `clicking "${name}" caused an error: ${errors[errors.length - 1]}`];
    }
  }
  const tally = `${changed.length} of ${labels.length} button(s) changed the page, ${min} needed`;
  if (changed.length >= min) return [true, tally];
  return [false, `${tally}; no change after ${quoteList(unchanged)}`];
}

// ------------------------------------------------------------------ acceptance scenarios

// Scenarios (appgen_core::scenario, docs/qa.md) arrive validated by the builder. Each starts
// from an empty app (storage cleared, page reloaded); steps run in order and the first that
// fails ends the scenario with what it expected, what the page showed and a screenshot.
const SCENARIO_MS = 20000;
const EXPECT_MS = 2500;
// The bound of `expect_live` (appgen_core::scenario::MAX_LIVE_MS).
const LIVE_MS = 2000;

const norm = (s) => String(s ?? "").replace(/\s+/g, " ").trim().toLowerCase();

// The control a person would call `label`: an exact label (or aria-label) first, then one
// that contains the words.
// Only controls count: a form or region can carry the same words as its aria-label, and a
// required field's label often ends in a hidden " *".
const CONTROLS = "input, select, textarea, [contenteditable=true], [role=textbox], [role=combobox], [role=checkbox], [role=switch], [role=radio], [role=slider], [role=spinbutton]";

async function byLabel(page, label) {
  const exact = page.getByLabel(label, { exact: true }).and(page.locator(CONTROLS));
  if ((await exact.count()) > 0) return exact.first();
  const loose = page.getByLabel(label).and(page.locator(CONTROLS));
  if ((await loose.count()) > 0) return loose.first();
  throw new StepError(`a control labelled "${label}"`, `no control has that label; fields: ${quoteList((await page.evaluate(pageFns.controls)).slice(0, 8))}`);
}

async function byRole(page, role, name) {
  const exact = page.getByRole(role, { name, exact: true });
  if ((await exact.count()) > 0) return exact.first();
  const loose = page.getByRole(role, { name });
  if ((await loose.count()) > 0) return loose.first();
  const names = await page.getByRole(role).evaluateAll((els) => els.slice(0, 10).map((e) => (e.innerText || e.getAttribute("aria-label") || e.value || "").trim()));
  throw new StepError(`a ${role} named "${name}"`, `no such ${role}; ${role}s: ${quoteList(names.filter(Boolean))}`);
}

class StepError extends Error {
  constructor(expected, seen) {
    super(`expected ${expected}; saw ${seen}`);
    this.expected = expected;
    this.seen = seen;
  }
}

// One function per step kind (`do`), each (ctx, step) -> nothing, or throws StepError.
const SCENARIO_STEPS = {
  fill: async ({ page }, s) => (await byLabel(page, s.label)).fill(String(s.value), { timeout: ACTION_MS }),
  select: async ({ page }, s) => {
    const loc = await byLabel(page, s.label);
    try {
      await loc.selectOption({ label: s.option }, { timeout: ACTION_MS });
    } catch {
      const options = await loc.evaluate((el) => [...(el.options ?? [])].map((o) => o.text)).catch(() => []);
      const hit = options.find((o) => norm(o) === norm(s.option));
      if (!hit) throw new StepError(`an option "${s.option}" in "${s.label}"`, `options ${quoteList(options)}`);
      await loc.selectOption({ label: hit }, { timeout: ACTION_MS });
    }
  },
  check: async ({ page }, s) => (await byLabel(page, s.label)).setChecked(s.checked !== false, { timeout: ACTION_MS, force: true }),
  click: async ({ page }, s) => (await byRole(page, s.role, s.name)).click({ timeout: ACTION_MS }),
  press: async ({ page }, s) => (s.label ? (await byLabel(page, s.label)).press(s.key) : page.keyboard.press(s.key)),
  reload: async (ctx) => {
    await ctx.page.reload({ waitUntil: "load", timeout: LOAD_MS });
    await ctx.waitForText();
  },
  fresh_context: async (ctx) => freshContext(ctx),
  open_second: async (ctx) => openSecond(ctx),
  switch_to: async (ctx, s) => switchTo(ctx, s.window),
  wait: async ({ page }, s) => page.waitForTimeout(Math.min(Number(s.ms) || 0, 10000)),
  expect: async (ctx, s) => expectEventually(ctx, s.expect),
  expect_live: async (ctx, s) => expectEventually(ctx, s.expect, Math.min(Number(s.within_ms) || 0, LIVE_MS)),
};

// One function per expectation kind, each (ctx, e) -> [passed, expected, seen].
const EXPECTATIONS = {
  text_visible: async (ctx, e) => {
    const [hay, where] = await scopedText(ctx, e.within);
    if (hay === null) return [false, `text "${e.text}" visible ${where}`, "no such list"];
    return [hay.includes(norm(e.text)), `text "${e.text}" visible ${where}`, `text "${oneLine(hay, 160)}"`];
  },
  text_hidden: async (ctx, e) => {
    const [hay, where] = await scopedText(ctx, e.within);
    if (hay === null) return [false, `no visible "${e.text}" ${where}`, "no such list"];
    const at = hay.indexOf(norm(e.text));
    return [at < 0, `no visible "${e.text}" ${where}`, `"…${hay.slice(Math.max(0, at - 40), at + 60)}…"`];
  },
  value: async (ctx, e) => {
    const v = await (await byLabel(ctx.page, e.label)).inputValue();
    return [v.trim() === String(e.value).trim(), `"${e.label}" holds "${e.value}"`, `"${v}"`];
  },
  count: async (ctx, e) => {
    const n = await ctx.page.evaluate(pageFns.listCount, e.list ?? null);
    const where = e.list ? `the list "${e.list}"` : "the main list";
    if (n === null) return [false, `${where} with ${e.count} item(s)`, "no such list"];
    return [n === e.count, `${where} with ${e.count} item(s)`, `${n} item(s)`];
  },
  order: async (ctx, e) => {
    const pos = await ctx.page.evaluate(pageFns.textOrder, e.texts);
    const missing = e.texts.filter((_, i) => pos[i] < 0);
    const want = `${quoteList(e.texts)} in this order`;
    if (missing.length) return [false, want, `${quoteList(missing)} not visible`];
    const sorted = [...e.texts].map((t, i) => [t, pos[i]]).sort((a, b) => a[1] - b[1]).map((x) => x[0]);
    return [pos.every((p, i) => i === 0 || p > pos[i - 1]), want, `the order ${quoteList(sorted)}`];
  },
  number: async (ctx, e) => {
    const shown = await ctx.page.evaluate(pageFns.numberBeside, e.label);
    const want = `${e.value} beside "${e.label}"${e.tolerance ? ` (± ${e.tolerance})` : ""}`;
    if (shown === null) return [false, want, `no number beside "${e.label}"`];
    const ok = Math.abs(shown.value - e.value) <= (e.tolerance ?? 0) + 1e-9;
    return [ok, want, `"${shown.text}"`];
  },
  color: async (ctx, e) => {
    const [ok, detail] = await checkColor(ctx, e);
    return [ok, `the ${e.target === "accent" ? "buttons" : "background"} ${e.name}`, detail];
  },
};

// The visible text of the list labelled `within` (folded), else of the page; null when the
// page has no such list.
async function scopedText(ctx, within) {
  if (!within) return [norm(await ctx.visibleText()), "on the page"];
  const text = await ctx.page.evaluate(pageFns.regionText, within);
  return [text === null ? null : norm(text), `in the list "${within}"`];
}

// Expectations are polled briefly: the app may still be rendering what the last step did.
// `liveMs` (`expect_live`): it must hold within that bound, judged on a look taken before the
// bound ran out, the page not reloaded in between (polling never reloads).
async function expectEventually(ctx, e, liveMs) {
  const judge = EXPECTATIONS[e?.kind];
  if (!Object.hasOwn(EXPECTATIONS, e?.kind)) throw new StepError(`a known expectation`, `kind ${JSON.stringify(e?.kind)}`);
  const deadline = Date.now() + (liveMs || EXPECT_MS);
  for (;;) {
    const lookedAt = Date.now();
    const [ok, expected, seen] = await judge(ctx, e);
    if (ok && (!liveMs || lookedAt <= deadline)) return;
    if (Date.now() > deadline) throw new StepError(liveMs ? `${expected} within ${liveMs} ms, without a reload` : expected, seen);
    await ctx.page.waitForTimeout(100);
  }
}

// A new visitor: a new browser context (no storage, no cookies, no cache) with the app
// loaded in it, in place of the current window. What the app keeps in the browser is gone;
// what it keeps on its server stays.
async function freshContext(sctx) {
  const old = sctx.windows[sctx.current];
  if (old) await withTimeout(old.context.close(), 5000, "closing a context").catch(() => {});
  const context = await sctx.browser.newContext({ viewport: VIEWPORT, serviceWorkers: "block" });
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_MS);
  page.on("dialog", (d) => d.accept().catch(() => {}));
  sctx.windows[sctx.current] = { context, page };
  switchTo(sctx, sctx.current);
  await page.goto(`${sctx.origin}/`, { waitUntil: "load", timeout: LOAD_MS });
  await sctx.waitForText();
}

// Another person at the same time: a second window (a fresh context) kept open beside the
// first; the next steps act on it.
async function openSecond(sctx) {
  if (sctx.windows.second) throw new StepError("a second window to open", "it is already open");
  sctx.current = "second";
  await freshContext(sctx);
}

function switchTo(sctx, window) {
  const w = sctx.windows[window];
  if (!w) throw new StepError(`the ${window} window`, "no such window open");
  sctx.current = window;
  sctx.context = w.context;
  sctx.page = w.page;
}

// What the scenario steps get: the current window's page (swapped by `fresh_context`,
// `open_second`, `switch_to`), the windows open, and the helpers the expectations use, bound
// to the current page.
function scenarioContext(browser, origin, shotsDir, data) {
  const sctx = { browser, origin, shotsDir, data, windows: {}, current: "first", context: null, page: null };
  sctx.evaluate = (fn, arg) => withTimeout(sctx.page.evaluate(fn, arg), ACTION_MS, "page script");
  sctx.visibleText = async () => (await sctx.evaluate(pageFns.visibleText)) ?? "";
  sctx.waitForText = async () => {
    await sctx.page
      .waitForFunction(() => document.body && document.body.innerText.trim().length > 0, null, { timeout: 2000 })
      .catch(() => {});
    await sctx.page.waitForTimeout(SETTLE_MS);
  };
  return sctx;
}

async function runScenario(ctx, sc, index) {
  const result = { name: sc.name, requirement: sc.requirement, passed: false };
  let at = 0;
  try {
    if (ctx.data) await resetData(ctx.data).catch((e) => {
      throw new StepError("an empty data space", oneLine(e.message));
    });
    await freshContext(ctx);
    for (const [i, step] of (sc.steps ?? []).entries()) {
      at = i + 1;
      const run = SCENARIO_STEPS[step?.do];
      if (!Object.hasOwn(SCENARIO_STEPS, step?.do)) throw new StepError("a known step", `do ${JSON.stringify(step?.do)}`);
      await run(ctx, step);
    }
    result.passed = true;
    return result;
  } catch (e) {
    result.failedStep = at;
    result.expected = e instanceof StepError ? oneLine(e.expected, 300) : `step ${at} (${sc.steps?.[at - 1]?.do}) to run`;
    result.seen = e instanceof StepError ? oneLine(e.seen, 300) : oneLine(e.message.split("\n")[0], 300);
  }
  if (ctx.shotsDir) {
    const file = `acceptance-${index + 1}.png`;
    const shot = ctx.page.screenshot({ path: path.join(ctx.shotsDir, file), timeout: 5000 });
    if (await withTimeout(shot, 6000, "screenshot").then(() => true, () => false)) result.screenshot = file;
  }
  return result;
}

// Every scenario in its own context of a browser of their own (a persistent context, the
// checks', cannot open others).
async function runScenarios(cfg, origin, shotsDir, scenarios) {
  const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 15000 });
  const out = [];
  try {
    for (const [i, sc] of scenarios.entries()) {
      const ctx = scenarioContext(browser, origin, shotsDir, cfg.data ?? null);
      const r = await withTimeout(runScenario(ctx, sc, i), SCENARIO_MS, `scenario "${sc.name}"`).catch((e) => ({
        name: sc.name, requirement: sc.requirement, passed: false, expected: "the scenario to finish", seen: oneLine(e.message),
      }));
      for (const w of Object.values(ctx.windows)) await withTimeout(w.context.close(), 5000, "closing a context").catch(() => {});
      out.push(r);
    }
  } finally {
    await withTimeout(browser.close(), 5000, "closing chromium").catch(() => {});
  }
  return out;
}

// ------------------------------------------------------------------ the check

async function run(cfg) {
  const started = Date.now();
  const report = {
    passed: false,
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    visibleText: 0,
    checks: [],
    durationMs: 0,
  };
  const checks = Array.isArray(cfg.checks) ? cfg.checks : [];
  const distOk = fs.existsSync(path.join(cfg.dist, "index.html"));

  const server = await serveDist(cfg.dist, cfg.data ?? null);
  if (cfg.data) report.dataSpace = true;
  const origin = `http://127.0.0.1:${server.address().port}`;
  // Same-origin URLs are reported as paths so the error text is stable across runs.
  const shortUrl = (u) => (u.startsWith(origin) ? u.slice(origin.length) || "/" : u);

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "appgen-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: cfg.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
      timeout: 15000,
      serviceWorkers: "block",
    });
  } catch (e) {
    server.close();
    const err = new Error(`chromium did not start: ${oneLine(e.message, 400)}`);
    err.fatal = true;
    throw err;
  }

  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(ACTION_MS);
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      if (isFavicon(msg.location()?.url ?? "")) return;
      report.consoleErrors.push(oneLine(msg.text()).replaceAll(origin, ""));
    });
    page.on("pageerror", (err) => {
      const name = err.name && err.name !== "Error" ? `${err.name}: ` : "";
      report.pageErrors.push(oneLine(`${name}${err.message}`).replaceAll(origin, ""));
    });
    page.on("crash", () => report.pageErrors.push("the page crashed"));
    page.on("requestfailed", (req) => {
      const why = req.failure()?.errorText ?? "failed";
      if (isFavicon(req.url()) || why.includes("ERR_ABORTED")) return;
      report.failedRequests.push(`${req.method()} ${shortUrl(req.url())}: ${why}`);
    });
    page.on("response", (res) => {
      if (res.status() >= 400 && !isFavicon(res.url())) {
        report.failedRequests.push(`${res.request().method()} ${shortUrl(res.url())}: HTTP ${res.status()}`);
      }
    });
    page.on("dialog", (d) => d.accept().catch(() => {}));

    const evaluate = (fn, arg) => withTimeout(page.evaluate(fn, arg), ACTION_MS, "page script");
    const visibleText = async () => (await evaluate(pageFns.visibleText)) ?? "";
    const waitForText = async () => {
      await page
        .waitForFunction(() => document.body && document.body.innerText.trim().length > 0, null, { timeout: 2000 })
        .catch(() => {});
      await page.waitForTimeout(SETTLE_MS);
    };

    let loadError = null;
    try {
      await page.goto(`${origin}/`, { waitUntil: "load", timeout: LOAD_MS });
      await waitForText();
    } catch (e) {
      loadError = oneLine(e.message.split("\n")[0]);
    }
    let text = "";
    let media = false;
    if (!loadError) {
      try {
        text = await visibleText();
        media = await evaluate(pageFns.hasVisibleMedia);
      } catch (e) {
        loadError = oneLine(e.message);
      }
    }
    report.visibleText = text.trim().length;
    const atLoad = {
      pageErrors: [...report.pageErrors],
      failedRequests: [...report.failedRequests],
      consoleErrors: [...report.consoleErrors],
    };

    if (cfg.screenshot && !loadError) {
      await withTimeout(page.screenshot({ path: cfg.screenshot, timeout: 5000 }), 6000, "screenshot").catch(() => {});
    }

    const ctx = { page, report, distOk, loadError, text, media, atLoad, evaluate, visibleText, waitForText, roundtrip: null };
    // Read-only checks see the page as loaded; then the form is used, then reloaded; the
    // buttons are clicked last, as they may change anything.
    const phase = (c) => PHASES[c?.kind] ?? 0;
    const results = new Array(checks.length);
    const indexed = checks.map((c, i) => [c, i]).sort((a, b) => phase(a[0]) - phase(b[0]));
    for (const [c, i] of indexed) {
      let passed;
      let detail;
      try {
        [passed, detail] = await runCheck(ctx, c);
      } catch (e) {
        [passed, detail] = [false, `check failed to run: ${oneLine(e.message.split("\n")[0])}`];
      }
      results[i] = { kind: String(c?.kind ?? ""), passed, ...(detail ? { detail: oneLine(detail, 400) } : {}) };
    }
    report.checks = results;
    report.passed = results.every((r) => r.passed);
    const scenarios = Array.isArray(cfg.scenarios) ? cfg.scenarios : [];
    if (scenarios.length && !loadError) {
      const shotsDir = cfg.screenshot ? path.dirname(cfg.screenshot) : null;
      // The checks' browser goes first: two at once would crowd the sandbox's process limit.
      await withTimeout(context.close(), 5000, "closing chromium").catch(() => {});
      report.acceptance = await runScenarios(cfg, origin, shotsDir, scenarios).catch((e) =>
        scenarios.map((sc) => ({
          name: sc.name, requirement: sc.requirement, passed: false, failedStep: 0,
          expected: "a browser for the scenarios", seen: oneLine(e.message, 300),
        })),
      );
    } else if (scenarios.length) {
      report.acceptance = scenarios.map((sc) => ({
        name: sc.name, requirement: sc.requirement, passed: false, failedStep: 0,
        expected: "the page to load", seen: oneLine(loadError, 300),
      }));
    }
  } finally {
    await withTimeout(context.close(), 5000, "closing chromium").catch(() => {});
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  report.durationMs = Date.now() - started;
  return report;
}

async function colorsSelftest(executablePath) {
  const names = Object.keys(NAMED_COLORS);
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), "appgen-chromium-")), {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const seen = await page.evaluate((list) => {
    const ctx = document.createElement("canvas").getContext("2d");
    return list.map((n) => {
      ctx.fillStyle = "#010203";
      ctx.fillStyle = n;
      return ctx.fillStyle;
    });
  }, names);
  await context.close();
  const wrong = names.filter((n, i) => seen[i] !== NAMED_COLORS[n]);
  return { count: names.length, wrong };
}

async function main() {
  if (process.argv[2] === "--colors-selftest") {
    const r = await colorsSelftest(process.argv[3] || "/usr/bin/chromium");
    process.stdout.write(JSON.stringify(r) + "\n");
    process.exit(r.count === 148 && r.wrong.length === 0 ? 0 : 1);
  }
  const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const budget = Math.max(5000, Number(cfg.timeoutMs) || 30000);
  try {
    const report = await withTimeout(run(cfg), budget, "the check");
    process.stdout.write(JSON.stringify(report) + "\n");
    process.exit(0);
  } catch (e) {
    process.stdout.write(JSON.stringify({ fatal: oneLine(e.message, 500), isFatal: !!e.fatal }) + "\n");
    process.exit(e.fatal ? 3 : 4);
  }
}

main();
