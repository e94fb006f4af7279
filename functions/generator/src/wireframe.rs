//! A self-contained HTML wireframe: grey boxes with the real section and field names.

use crate::spec::{AppKind, AppSpec, FieldType};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#f3f4f6;color:#374151}\
.page{max-width:880px;margin:0 auto;padding:20px;display:flex;flex-direction:column;gap:14px}\
.box{border:2px dashed #9ca3af;border-radius:8px;padding:12px;background:#fff}\
.title{font-size:22px;font-weight:700}.label{font-size:11px;text-transform:uppercase;color:#6b7280;letter-spacing:.05em;margin-bottom:6px}\
.row{display:flex;flex-wrap:wrap;gap:10px}.field{flex:1 1 180px}.field span{display:block;font-size:12px;margin-bottom:3px}\
.input{height:30px;background:#e5e7eb;border-radius:4px}.btn{display:inline-block;padding:6px 14px;background:#9ca3af;color:#fff;border-radius:4px;font-weight:600}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}.cell{background:#e5e7eb;border-radius:4px;padding:8px;min-height:40px}\
table{width:100%;border-collapse:collapse}th,td{border:1px solid #d1d5db;padding:6px;text-align:left;font-size:12px}th{background:#e5e7eb}";

fn form(title: &str, fields: &[(String, String)], button: &str) -> String {
    let mut s = format!(
        "<div class=\"box\"><div class=\"label\">{}</div><div class=\"row\">",
        esc(title)
    );
    for (label, kind) in fields {
        s.push_str(&format!(
            "<div class=\"field\"><span>{} <em>({})</em></span><div class=\"input\"></div></div>",
            esc(label),
            esc(kind)
        ));
    }
    s.push_str(&format!(
        "</div><p><span class=\"btn\">{}</span></p></div>",
        esc(button)
    ));
    s
}

pub fn wireframe(spec: &AppSpec) -> String {
    let mut body = format!(
        "<div class=\"box\"><div class=\"label\">Header</div><div class=\"title\">{}</div><div>{}</div></div>",
        esc(&spec.title),
        esc(&spec.tagline)
    );
    let fields: Vec<(String, String)> = spec
        .entity
        .fields
        .iter()
        .map(|f| (f.label.clone(), f.kind.label().to_owned()))
        .collect();
    let singular = spec.entity.singular.to_lowercase();
    match spec.kind {
        k if k.is_collection() => {
            body.push_str(&form(
                &format!("Form: add {singular}"),
                &fields,
                &format!("Add {singular}"),
            ));
            let f = &spec.features;
            let mut tools = vec![];
            if !f.search.is_empty() {
                tools.push("Search".to_owned());
            }
            if let Some(k) = &f.filter {
                tools.push(format!(
                    "Filter by {}",
                    spec.field(k)
                        .map(|x| x.label.to_lowercase())
                        .unwrap_or_default()
                ));
            }
            if f.sort {
                tools.push("Sort by".into());
            }
            if f.done {
                tools.push("All / Active / Done".into());
            }
            if !tools.is_empty() {
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">Toolbar</div><div class=\"row\">{}</div></div>",
                    tools.iter().map(|t| format!("<div class=\"cell\">{}</div>", esc(t))).collect::<String>()
                ));
            }
            let summary = crate::requirements::features(spec)
                .into_iter()
                .filter(|l| {
                    l.starts_with("Total")
                        || l.starts_with("Average")
                        || l.contains(" per ")
                        || l.starts_with("Count")
                })
                .collect::<Vec<_>>();
            if !summary.is_empty() {
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">Summary</div><div class=\"grid\">{}</div></div>",
                    summary.iter().map(|t| format!("<div class=\"cell\">{}</div>", esc(t))).collect::<String>()
                ));
            }
            let mut head: Vec<String> =
                spec.entity.fields.iter().map(|f| f.label.clone()).collect();
            if let Some(c) = &f.computed {
                head.push(c.label.clone());
            }
            if f.streak {
                head.push("Streak".into());
            }
            head.push("Actions".into());
            body.push_str(&format!(
                "<div class=\"box\"><div class=\"label\">{} (table)</div><table><tr>{}</tr><tr>{}</tr></table></div>",
                esc(&spec.entity.plural),
                head.iter().map(|h| format!("<th>{}</th>", esc(h))).collect::<String>(),
                head.iter().map(|_| "<td>…</td>").collect::<String>()
            ));
        }
        AppKind::Board => {
            let mut with_col = fields.clone();
            with_col.push(("Column".into(), "choice".into()));
            body.push_str(&form(
                &format!("Form: add {singular}"),
                &with_col,
                &format!("Add {singular}"),
            ));
            body.push_str(&format!(
                "<div class=\"box\"><div class=\"label\">Board</div><div class=\"grid\">{}</div></div>",
                spec.columns.iter().map(|c| format!("<div class=\"cell\"><strong>{}</strong><div class=\"cell\" style=\"background:#d1d5db;margin-top:6px\">card · ← →</div></div>", esc(c))).collect::<String>()
            ));
        }
        AppKind::Calculator => {
            if let Some(c) = &spec.calculator {
                let inputs: Vec<(String, String)> = c
                    .inputs
                    .iter()
                    .map(|i| (i.label.clone(), FieldType::Number.label().to_owned()))
                    .collect();
                body.push_str(&form("Inputs", &inputs, "Calculate and save"));
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">Results</div><div class=\"grid\">{}</div></div>",
                    c.outputs.iter().map(|o| format!("<div class=\"cell\">{}</div>", esc(&o.label))).collect::<String>()
                ));
                body.push_str("<div class=\"box\"><div class=\"label\">History</div><div class=\"cell\">saved calculations</div></div>");
            }
        }
        AppKind::Quiz => {
            if let Some(q) = &spec.quiz {
                let first = q.questions.first();
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">Question 1 of {}</div><strong>{}</strong><div class=\"grid\">{}</div><p><span class=\"btn\">Next question</span></p></div>",
                    q.questions.len(),
                    esc(first.map(|x| x.question.as_str()).unwrap_or_default()),
                    first.map(|x| x.choices.iter().map(|c| format!("<div class=\"cell\">○ {}</div>", esc(c))).collect::<String>()).unwrap_or_default()
                ));
                body.push_str("<div class=\"box\"><div class=\"label\">End</div>Your score: N / total · <span class=\"btn\">Restart quiz</span></div>");
            }
        }
        AppKind::Archetype => {
            if let Some(a) = &spec.archetype {
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">{}</div><ul>{}</ul></div>",
                    esc(&crate::text::capitalize(&a.describe())),
                    a.features()
                        .iter()
                        .map(|f| format!("<li>{}</li>", esc(f)))
                        .collect::<String>()
                ));
            }
        }
        _ => {
            if let Some(l) = &spec.landing {
                body.push_str(&format!(
                    "<div class=\"box\"><div class=\"label\">Navigation</div><div class=\"row\">{}</div></div>",
                    l.sections.iter().map(|s| format!("<div class=\"cell\">{}</div>", esc(&s.title))).collect::<String>()
                ));
                body.push_str(&format!("<div class=\"box\" style=\"min-height:90px\"><div class=\"label\">Hero</div><div class=\"title\">{}</div><p><span class=\"btn\">{}</span></p></div>", esc(&spec.tagline), esc(&l.cta)));
                for s in &l.sections {
                    body.push_str(&format!(
                        "<div class=\"box\"><div class=\"label\">Section</div><strong>{}</strong><div class=\"grid\">{}</div></div>",
                        esc(&s.title),
                        s.items.iter().map(|i| format!("<div class=\"cell\">{}</div>", esc(&i.title))).collect::<String>()
                    ));
                }
                if l.contact {
                    body.push_str(&form(
                        "Contact form",
                        &[
                            ("Name".into(), "text".into()),
                            ("Email".into(), "email".into()),
                            ("Message".into(), "long text".into()),
                        ],
                        "Send message",
                    ));
                }
            }
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Wireframe — {}</title><style>{STYLE}</style></head><body><div class=\"page\">{body}</div></body></html>",
        esc(&spec.title)
    )
}
