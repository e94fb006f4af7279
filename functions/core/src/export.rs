//! The export: a version as a project that deploys anywhere. Besides the sources and the built
//! `dist/`, it carries the lockfile of the builder's template (so `npm ci` installs the exact
//! dependencies the version was built with), one config per host (Azure Static Web Apps with
//! its GitHub Actions workflow, Vercel, Netlify, Replit), each serving `dist/` with the
//! single-page fallback, and a README section with the exact commands.

use crate::app::FileMap;
use serde_json::{Value, json};

/// Where `npm run build` (Vite) writes the app, and what every host serves.
pub const OUTPUT_DIR: &str = "dist";

const TEMPLATE_LOCK: &str = include_str!("../../builder/template/package-lock.json");

pub const SWA_CONFIG: &str = "staticwebapp.config.json";
pub const SWA_WORKFLOW: &str = ".github/workflows/azure-static-web-apps.yml";
pub const VERCEL: &str = "vercel.json";
pub const NETLIFY: &str = "netlify.toml";
pub const REPLIT: &str = ".replit";

/// The files the export adds to a version's sources (and the README it extends).
pub fn deploy_files(title: &str, sources: &FileMap) -> FileMap {
    let mut out = FileMap::new();
    if let Some(lock) = lockfile(sources) {
        out.insert("package-lock.json".into(), lock);
    }
    out.insert(SWA_CONFIG.into(), pretty(&swa_config()));
    out.insert(SWA_WORKFLOW.into(), swa_workflow());
    out.insert(VERCEL.into(), pretty(&vercel()));
    out.insert(NETLIFY.into(), netlify());
    out.insert(REPLIT.into(), replit());
    let readme = sources
        .get("README.md")
        .cloned()
        .unwrap_or_else(|| format!("# {title}\n"));
    out.insert(
        "README.md".into(),
        format!("{}\n{}", readme.trim_end(), deploy_readme()),
    );
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// The template's lockfile under the app's package name, unless the version has its own.
fn lockfile(sources: &FileMap) -> Option<String> {
    if sources.contains_key("package-lock.json") {
        return None;
    }
    let pkg: Value = serde_json::from_str(sources.get("package.json")?).ok()?;
    let mut lock: Value = serde_json::from_str(TEMPLATE_LOCK).ok()?;
    for (key, field) in [("name", "name"), ("version", "version")] {
        if let Some(v) = pkg.get(field) {
            lock[key] = v.clone();
            lock["packages"][""][key] = v.clone();
        }
    }
    Some(pretty(&lock))
}

fn swa_config() -> Value {
    json!({
        "navigationFallback": {
            "rewrite": "/index.html",
            "exclude": ["/assets/*"]
        },
        "globalHeaders": {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"
        },
        "routes": [
            {"route": "/assets/*", "headers": {"Cache-Control": "public, max-age=31536000, immutable"}}
        ]
    })
}

fn swa_workflow() -> String {
    format!(
        "name: Azure Static Web Apps\n\
         on:\n  push:\n    branches: [main]\n  workflow_dispatch: {{}}\n\
         jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20     - uses: Azure/static-web-apps-deploy@v1\n\
         \x20       with:\n\
         \x20         azure_static_web_apps_api_token: ${{{{ secrets.AZURE_STATIC_WEB_APPS_API_TOKEN }}}}\n\
         \x20         action: upload\n\
         \x20         app_location: /\n\
         \x20         api_location: \"\"\n\
         \x20         output_location: {OUTPUT_DIR}\n\
         \x20         app_build_command: npm run build\n"
    )
}

fn vercel() -> Value {
    json!({
        "$schema": "https://openapi.vercel.sh/vercel.json",
        "framework": "vite",
        "installCommand": "npm ci",
        "buildCommand": "npm run build",
        "outputDirectory": OUTPUT_DIR,
        "rewrites": [{"source": "/(.*)", "destination": "/index.html"}]
    })
}

fn netlify() -> String {
    format!(
        "[build]\ncommand = \"npm ci && npm run build\"\npublish = \"{OUTPUT_DIR}\"\n\n\
         [[redirects]]\nfrom = \"/*\"\nto = \"/index.html\"\nstatus = 200\n"
    )
}

fn replit() -> String {
    format!(
        "modules = [\"nodejs-20\"]\n\
         run = \"npm ci && npm run build && npx vite preview --host 0.0.0.0 --port 3000\"\n\n\
         [deployment]\ndeploymentTarget = \"static\"\n\
         build = [\"sh\", \"-c\", \"npm ci && npm run build\"]\npublicDir = \"{OUTPUT_DIR}\"\n\n\
         [[deployment.rewrites]]\nfrom = \"/*\"\nto = \"/index.html\"\n\n\
         [[ports]]\nlocalPort = 3000\nexternalPort = 80\n"
    )
}

fn deploy_readme() -> String {
    format!(
        "\n## Run and deploy\n\n\
         `{OUTPUT_DIR}/` is already built; any static host serves it. To build it again (Node 20+):\n\n\
         ```sh\nnpm ci\nnpm run build     # writes {OUTPUT_DIR}/\nnpx vite preview  # http://localhost:4173\n```\n\n\
         Every host below serves `{OUTPUT_DIR}/` and answers unknown paths with `index.html`.\n\n\
         - **Azure Static Web Apps**: push this folder to a GitHub repository, create a Static Web \
         App, and add its deployment token as the repository secret \
         `AZURE_STATIC_WEB_APPS_API_TOKEN`; `{SWA_WORKFLOW}` builds and deploys on every push \
         (`{SWA_CONFIG}` holds the fallback). Or, without GitHub: \
         `npx @azure/static-web-apps-cli deploy {OUTPUT_DIR} --deployment-token <token>`.\n\
         - **Vercel**: `npx vercel deploy --prod` in this folder (`{VERCEL}`), or import the \
         repository at vercel.com/new.\n\
         - **Netlify**: `npx netlify-cli deploy --prod --dir {OUTPUT_DIR}` (`{NETLIFY}`), or \
         import the repository at app.netlify.com.\n\
         - **Replit**: Import from GitHub; Run builds and previews the app, Deploy publishes \
         `{OUTPUT_DIR}/` as a static deployment (`{REPLIT}`).\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> FileMap {
        let mut s = FileMap::new();
        s.insert(
            "package.json".into(),
            r#"{"name":"reading-list","version":"0.1.0","scripts":{"build":"vite build"}}"#.into(),
        );
        s.insert("README.md".into(), "# Reading list\n\nBooks.\n".into());
        s
    }

    fn toml_of(files: &FileMap, name: &str) -> toml::Table {
        files[name]
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn json_of(files: &FileMap, name: &str) -> Value {
        serde_json::from_str(&files[name]).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_host_config_serves_dist_with_the_spa_fallback() {
        let f = deploy_files("Reading list", &sources());
        let swa = json_of(&f, SWA_CONFIG);
        assert_eq!(swa["navigationFallback"]["rewrite"], "/index.html");
        let vercel = json_of(&f, VERCEL);
        assert_eq!(vercel["outputDirectory"], OUTPUT_DIR);
        assert_eq!(vercel["buildCommand"], "npm run build");
        assert_eq!(vercel["rewrites"][0]["destination"], "/index.html");
        assert_eq!(vercel["rewrites"][0]["source"], "/(.*)");

        let netlify = toml_of(&f, NETLIFY);
        assert_eq!(netlify["build"]["publish"].as_str(), Some(OUTPUT_DIR));
        let r = &netlify["redirects"][0];
        assert_eq!(
            (r["from"].as_str(), r["to"].as_str()),
            (Some("/*"), Some("/index.html"))
        );
        assert_eq!(
            r["status"].as_integer(),
            Some(200),
            "a rewrite, not a redirect"
        );

        let replit = toml_of(&f, REPLIT);
        let d = &replit["deployment"];
        assert_eq!(d["publicDir"].as_str(), Some(OUTPUT_DIR));
        assert_eq!(d["deploymentTarget"].as_str(), Some("static"));
        assert_eq!(d["rewrites"][0]["to"].as_str(), Some("/index.html"));
        assert!(
            replit["run"]
                .as_str()
                .is_some_and(|r| r.contains("npm run build"))
        );
    }

    /// The workflow's `with:` block, as key → value (YAML's plain one-line mappings).
    fn workflow_inputs(text: &str) -> std::collections::BTreeMap<String, String> {
        let start = text.find("        with:\n").expect("a with: block") + "        with:\n".len();
        text[start..]
            .lines()
            .take_while(|l| l.starts_with("          "))
            .filter_map(|l| l.trim().split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
            .collect()
    }

    #[test]
    fn the_azure_workflow_builds_the_root_and_uploads_dist() {
        let f = deploy_files("Reading list", &sources());
        let w = &f[SWA_WORKFLOW];
        assert!(w.contains("uses: Azure/static-web-apps-deploy@v1"), "{w}");
        assert!(!w.contains('\t'), "YAML has no tabs");
        let with = workflow_inputs(w);
        assert_eq!(with["output_location"], OUTPUT_DIR);
        assert_eq!(with["app_location"], "/");
        assert_eq!(with["api_location"], "");
        assert_eq!(with["action"], "upload");
        assert_eq!(
            with["azure_static_web_apps_api_token"],
            "${{ secrets.AZURE_STATIC_WEB_APPS_API_TOKEN }}"
        );
    }

    #[test]
    fn the_lockfile_is_the_templates_under_the_apps_name_and_the_readme_says_how() {
        let f = deploy_files("Reading list", &sources());
        let lock = json_of(&f, "package-lock.json");
        assert_eq!(lock["name"], "reading-list");
        assert_eq!(lock["packages"][""]["name"], "reading-list");
        assert_eq!(lock["lockfileVersion"], 3);
        assert!(
            lock["packages"]["node_modules/vite"]["version"].is_string(),
            "pinned"
        );
        let readme = &f["README.md"];
        assert!(readme.starts_with("# Reading list\n\nBooks."), "{readme}");
        for cmd in [
            "npm ci",
            "npm run build",
            "npx vercel deploy --prod",
            "netlify-cli deploy",
        ] {
            assert!(readme.contains(cmd), "{cmd}");
        }
        let mut own = sources();
        own.insert("package-lock.json".into(), "{}".into());
        assert!(
            !deploy_files("x", &own).contains_key("package-lock.json"),
            "its own wins"
        );
    }
}
