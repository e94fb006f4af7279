// Runs during the build: looks for what a build must not see or change.
const fs = require("node:fs");
const path = require("node:path");

const out = {};
const attempt = (name, f) => {
  try {
    out[name] = f();
  } catch (e) {
    out[name] = "ERR " + (e.code || e.message);
  }
};
attempt("root", () => fs.readdirSync("/root").length);
attempt("secret", () => fs.readFileSync("__SECRET__", "utf8"));
attempt("otherRuns", () => fs.readdirSync(path.dirname(path.dirname("__SECRET__"))));
attempt("shadow", () => fs.readFileSync("/etc/shadow", "utf8").length);
attempt("templateWrite", () => {
  fs.writeFileSync(path.join(fs.realpathSync("node_modules"), "probe.txt"), "x");
  return "written";
});
attempt("appWrite", () => {
  fs.writeFileSync("probe.txt", "x");
  return "written";
});
throw new Error("PROBE " + JSON.stringify(out));
