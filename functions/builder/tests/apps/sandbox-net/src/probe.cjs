// Runs during the build (Tailwind loads @plugin files): tries to reach a TCP port on the host's
// loopback and to resolve a public name, then fails the build with what it saw.
const { execFileSync } = require("node:child_process");

const probe = `
const net = require("node:net");
const dns = require("node:dns");
const out = {};
let pending = 2;
const done = (key, value) => {
  if (key in out) return;
  out[key] = value;
  if (--pending === 0) {
    console.log(JSON.stringify(out));
    process.exit(0);
  }
};
const socket = net.connect({ host: "127.0.0.1", port: Number(process.argv[1]) });
socket.setTimeout(3000, () => { done("host", "timeout"); socket.destroy(); });
socket.on("connect", () => { done("host", "connected"); socket.destroy(); });
socket.on("error", (e) => done("host", e.code || "error"));
dns.lookup("registry.npmjs.org", (e) => done("dns", e ? e.code || "error" : "resolved"));
`;

const result = execFileSync(process.execPath, ["-e", probe, "__PORT__"], {
  encoding: "utf8",
  timeout: 10000,
}).trim();
throw new Error("PROBE " + result);
