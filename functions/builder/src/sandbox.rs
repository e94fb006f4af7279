//! Runs a command with no network, its own PID namespace, resource limits and a deadline.
//!
//! Layers, outside in: `bwrap` (or `unshare`) → `prlimit` → `setpriv` (a throwaway uid, so
//! RLIMIT_NPROC applies: the kernel never enforces it for root) → the command. Killing the
//! outer process ends the PID namespace, and with it every process the command started.

use crate::config::{Limits, SandboxMode};
use appgen_core::ports::BuildError;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Sandboxed processes run as a uid from this range (when the builder is root). Each run
/// takes its own, so one run's processes never count against another's limit.
pub const SANDBOX_UIDS: std::ops::Range<u32> = 300_000..360_000;

/// Output kept per stream; the rest is read and dropped.
const MAX_CAPTURE: usize = 2 << 20;

/// What to run and what it may see.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    pub mode: SandboxMode,
    /// Visible read-only (bwrap), at the same path.
    pub read_only: Vec<PathBuf>,
    /// Visible and writable (bwrap), at the same path.
    pub writable: Vec<PathBuf>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub argv: Vec<String>,
    pub limits: Limits,
    /// Run as this uid/gid (needs root); `None` keeps the caller's.
    pub uid: Option<u32>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Exit code; `None` when killed by a signal or on timeout.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl RunOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// A failure of the sandbox tooling itself (bwrap could not set up, a limit tool is
    /// missing), as opposed to the command failing.
    pub fn sandbox_failure(&self) -> Option<String> {
        let first = self
            .stderr
            .lines()
            .chain(self.stdout.lines())
            .find(|l| !l.trim().is_empty())?;
        let tool = ["bwrap:", "unshare:", "prlimit:", "setpriv:"]
            .iter()
            .any(|p| first.starts_with(p));
        (tool && !self.success()).then(|| first.trim().to_string())
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A uid for one run: distinct across concurrent runs of this process, and unlikely to
/// meet other processes' choices.
pub fn next_uid() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let span = SANDBOX_UIDS.end - SANDBOX_UIDS.start;
    SANDBOX_UIDS.start + (std::process::id().wrapping_mul(7919).wrapping_add(n) % span)
}

/// Where an executable is: absolute paths as given, others looked up on PATH.
pub fn resolve_program(program: &Path) -> Option<PathBuf> {
    if program.is_absolute() {
        return program.exists().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Read-only binds that make a program usable inside bwrap when it lives outside /usr
/// (e.g. node from nvm): the installation directory above its `bin/`.
pub fn program_binds(program: &Path) -> Vec<PathBuf> {
    let Ok(real) = program.canonicalize() else {
        return Vec::new();
    };
    if real.starts_with("/usr") {
        return Vec::new();
    }
    let dir = real
        .parent()
        .map(|bin| bin.parent().unwrap_or(bin).to_path_buf());
    dir.into_iter().collect()
}

/// Changes the owner of `dir` and everything under it (symlinks themselves, not targets).
pub fn chown_tree(dir: &Path, uid: u32) -> std::io::Result<()> {
    std::os::unix::fs::lchown(dir, Some(uid), Some(uid))?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            chown_tree(&path, uid)?;
        } else {
            std::os::unix::fs::lchown(&path, Some(uid), Some(uid))?;
        }
    }
    Ok(())
}

/// /etc files the toolchain and Chromium read; the rest of /etc (shadow, keys) stays out.
const ETC_ENTRIES: [&str; 13] = [
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "ssl",
    "fonts",
    "chromium",
    "chromium.d",
    "localtime",
];

fn ancestors_to_create(path: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = path
        .ancestors()
        .skip(1)
        .filter(|p| p.parent().is_some())
        .map(Path::to_path_buf)
        .collect();
    v.reverse();
    v
}

fn bwrap_args(spec: &SandboxSpec) -> Vec<String> {
    let mut a: Vec<String> = [
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut push = |xs: &[&str]| a.extend(xs.iter().map(|s| s.to_string()));
    // Merged-/usr systems link these into /usr; others have real directories.
    for top in ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"] {
        match std::fs::read_link(top) {
            Ok(target) => push(&["--symlink", &target.to_string_lossy(), top]),
            Err(_) => push(&["--ro-bind-try", top, top]),
        }
    }
    push(&["--perms", "0755", "--dir", "/etc"]);
    for e in ETC_ENTRIES {
        let p = format!("/etc/{e}");
        push(&["--ro-bind-try", &p, &p]);
    }
    push(&[
        "--ro-bind-try",
        "/var/cache/fontconfig",
        "/var/cache/fontconfig",
    ]);
    push(&["--proc", "/proc", "--dev", "/dev"]);
    push(&[
        "--perms",
        "1777",
        "--size",
        &(512u64 << 20).to_string(),
        "--tmpfs",
        "/tmp",
    ]);
    let mut made: Vec<PathBuf> = vec![
        PathBuf::from("/tmp"),
        PathBuf::from("/usr"),
        PathBuf::from("/etc"),
    ];
    let binds = spec
        .read_only
        .iter()
        .map(|p| (p, "--ro-bind"))
        .chain(spec.writable.iter().map(|p| (p, "--bind")));
    for (path, how) in binds {
        // bwrap makes missing mount points 0700, which the sandbox uid could not traverse.
        for dir in ancestors_to_create(path) {
            if !made.contains(&dir) {
                push(&["--perms", "0755", "--dir", &dir.to_string_lossy()]);
                made.push(dir);
            }
        }
        let p = path.to_string_lossy();
        push(&[how, &p, &p]);
    }
    push(&["--chdir", &spec.cwd.to_string_lossy()]);
    for (k, v) in &spec.env {
        push(&["--setenv", k, v]);
    }
    if spec.uid.is_some() {
        push(&["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]);
    }
    push(&["--"]);
    a
}

/// Tasks (processes and threads) the current user runs now, from /proc.
fn current_user_tasks() -> u64 {
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut tasks = 0;
    for entry in entries.flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        };
        if field("Uid:") == Some(u64::from(me)) {
            tasks += field("Threads:").unwrap_or(1);
        }
    }
    tasks
}

/// prlimit, then setpriv when switching uid, then the command.
fn limited_argv(spec: &SandboxSpec) -> Vec<String> {
    let l = &spec.limits;
    // Without a uid of its own the limit counts every task of the user, so it is raised
    // by what the user already runs.
    let processes = if spec.uid.is_none() && !is_root() {
        l.processes + current_user_tasks()
    } else {
        l.processes
    };
    let mut v = vec![
        "/usr/bin/prlimit".to_string(),
        format!("--nproc={processes}"),
        format!("--data={}", l.memory_bytes),
        format!("--cpu={}", l.cpu_seconds),
        format!("--fsize={}", l.file_bytes),
        "--core=0".to_string(),
        "--".to_string(),
    ];
    if let Some(uid) = spec.uid {
        v.extend([
            "/usr/bin/setpriv".to_string(),
            format!("--reuid={uid}"),
            format!("--regid={uid}"),
            "--clear-groups".to_string(),
            "--".to_string(),
        ]);
    }
    v.extend(spec.argv.iter().cloned());
    v
}

/// The full command line for `spec` (program first).
pub fn command_line(spec: &SandboxSpec) -> Vec<String> {
    let inner = limited_argv(spec);
    match spec.mode {
        SandboxMode::Bwrap => {
            let mut v = vec!["/usr/bin/bwrap".to_string()];
            v.extend(bwrap_args(spec));
            v.extend(inner);
            v
        }
        SandboxMode::Unshare => {
            // `unshare -n` leaves loopback down; the check serves the app on 127.0.0.1.
            let mut v: Vec<String> = [
                "/usr/bin/unshare",
                "--net",
                "--pid",
                "--fork",
                "--kill-child",
                "--mount-proc",
                "--",
                "/bin/sh",
                "-c",
                "ip link set lo up 2>/dev/null || true; exec \"$@\"",
                "sh",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            v.extend(inner);
            v
        }
        SandboxMode::None => inner,
    }
}

async fn read_capped<R: AsyncRead + Unpin>(mut r: R) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = MAX_CAPTURE.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    kept
}

/// Runs `spec` to completion or its deadline. `Err` only when the process cannot start.
pub async fn run(spec: &SandboxSpec) -> Result<RunOutput, BuildError> {
    let argv = command_line(spec);
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| BuildError::Unavailable("empty command".into()))?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&spec.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    if spec.mode != SandboxMode::Bwrap {
        // bwrap sets the environment itself (--clearenv/--setenv).
        cmd.env_clear().envs(spec.env.iter().map(|(k, v)| (k, v)));
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| BuildError::Unavailable(format!("cannot start {program}: {e}")))?;
    let pgid = child.id();
    let stdout = child.stdout.take().map(|s| tokio::spawn(read_capped(s)));
    let stderr = child.stderr.take().map(|s| tokio::spawn(read_capped(s)));
    let (status, timed_out) = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(status) => (status.ok(), false),
        Err(_) => {
            tracing::warn!(timeout = ?spec.timeout, "sandboxed command timed out; killing it");
            kill_group(pgid);
            let _ = child.kill().await;
            (None, true)
        }
    };
    // Also ends stragglers in the process group (unsandboxed mode, or a straggler holding
    // the output pipes open).
    kill_group(pgid);
    let collect = |h: Option<tokio::task::JoinHandle<Vec<u8>>>| async move {
        match h {
            Some(h) => tokio::time::timeout(Duration::from_secs(2), h)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
            None => Vec::new(),
        }
    };
    let stdout = collect(stdout).await;
    let stderr = collect(stderr).await;
    use std::os::unix::process::ExitStatusExt;
    Ok(RunOutput {
        code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        timed_out,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    })
}

fn kill_group(pgid: Option<u32>) {
    if let Some(pid) = pgid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 1) {
        // SAFETY: kill has no memory-safety preconditions; a stale group id only yields ESRCH.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(mode: SandboxMode) -> SandboxSpec {
        SandboxSpec {
            mode,
            read_only: vec![PathBuf::from("/work/tpl")],
            writable: vec![PathBuf::from("/tmp/jobs/j1/app")],
            cwd: PathBuf::from("/tmp/jobs/j1/app"),
            env: vec![("HOME".into(), "/tmp".into())],
            argv: vec!["/bin/sh".into(), "-c".into(), "true".into()],
            limits: Limits::BUILD,
            uid: Some(300_001),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn bwrap_command_isolates_network_and_binds_only_what_is_needed() {
        let cl = command_line(&spec(SandboxMode::Bwrap)).join(" ");
        for want in [
            "--unshare-net",
            "--unshare-pid",
            "--die-with-parent",
            "--ro-bind /work/tpl /work/tpl",
            "--bind /tmp/jobs/j1/app /tmp/jobs/j1/app",
            "--perms 0755 --dir /tmp/jobs",
            "--perms 0755 --dir /work",
            "--nproc=256",
            "--reuid=300001",
            "--chdir /tmp/jobs/j1/app",
        ] {
            assert!(cl.contains(want), "missing {want:?} in {cl}");
        }
        assert!(!cl.contains("--bind / /") && !cl.contains("--ro-bind / /"));
        assert!(!cl.contains("/root"));
        // The limits wrap the command inside the sandbox.
        let prlimit = cl.find("/usr/bin/prlimit").expect("prlimit");
        assert!(cl.find("--unshare-net").is_some_and(|i| i < prlimit));
        assert!(cl.find("/usr/bin/setpriv").is_some_and(|i| i > prlimit));
    }

    #[test]
    fn unshare_and_none_modes_still_limit() {
        let u = command_line(&spec(SandboxMode::Unshare)).join(" ");
        assert!(u.starts_with("/usr/bin/unshare --net --pid"), "{u}");
        assert!(u.contains("ip link set lo up"));
        let n = command_line(&spec(SandboxMode::None));
        assert_eq!(n[0], "/usr/bin/prlimit");
        assert!(n.contains(&"--cpu=120".to_string()));
    }

    #[test]
    fn uids_stay_in_range_and_differ() {
        let a = next_uid();
        let b = next_uid();
        assert_ne!(a, b);
        assert!(SANDBOX_UIDS.contains(&a) && SANDBOX_UIDS.contains(&b));
    }

    #[test]
    fn sandbox_failures_are_told_apart_from_command_failures() {
        let out = |code, stderr: &str| RunOutput {
            code: Some(code),
            signal: None,
            timed_out: false,
            stdout: String::new(),
            stderr: stderr.into(),
            elapsed: Duration::ZERO,
        };
        assert_eq!(
            out(
                1,
                "bwrap: Can't mount proc on /newroot/proc: Operation not permitted\n"
            )
            .sandbox_failure()
            .as_deref(),
            Some("bwrap: Can't mount proc on /newroot/proc: Operation not permitted")
        );
        assert_eq!(
            out(2, "src/App.tsx(1,1): error TS1005").sandbox_failure(),
            None
        );
    }
}
