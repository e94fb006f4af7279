//! appgen-builder: the build job. Materialises an app into a fresh directory, builds it with
//! no network in a sandbox (tsc + Vite, reusing the template's `node_modules`), checks it in
//! headless Chromium (`check/check.mjs`) and publishes `dist/`, a screenshot and the check
//! report as artifacts.

pub mod build_log;
pub mod check;
pub mod config;
pub mod materialize;
pub mod publish;
pub mod sandbox;

pub use check::default_checks;
pub use config::{BuilderConfig, Limits, SandboxMode};

use appgen_core::app::{BuildPhase, BuildReport, CheckReport, FileMap};
use appgen_core::check::Check;
use appgen_core::ports::{AppBuilder, BlobStore, BuildError, BuildJob, CheckData};
use appgen_core::scenario::Scenario;
use async_trait::async_trait;
use check::ScriptOutcome;
use materialize::MaterializeError;
use sandbox::{RunOutput, SandboxSpec};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The build command, run in the app directory inside the sandbox. Type-checking and
/// bundling run side by side (about a second less on two cores); the type errors are reported
/// first because they say most about the code. `--configLoader runner` keeps Vite from writing
/// its bundled config into the shared, read-only template.
const BUILD_SCRIPT: &str = r#"exec 2>&1
node_modules/.bin/tsc -p tsconfig.json --noEmit > "$TMPDIR/tsc.log" 2>&1 &
tsc_pid=$!
node_modules/.bin/vite build --configLoader runner > "$TMPDIR/vite.log" 2>&1
vite_status=$?
wait "$tsc_pid"
tsc_status=$?
cat "$TMPDIR/tsc.log"
[ "$tsc_status" -eq 0 ] || exit "$tsc_status"
cat "$TMPDIR/vite.log"
exit "$vite_status"
"#;

/// Lines and bytes of build output kept in [`BuildReport::log`].
const LOG_LINES: usize = 80;
const LOG_BYTES: usize = 16 * 1024;

/// Time the check gets for each acceptance scenario (usually well under it).
const SCENARIO_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// What the browser check runs: the checks, then the acceptance scenarios.
#[derive(Clone, Copy)]
struct Suite<'a> {
    checks: &'a [Check],
    scenarios: &'a [Scenario],
    /// The throwaway data space the app runs against, when the pipeline gave one.
    data: Option<&'a CheckData>,
}

/// Builds and checks apps; see the crate docs.
pub struct Builder {
    config: BuilderConfig,
    store: Option<Arc<dyn BlobStore>>,
}

/// A job's working directory, removed on drop unless the config keeps it.
struct JobDir {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl JobDir {
    fn path(&self) -> &Path {
        &self.path
    }
}

/// A build whose outputs are still on disk (until this is dropped).
pub struct LocalBuild {
    pub report: BuildReport,
    job: JobDir,
    uid: Option<u32>,
}

impl LocalBuild {
    /// The built `dist/`, when the build step succeeded.
    pub fn dist(&self) -> Option<PathBuf> {
        matches!(self.report.phase, BuildPhase::Check | BuildPhase::Done)
            .then(|| self.job.path().join("app/dist"))
            .filter(|d| d.is_dir())
    }

    /// The check's screenshot, when one was taken.
    pub fn screenshot(&self) -> Option<PathBuf> {
        Some(self.job.path().join("check/screenshot.png")).filter(|p| p.is_file())
    }

    pub fn job_dir(&self) -> &Path {
        self.job.path()
    }

    /// The images to publish under `prefix` (the screenshot, each failed scenario's), with
    /// the report's references rewritten to their artifact keys.
    fn images(&self, check: Option<&mut CheckReport>, prefix: &str) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        let Some(check) = check else {
            return out;
        };
        if let Some(shot) = self.screenshot() {
            check.screenshot = Some(format!("{prefix}/screenshot.png"));
            out.push(("screenshot.png".to_owned(), shot));
        }
        for r in &mut check.acceptance {
            let file = r.screenshot.take().filter(|f| valid_shot_name(f));
            let path = file.as_ref().map(|f| self.job.path().join("check").join(f));
            if let (Some(f), Some(p)) = (file, path.filter(|p| p.is_file())) {
                r.screenshot = Some(format!("{prefix}/{f}"));
                out.push((f, p));
            }
        }
        out
    }

    /// The uid the build and check ran as (when the builder runs as root).
    pub fn sandbox_uid(&self) -> Option<u32> {
        self.uid
    }
}

impl Builder {
    /// A builder that publishes artifacts to `store`.
    pub fn new(config: BuilderConfig, store: Arc<dyn BlobStore>) -> Self {
        Self {
            config,
            store: Some(store),
        }
    }

    /// A builder for local use (CLI, eval): builds and checks, publishes nothing.
    pub fn without_store(config: BuilderConfig) -> Self {
        Self {
            config,
            store: None,
        }
    }

    pub fn config(&self) -> &BuilderConfig {
        &self.config
    }

    /// Builds, checks with `checks` and publishes under
    /// `{thread}/v{n}/`. Artifacts are published whenever the build step succeeded, also
    /// when a check failed: the fix agent and the UI want the screenshot.
    pub async fn build_with_checks(
        &self,
        job: BuildJob,
        checks: &[Check],
    ) -> Result<BuildReport, BuildError> {
        let started = Instant::now();
        if !publish::valid_thread_id(&job.thread_id) {
            return Err(BuildError::Unavailable(format!(
                "invalid thread id {:?}",
                job.thread_id
            )));
        }
        let store = self
            .store
            .clone()
            .ok_or_else(|| BuildError::Unavailable("no artifact store configured".into()))?;
        let prefix = format!("{}/v{}", job.thread_id, job.version);
        let rechecked = match &job.built {
            Some(built) => self.recheck(store.as_ref(), built, &job, checks).await?,
            None => None,
        };
        let mut report = match rechecked {
            Some(local) => {
                let mut report = local.report.clone();
                let images = local.images(report.check.as_mut(), &prefix);
                let check_json = encode_check(&report)?;
                publish::publish_check(store.as_ref(), &prefix, &images, &check_json).await?;
                report.artifact = Some(prefix);
                report
            }
            None => {
                let local = self
                    .build_files_on(&job.files, checks, &job.scenarios, job.data.as_ref())
                    .await?;
                let mut report = local.report.clone();
                if let Some(dist) = local.dist() {
                    let images = local.images(report.check.as_mut(), &prefix);
                    let check_json = encode_check(&report)?;
                    publish::publish(store.as_ref(), &prefix, &dist, &images, &check_json).await?;
                    report.artifact = Some(prefix);
                }
                report
            }
        };
        report.duration_ms = millis(started);
        tracing::info!(
            thread = %job.thread_id,
            version = job.version,
            ok = report.ok,
            phase = ?report.phase,
            error = report.error.as_deref().unwrap_or(""),
            duration_ms = report.duration_ms,
            "build finished"
        );
        Ok(report)
    }

    /// Runs the suite on the `dist/` published under `built` (an earlier build of the job's
    /// files) as it is: no second build of the same files, and the published app is never
    /// replaced while it is checked. `None` when nothing is published there (the caller then
    /// builds).
    async fn recheck(
        &self,
        store: &dyn BlobStore,
        built: &str,
        job: &BuildJob,
        checks: &[Check],
    ) -> Result<Option<LocalBuild>, BuildError> {
        let started = Instant::now();
        let (template, node) = (self.template_dir()?, self.node()?);
        let dir = self.job_dir()?;
        let dist = dir.path().join("app/dist");
        if !publish::fetch_dist(store, built, &dist).await? {
            tracing::info!(built, "nothing published to check again; building");
            return Ok(None);
        }
        let uid = self.sandbox_uid();
        let suite = Suite {
            checks,
            scenarios: &job.scenarios,
            data: job.data.as_ref(),
        };
        let check = self
            .run_check(dir.path(), &dist, suite, &template, &node, uid)
            .await?;
        let report = BuildReport {
            ok: check.passed,
            phase: if check.passed {
                BuildPhase::Done
            } else {
                BuildPhase::Check
            },
            error: check::first_failure(&check),
            log: format!("checked the build published under {built} again (not rebuilt)"),
            check: Some(check),
            artifact: None,
            duration_ms: millis(started),
        };
        Ok(Some(LocalBuild {
            report,
            job: dir,
            uid,
        }))
    }

    /// Materialises, builds and checks `files` in a fresh job directory. The outputs stay
    /// on disk while the returned value lives.
    pub async fn build_files(
        &self,
        files: &FileMap,
        checks: &[Check],
    ) -> Result<LocalBuild, BuildError> {
        self.build_files_with(files, checks, &[]).await
    }

    /// [`Self::build_files`], then the acceptance `scenarios` in the same browser.
    pub async fn build_files_with(
        &self,
        files: &FileMap,
        checks: &[Check],
        scenarios: &[Scenario],
    ) -> Result<LocalBuild, BuildError> {
        self.build_files_on(files, checks, scenarios, None).await
    }

    /// [`Self::build_files_with`], the app running against the data space `data` when given
    /// (its `/data/…` requests go there; see `check.mjs`).
    pub async fn build_files_on(
        &self,
        files: &FileMap,
        checks: &[Check],
        scenarios: &[Scenario],
        data: Option<&CheckData>,
    ) -> Result<LocalBuild, BuildError> {
        let started = Instant::now();
        let template = self.template_dir()?;
        let node = self.node()?;
        let job = self.job_dir()?;
        let app = job.path().join("app");
        let mut report = BuildReport {
            ok: false,
            phase: BuildPhase::Materialize,
            error: None,
            log: String::new(),
            check: None,
            artifact: None,
            duration_ms: 0,
        };
        match materialize::materialize(files, &template, &app) {
            Ok(()) => {}
            Err(MaterializeError::Io(msg)) => return Err(BuildError::Unavailable(msg)),
            Err(e) => {
                report.error = Some(e.to_string());
                report.duration_ms = millis(started);
                return Ok(LocalBuild {
                    report,
                    job,
                    uid: None,
                });
            }
        }
        let uid = self.sandbox_uid();
        // Scratch space for unsandboxed modes (bwrap has its own /tmp).
        let scratch = job.path().join("tmp");
        std::fs::create_dir(&scratch)
            .map_err(|e| BuildError::Unavailable(format!("creating {}: {e}", scratch.display())))?;
        if let Some(uid) = uid {
            for dir in [&app, &scratch] {
                sandbox::chown_tree(dir, uid).map_err(|e| {
                    BuildError::Unavailable(format!("chown of {}: {e}", dir.display()))
                })?;
            }
        }

        report.phase = BuildPhase::Build;
        let out = self
            .run_build(&app, &scratch, &template, &node, uid)
            .await?;
        let combined = build_log::normalize(
            &format!("{}{}", out.stdout, out.stderr),
            &app,
            &[(template.as_path(), "<template>")],
        );
        report.log = build_log::tail(&combined, LOG_LINES, LOG_BYTES);
        if let Some(error) = self.build_error(&out, &combined, &app) {
            report.error = Some(error);
            report.duration_ms = millis(started);
            return Ok(LocalBuild { report, job, uid });
        }

        report.phase = BuildPhase::Check;
        let suite = Suite {
            checks,
            scenarios,
            data,
        };
        let check = self
            .run_check(job.path(), &app.join("dist"), suite, &template, &node, uid)
            .await?;
        report.ok = check.passed;
        report.error = check::first_failure(&check);
        if report.ok {
            report.phase = BuildPhase::Done;
        }
        report.check = Some(check);
        report.duration_ms = millis(started);
        Ok(LocalBuild { report, job, uid })
    }

    /// Checks an already built `dist/` (for `appgen-devtools eval`).
    pub async fn check_dist(
        &self,
        dist_dir: &Path,
        checks: &[Check],
    ) -> Result<CheckReport, BuildError> {
        self.check_dist_with_screenshot(dist_dir, checks, &[], None)
            .await
    }

    /// [`Self::check_dist`] with acceptance `scenarios`, copying the screenshot to
    /// `screenshot_to` when given (the report's `screenshot` is then that path).
    pub async fn check_dist_with_screenshot(
        &self,
        dist_dir: &Path,
        checks: &[Check],
        scenarios: &[Scenario],
        screenshot_to: Option<&Path>,
    ) -> Result<CheckReport, BuildError> {
        let suite = Suite {
            checks,
            scenarios,
            data: None,
        };
        self.check_suite(dist_dir, suite, screenshot_to).await
    }

    /// Checks an already built `dist/` with `scenarios` against the data space `data` (as
    /// [`Self::build_files_on`] does after its build): a changed build checked without
    /// building it again.
    pub async fn check_dist_on(
        &self,
        dist_dir: &Path,
        checks: &[Check],
        scenarios: &[Scenario],
        data: &CheckData,
    ) -> Result<CheckReport, BuildError> {
        let suite = Suite {
            checks,
            scenarios,
            data: Some(data),
        };
        self.check_suite(dist_dir, suite, None).await
    }

    async fn check_suite(
        &self,
        dist_dir: &Path,
        suite: Suite<'_>,
        screenshot_to: Option<&Path>,
    ) -> Result<CheckReport, BuildError> {
        let template = self.template_dir()?;
        let node = self.node()?;
        if !dist_dir.is_dir() {
            return Err(BuildError::Unavailable(format!(
                "{} is not a directory",
                dist_dir.display()
            )));
        }
        let job = self.job_dir()?;
        let uid = self.sandbox_uid();
        let mut report = self
            .run_check(job.path(), dist_dir, suite, &template, &node, uid)
            .await?;
        let shot = job.path().join("check/screenshot.png");
        if let Some(to) = screenshot_to
            && shot.is_file()
        {
            std::fs::copy(&shot, to).map_err(|e| {
                BuildError::Unavailable(format!("copying the screenshot to {}: {e}", to.display()))
            })?;
            report.screenshot = Some(to.display().to_string());
        }
        Ok(report)
    }

    // ------------------------------------------------------------ steps

    fn build_error(&self, out: &RunOutput, combined: &str, app: &Path) -> Option<String> {
        if out.timed_out {
            return Some(format!(
                "build timed out after {} s",
                self.config.build_timeout.as_secs()
            ));
        }
        if !out.success() {
            let line = build_log::error_line(combined);
            // 128+n: the shell reports a child killed by signal n.
            let signal = out
                .signal
                .or(out.code.filter(|c| *c > 128).map(|c| c - 128));
            return Some(match (line, signal) {
                (_, Some(libc::SIGXCPU)) => "build exceeded its CPU time limit".to_string(),
                (Some(l), _) => l,
                (None, Some(libc::SIGKILL)) => "build was killed (out of memory?)".to_string(),
                (None, Some(s)) => format!("build was killed by signal {s}"),
                (None, None) => format!("build failed with exit code {}", out.code.unwrap_or(-1)),
            });
        }
        if !app.join("dist/index.html").is_file() {
            return Some("the build produced no dist/index.html (is index.html missing?)".into());
        }
        None
    }

    async fn run_build(
        &self,
        app: &Path,
        scratch: &Path,
        template: &Path,
        node: &Path,
        uid: Option<u32>,
    ) -> Result<RunOutput, BuildError> {
        let mut read_only = vec![template.to_path_buf()];
        read_only.extend(sandbox::program_binds(node));
        let spec = SandboxSpec {
            mode: self.config.sandbox,
            read_only,
            writable: vec![app.to_path_buf()],
            cwd: app.to_path_buf(),
            env: self.sandbox_env(node, scratch),
            argv: vec!["/bin/sh".into(), "-c".into(), BUILD_SCRIPT.into()],
            limits: self.config.build_limits,
            uid,
            timeout: self.config.build_timeout,
        };
        let out = sandbox::run(&spec).await?;
        if let Some(msg) = out.sandbox_failure() {
            return Err(BuildError::Unavailable(format!("sandbox: {msg}")));
        }
        tracing::debug!(elapsed_ms = out.elapsed.as_millis() as u64, code = ?out.code, "build step");
        Ok(out)
    }

    /// Runs check.mjs on a copy of `dist` inside `job/check/`.
    async fn run_check(
        &self,
        job: &Path,
        dist: &Path,
        Suite {
            checks,
            scenarios,
            data,
        }: Suite<'_>,
        template: &Path,
        node: &Path,
        uid: Option<u32>,
    ) -> Result<CheckReport, BuildError> {
        let started = Instant::now();
        let unavailable =
            |what: &str, e: std::io::Error| BuildError::Unavailable(format!("{what}: {e}"));
        let dir = job.join("check");
        std::fs::create_dir_all(&dir)
            .map_err(|e| unavailable("creating the check directory", e))?;
        check::write_script(&dir).map_err(|e| unavailable("writing check.mjs", e))?;
        std::os::unix::fs::symlink(template.join("node_modules"), dir.join("node_modules"))
            .map_err(|e| unavailable("linking node_modules for the check", e))?;
        // A copy, so the sandbox sees exactly dist/ whatever the caller's permissions.
        let served = dir.join("dist");
        copy_tree(dist, &served).map_err(|e| unavailable("copying dist", e))?;
        // Each scenario gets its own time on top of the checks' (check.mjs stops one at 20 s).
        let timeout = self.config.check_timeout + SCENARIO_TIME * scenarios.len() as u32;
        let config = json!({
            "dist": served,
            "checks": checks,
            "scenarios": scenarios,
            "data": data.map(|d| json!({"socket": d.socket, "app": d.app, "space": d.space, "key": d.key})),
            "screenshot": dir.join("screenshot.png"),
            "chromium": self.config.chromium,
            // The script stops itself a little before it would be killed, to report.
            "timeoutMs": timeout.as_millis().saturating_sub(3000).max(5000) as u64,
        });
        std::fs::write(dir.join("config.json"), config.to_string())
            .map_err(|e| unavailable("writing the check config", e))?;
        if let Some(uid) = uid {
            sandbox::chown_tree(&dir, uid)
                .map_err(|e| unavailable("chown of the check directory", e))?;
        }
        let mut read_only = vec![template.to_path_buf()];
        read_only.extend(sandbox::program_binds(node));
        read_only.extend(sandbox::program_binds(&self.config.chromium));
        let mut writable = vec![dir.clone()];
        // The data API's socket: a connection to it is the sandbox's one way out.
        writable.extend(data.and_then(|d| d.socket.parent()).map(Path::to_path_buf));
        let spec = SandboxSpec {
            mode: self.config.sandbox,
            read_only,
            writable,
            cwd: dir.clone(),
            env: self.sandbox_env(node, &dir),
            argv: vec![
                node.display().to_string(),
                "check.mjs".into(),
                "config.json".into(),
            ],
            limits: self.config.check_limits,
            uid,
            timeout,
        };
        let out = sandbox::run(&spec).await?;
        if let Some(msg) = out.sandbox_failure() {
            return Err(BuildError::Unavailable(format!("sandbox: {msg}")));
        }
        let ms = millis(started);
        tracing::debug!(elapsed_ms = ms, code = ?out.code, "check step");
        if out.timed_out {
            return Ok(check::failed_report(
                checks,
                &format!("the check timed out after {} s", timeout.as_secs()),
                ms,
            ));
        }
        let stderr_line = || {
            build_log::error_line(&build_log::strip_ansi(&out.stderr))
                .unwrap_or_else(|| format!("exit code {:?}", out.code))
        };
        match check::parse_output(&out.stdout) {
            Ok(ScriptOutcome::Report(mut r)) => {
                r.screenshot = None;
                // Failure screenshots stay file names in the check directory until published.
                Ok(r)
            }
            Ok(ScriptOutcome::Fatal(msg)) if out.code == Some(check::EXIT_FATAL) => {
                Err(BuildError::Unavailable(msg))
            }
            Ok(ScriptOutcome::Fatal(msg)) => Ok(check::failed_report(checks, &msg, ms)),
            // Node could not even run the script (missing playwright-core, bad node): ours.
            Err(_) if out.code == Some(1) && out.stdout.trim().is_empty() => Err(
                BuildError::Unavailable(format!("the check could not run: {}", stderr_line())),
            ),
            Err(e) => Ok(check::failed_report(
                checks,
                &format!("the browser check crashed: {e} ({})", stderr_line()),
                ms,
            )),
        }
    }

    // ------------------------------------------------------------ environment

    fn template_dir(&self) -> Result<PathBuf, BuildError> {
        let t = self.config.template_dir.canonicalize().map_err(|e| {
            BuildError::Unavailable(format!(
                "template {}: {e}",
                self.config.template_dir.display()
            ))
        })?;
        if !t.join("node_modules/.bin/vite").exists() {
            return Err(BuildError::Unavailable(format!(
                "the template at {} has no node_modules: run infra/local/setup.sh",
                t.display()
            )));
        }
        Ok(t)
    }

    fn node(&self) -> Result<PathBuf, BuildError> {
        sandbox::resolve_program(&self.config.node).ok_or_else(|| {
            BuildError::Unavailable(format!("node not found ({})", self.config.node.display()))
        })
    }

    /// A throwaway uid when running as root: RLIMIT_NPROC does not bind root.
    fn sandbox_uid(&self) -> Option<u32> {
        (sandbox::is_root() && Path::new("/usr/bin/setpriv").exists()).then(sandbox::next_uid)
    }

    fn sandbox_env(&self, node: &Path, scratch: &Path) -> Vec<(String, String)> {
        // Inside bwrap /tmp is a private tmpfs; elsewhere use the job's own directory.
        let tmp = if self.config.sandbox == SandboxMode::Bwrap {
            "/tmp".to_string()
        } else {
            scratch.display().to_string()
        };
        let node_dir = node
            .parent()
            .map(|d| format!("{}:", d.display()))
            .unwrap_or_default();
        vec![
            (
                "PATH".into(),
                format!("{node_dir}/usr/local/bin:/usr/bin:/bin"),
            ),
            ("HOME".into(), tmp.clone()),
            ("TMPDIR".into(), tmp),
            ("LANG".into(), "C.UTF-8".into()),
            ("NO_COLOR".into(), "1".into()),
            ("FORCE_COLOR".into(), "0".into()),
            ("CI".into(), "1".into()),
            ("NODE_OPTIONS".into(), "--max-old-space-size=2048".into()),
        ]
    }

    fn job_dir(&self) -> Result<JobDir, BuildError> {
        let root = self
            .config
            .work_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("appgen-builder"));
        let err = |e: std::io::Error| {
            BuildError::Unavailable(format!("work directory {}: {e}", root.display()))
        };
        std::fs::create_dir_all(&root).map_err(err)?;
        let temp = tempfile::Builder::new()
            .prefix("job-")
            .tempdir_in(&root)
            .map_err(err)?;
        // Unsandboxed modes run as another uid that must reach app/ and check/.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o711))
            .map_err(err)?;
        if self.config.keep_work {
            let path = temp.keep();
            tracing::info!(dir = %path.display(), "keeping the job directory");
            Ok(JobDir { path, _temp: None })
        } else {
            Ok(JobDir {
                path: temp.path().to_path_buf(),
                _temp: Some(temp),
            })
        }
    }
}

#[async_trait]
impl AppBuilder for Builder {
    async fn build(&self, job: BuildJob) -> Result<BuildReport, BuildError> {
        self.build_with_checks(job, &default_checks()).await
    }
}

/// A failure screenshot's name as check.mjs writes it (`acceptance-N.png`): nothing else is
/// read from the check directory.
fn valid_shot_name(name: &str) -> bool {
    name.strip_prefix("acceptance-")
        .and_then(|n| n.strip_suffix(".png"))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn encode_check(report: &BuildReport) -> Result<Vec<u8>, BuildError> {
    serde_json::to_vec_pretty(&report.check)
        .map_err(|e| BuildError::Unavailable(format!("encoding check.json: {e}")))
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Copies a directory tree of regular files (symlinks are not followed or copied).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for (rel, path) in publish::list_files(from)? {
        let target = to.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&path, &target)?;
    }
    Ok(())
}
