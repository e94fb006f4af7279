//! The files around the components: package.json, index.html, the build config shared with
//! the builder's template, App.tsx and the README.

use crate::spec::{AppKind, AppSpec};
use crate::text::slug;
use serde_json::{Value, json};

/// The builder's template defines the build; apps carry identical copies.
pub const VITE_CONFIG: &str = include_str!("../../../builder/template/vite.config.ts");
pub const TSCONFIG: &str = include_str!("../../../builder/template/tsconfig.json");
const TEMPLATE_PACKAGE: &str = include_str!("../../../builder/template/package.json");

fn template_dependencies(section: &str) -> Value {
    serde_json::from_str::<Value>(TEMPLATE_PACKAGE)
        .ok()
        .and_then(|v| v.get(section).cloned())
        .unwrap_or_else(|| json!({}))
}

pub fn package_json(spec: &AppSpec) -> String {
    let mut deps = template_dependencies("dependencies");
    if deps.as_object().is_none_or(|m| m.is_empty()) {
        deps = json!({"react": "^19.2.0", "react-dom": "^19.2.0"});
    }
    let value = json!({
        "name": slug(&spec.title),
        "private": true,
        "version": "0.1.0",
        "type": "module",
        "scripts": {
            "dev": "vite",
            "build": "tsc -p tsconfig.json --noEmit && vite build --configLoader runner",
            "preview": "vite preview"
        },
        "dependencies": deps,
        "devDependencies": template_dependencies("devDependencies"),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn index_html(spec: &AppSpec) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" href="data:," />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <meta name="description" content="{desc}" />
    <title>{title}</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
"#,
        title = html_escape(&spec.title),
        desc = html_escape(&spec.tagline),
    )
}

pub fn app_tsx(spec: &AppSpec) -> String {
    let archetype_import;
    let archetype_body;
    let (import, body) = match spec.kind {
        AppKind::Archetype => {
            let name = spec.archetype.as_ref().map_or("", |a| a.component().0);
            let tag = serde_json::to_value(&spec.archetype)
                .ok()
                .and_then(|v| {
                    v.get("archetype")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            archetype_import = format!("import {{ {name} }} from \"./components/{name}\";");
            archetype_body = format!(
                "{{config.archetype?.archetype === \"{tag}\" ? <{name} spec={{config.archetype}} /> : null}}"
            );
            (archetype_import.as_str(), archetype_body.as_str())
        }
        // People sign in first and each sees only their own records.
        k if k.is_collection() && spec.accounts() => (
            "import { Account } from \"./components/Account\";\nimport { CollectionApp } from \"./components/CollectionApp\";",
            "{config.collection ? (\n          <Account what={config.collection.plural.toLowerCase()}>\n            <CollectionApp spec={config.collection} />\n          </Account>\n        ) : null}",
        ),
        k if k.is_collection() => (
            "import { CollectionApp } from \"./components/CollectionApp\";",
            "{config.collection ? <CollectionApp spec={config.collection} /> : null}",
        ),
        AppKind::Board => (
            "import { Board } from \"./components/Board\";",
            "{config.board ? <Board spec={config.board} /> : null}",
        ),
        AppKind::Quiz => (
            "import { Quiz } from \"./components/Quiz\";",
            "{config.quiz ? <Quiz spec={config.quiz} /> : null}",
        ),
        AppKind::Calculator => (
            "import { Calculator } from \"./components/Calculator\";",
            "<Calculator />",
        ),
        _ => (
            "import { Landing } from \"./components/Landing\";",
            "{config.landing ? <Landing spec={config.landing} title={config.title} tagline={config.tagline} /> : null}",
        ),
    };
    let tagline = if spec.kind == AppKind::Landing {
        ""
    } else {
        "\n        <p className=\"muted\">{config.tagline}</p>"
    };
    let footer = if spec.kind == AppKind::Landing {
        "© {new Date().getFullYear()} {config.title}"
    } else {
        "{config.accounts ? \"Your data is kept private to your account by appgen's data service.\" : config.cloudCollection ? \"Your data is shared through appgen's data service.\" : config.persist ? \"Your data is saved in this browser.\" : \"Data is kept until you reload the page.\"}"
    };
    // What was asked for and not built, said in the app itself.
    let not_built = "\n        {config.notBuilt.length > 0 ? (\n          <p className=\"notice not-built\" role=\"note\">Not built (offline generator): {config.notBuilt.join(\"; \")}.</p>\n        ) : null}";
    format!(
        r#"import {{ config }} from "./config";
{import}

export default function App() {{
  return (
    <div className="app">
      <header className="app-header">
        <h1>{{config.title}}</h1>{tagline}
      </header>
      <main className="container">{not_built}
        {body}
      </main>
      <footer className="app-footer muted">{footer}</footer>
    </div>
  );
}}
"#
    )
}

pub fn readme(spec: &AppSpec) -> String {
    let features = crate::requirements::features(spec);
    let mut s = format!("# {}\n\n{}\n\n## Features\n\n", spec.title, spec.tagline);
    for f in features {
        s.push_str(&format!("- {f}\n"));
    }
    s.push_str(&format!(
        "\n## Theme\n\n- Background: `{}`\n- Accent (buttons): `{}`\n- Text: `{}`\n\n## Run it\n\n```sh\nnpm install\nnpm run dev     # development server\nnpm run build   # type-check and build into dist/\n```\n\nGenerated by appgen's offline generator (rule-based, no AI model). The components in\n`src/components` are driven by `src/config.ts`.\n",
        spec.theme.background, spec.theme.accent, spec.theme.text
    ));
    s
}
