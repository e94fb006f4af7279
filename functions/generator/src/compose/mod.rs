//! Spec → the files of a Vite + React + TypeScript app, from composable parts: the static
//! components in `assets/` (type-checked once, shared by every app), a generated
//! configuration that drives them, the theme and the scaffold.

mod config;
mod scaffold;
mod theme;

use crate::spec::{AppKind, AppSpec};
use appgen_core::app::FileMap;

macro_rules! asset {
    ($path:literal) => {
        ($path, include_str!(concat!("../../assets/", $path)))
    };
}

const LIB: &[(&str, &str)] = &[
    asset!("lib/types.ts"),
    asset!("lib/storage.ts"),
    asset!("lib/format.ts"),
];
const FORM: (&str, &str) = asset!("components/ItemForm.tsx");
const COLLECTION: &[(&str, &str)] = &[
    asset!("lib/backend.ts"),
    asset!("lib/items.ts"),
    asset!("components/CollectionApp.tsx"),
    asset!("components/ItemList.tsx"),
    asset!("components/Toolbar.tsx"),
    asset!("components/Summary.tsx"),
    asset!("components/BarChart.tsx"),
    asset!("components/ParentList.tsx"),
];
const ACCOUNT: (&str, &str) = asset!("components/Account.tsx");
const BOARD: (&str, &str) = asset!("components/Board.tsx");
const QUIZ: (&str, &str) = asset!("components/Quiz.tsx");
const CALCULATOR: (&str, &str) = asset!("components/Calculator.tsx");
const LANDING: &[(&str, &str)] = &[
    asset!("components/Landing.tsx"),
    asset!("components/ContactForm.tsx"),
];
pub(crate) const MAIN_TSX: &str = include_str!("../../assets/main.tsx");
pub(crate) const BASE_CSS: &str = include_str!("../../assets/base.css");

/// Every file of the app described by `spec`. Deterministic: the same spec gives the same
/// bytes.
pub fn compose(spec: &AppSpec) -> FileMap {
    let mut files = FileMap::new();
    let mut put = |path: &str, content: String| {
        files.insert(path.to_owned(), content);
    };
    put("package.json", scaffold::package_json(spec));
    put("index.html", scaffold::index_html(spec));
    put("vite.config.ts", scaffold::VITE_CONFIG.to_owned());
    put("tsconfig.json", scaffold::TSCONFIG.to_owned());
    put("README.md", scaffold::readme(spec));
    put(".gitignore", "node_modules\ndist\n".to_owned());
    put("src/main.tsx", MAIN_TSX.to_owned());
    put("src/index.css", theme::index_css(spec));
    put("src/App.tsx", scaffold::app_tsx(spec));
    put("src/config.ts", config::config_ts(spec));
    for (path, body) in LIB {
        put(&format!("src/{path}"), (*body).to_owned());
    }
    let mut components: Vec<(&str, &str)> = vec![];
    match spec.kind {
        k if k.is_collection() => {
            components.push(FORM);
            components.extend_from_slice(COLLECTION);
            if spec.accounts() {
                components.push(ACCOUNT);
            }
        }
        AppKind::Board => components.push(FORM),
        _ => {}
    }
    match spec.kind {
        AppKind::Board => components.push(BOARD),
        AppKind::Quiz => components.push(QUIZ),
        AppKind::Calculator => {
            components.push(CALCULATOR);
            put("src/calculator.ts", config::calculator_ts(spec));
        }
        AppKind::Landing => components.extend_from_slice(LANDING),
        AppKind::Archetype => {
            for (file, body) in spec.archetype.iter().flat_map(|a| a.component().1) {
                put(&format!("src/components/{file}"), body.to_owned());
            }
        }
        _ => {}
    }
    for (path, body) in components {
        put(&format!("src/{path}"), body.to_owned());
    }
    files
}
