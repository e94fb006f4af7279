// Runs `npm ci` when node_modules is missing or older than package-lock.json, so `npm run
// build|test|e2e` work in a fresh clone (CI) without a separate install step.
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = readFileSync(join(root, "package-lock.json"));
const hash = createHash("sha256").update(lock).digest("hex");
const stamp = join(root, "node_modules", ".appgen-lock-sha256");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== hash) {
  console.error("[web] installing dependencies (npm ci)…");
  execSync("npm ci --no-audit --no-fund", { cwd: root, stdio: "inherit" });
  writeFileSync(stamp, hash);
}
