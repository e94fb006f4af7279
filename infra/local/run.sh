#!/usr/bin/env bash
# Starts appgen on this machine: the web UI, the API and every step worker, with the embedded
# backend (files under .appgen/data) and the offline generator. http://127.0.0.1:7071/
# Extra arguments go to `appgen serve` (e.g. --addr 0.0.0.0:7071 --data /var/lib/appgen).
set -euo pipefail
cd "$(dirname "$0")/../.."

bash infra/local/setup.sh
echo "==> building the web UI (web/dist)"
(cd web && npm run build --silent)
echo "==> building appgen (release)"
cargo build --release -p appgen --quiet
exec ./target/release/appgen serve --local "$@"
