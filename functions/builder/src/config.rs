//! How the builder is set up: where the template, Node and Chromium are, how builds are
//! sandboxed and limited.

use appgen_core::ports::BuildError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How build and check processes are isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxMode {
    /// bubblewrap: no network, own PID namespace, only the app, the template and system
    /// directories visible.
    Bwrap,
    /// `unshare -n`: no network and an own PID namespace, but the host's filesystem is visible.
    Unshare,
    /// No isolation at all; only for trusted input, and only when asked for by name.
    None,
}

impl SandboxMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bwrap" | "bubblewrap" => Some(Self::Bwrap),
            "unshare" => Some(Self::Unshare),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// bwrap when installed, else `unshare`, else none is available (an error: running
    /// generated code unsandboxed must be an explicit choice).
    pub fn detect() -> Result<Self, BuildError> {
        if Path::new("/usr/bin/bwrap").exists() {
            Ok(Self::Bwrap)
        } else if Path::new("/usr/bin/unshare").exists() {
            Ok(Self::Unshare)
        } else {
            Err(BuildError::Unavailable(
                "no sandbox available: install bubblewrap, or set APPGEN_SANDBOX=none to build \
                 without isolation"
                    .into(),
            ))
        }
    }
}

/// Resource limits of one sandboxed process tree (setrlimit via prlimit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// RLIMIT_NPROC: processes and threads of the sandbox user.
    pub processes: u64,
    /// RLIMIT_DATA: writable private memory per process. RLIMIT_AS would break V8 and
    /// Chromium, which reserve far more address space than they use.
    pub memory_bytes: u64,
    /// RLIMIT_CPU per process.
    pub cpu_seconds: u64,
    /// RLIMIT_FSIZE: the largest file a process may write.
    pub file_bytes: u64,
}

impl Limits {
    pub const BUILD: Limits = Limits {
        processes: 256,
        memory_bytes: 3 << 30,
        cpu_seconds: 120,
        file_bytes: 256 << 20,
    };
    pub const CHECK: Limits = Limits {
        processes: 1024,
        memory_bytes: 4 << 30,
        cpu_seconds: 90,
        file_bytes: 256 << 20,
    };
}

#[derive(Debug, Clone)]
pub struct BuilderConfig {
    /// The template: protected config files and the shared, pre-installed `node_modules`.
    pub template_dir: PathBuf,
    pub chromium: PathBuf,
    /// `node`, looked up on PATH unless absolute.
    pub node: PathBuf,
    /// Where job directories are made; the system temp dir when `None`.
    pub work_dir: Option<PathBuf>,
    pub build_timeout: Duration,
    pub check_timeout: Duration,
    pub sandbox: SandboxMode,
    pub build_limits: Limits,
    pub check_limits: Limits,
    /// Keep job directories after the build (debugging).
    pub keep_work: bool,
}

pub const DEFAULT_TEMPLATE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/template");

impl BuilderConfig {
    /// Defaults with an explicit sandbox mode.
    pub fn with_sandbox(sandbox: SandboxMode) -> Self {
        Self {
            template_dir: PathBuf::from(DEFAULT_TEMPLATE_DIR),
            chromium: PathBuf::from("/usr/bin/chromium"),
            node: PathBuf::from("node"),
            work_dir: None,
            build_timeout: Duration::from_secs(60),
            check_timeout: Duration::from_secs(30),
            sandbox,
            build_limits: Limits::BUILD,
            check_limits: Limits::CHECK,
            keep_work: false,
        }
    }

    /// Defaults overridden by `APPGEN_TEMPLATE_DIR`, `APPGEN_CHROMIUM`, `APPGEN_NODE`,
    /// `APPGEN_BUILD_DIR`, `APPGEN_BUILD_TIMEOUT_SECS`, `APPGEN_CHECK_TIMEOUT_SECS`,
    /// `APPGEN_SANDBOX` (bwrap | unshare | none) and `APPGEN_KEEP_BUILDS=1`.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, BuildError> {
        let sandbox = match get("APPGEN_SANDBOX").filter(|s| !s.trim().is_empty()) {
            Some(s) => SandboxMode::parse(&s).ok_or_else(|| {
                BuildError::Unavailable(format!(
                    "APPGEN_SANDBOX={s:?}: expected bwrap, unshare or none"
                ))
            })?,
            None => SandboxMode::detect()?,
        };
        let mut c = Self::with_sandbox(sandbox);
        if let Some(v) = get("APPGEN_TEMPLATE_DIR").filter(|s| !s.is_empty()) {
            c.template_dir = v.into();
        }
        if let Some(v) = get("APPGEN_CHROMIUM").filter(|s| !s.is_empty()) {
            c.chromium = v.into();
        }
        if let Some(v) = get("APPGEN_NODE").filter(|s| !s.is_empty()) {
            c.node = v.into();
        }
        if let Some(v) = get("APPGEN_BUILD_DIR").filter(|s| !s.is_empty()) {
            c.work_dir = Some(v.into());
        }
        let secs = |key: &str, default: Duration| -> Result<Duration, BuildError> {
            match get(key).filter(|s| !s.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        BuildError::Unavailable(format!("{key}={v:?} is not a number of seconds"))
                    }),
            }
        };
        c.build_timeout = secs("APPGEN_BUILD_TIMEOUT_SECS", c.build_timeout)?;
        c.check_timeout = secs("APPGEN_CHECK_TIMEOUT_SECS", c.check_timeout)?;
        c.keep_work = get("APPGEN_KEEP_BUILDS").is_some_and(|v| v == "1" || v == "true");
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn env_overrides_defaults() {
        let c = BuilderConfig::from_lookup(lookup(&[
            ("APPGEN_SANDBOX", "none"),
            ("APPGEN_CHROMIUM", "/opt/chrome"),
            ("APPGEN_BUILD_TIMEOUT_SECS", "5"),
        ]))
        .expect("config");
        assert_eq!(c.sandbox, SandboxMode::None);
        assert_eq!(c.chromium, PathBuf::from("/opt/chrome"));
        assert_eq!(c.build_timeout, Duration::from_secs(5));
        assert_eq!(c.check_timeout, Duration::from_secs(30));
        assert!(c.template_dir.ends_with("template"));
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(BuilderConfig::from_lookup(lookup(&[("APPGEN_SANDBOX", "chroot")])).is_err());
        assert!(
            BuilderConfig::from_lookup(lookup(&[
                ("APPGEN_SANDBOX", "none"),
                ("APPGEN_CHECK_TIMEOUT_SECS", "soon")
            ]))
            .is_err()
        );
    }
}
