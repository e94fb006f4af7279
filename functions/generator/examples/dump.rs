//! Prints the spec (and optionally writes the app) for a description: a development aid.
//! `cargo run -p appgen-generator --example dump -- "A plant tracker…" [out-dir]`

use appgen_generator::{analysis, compose, requirements};

fn main() {
    let mut args = std::env::args().skip(1);
    let description = args.next().unwrap_or_default();
    let spec = analysis::analyze(&description, &[]);
    println!(
        "title: {}\nkind: {:?}\nentity: {} / {}",
        spec.title, spec.kind, spec.entity.singular, spec.entity.plural
    );
    for f in &spec.entity.fields {
        println!(
            "  field {} [{}] {:?} {:?} req={} unit={:?}",
            f.label, f.key, f.kind, f.options, f.required, f.unit
        );
    }
    println!("features: {:?}", spec.features);
    println!(
        "theme: {:?}  persist={} layout={:?}",
        spec.theme, spec.persist, spec.layout
    );
    if !spec.columns.is_empty() {
        println!("columns: {:?}", spec.columns);
    }
    println!("summary: {}", requirements::summary(&spec));
    if let Some(dir) = args.next() {
        for (path, content) in compose::compose(&spec) {
            let p = std::path::Path::new(&dir).join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(p, content).expect("write");
        }
    }
}
