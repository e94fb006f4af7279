//! Turns build output into one stable error line and a log tail. The pipeline's stuck
//! detector compares error lines across rebuilds, so they carry no timings, temp paths or
//! content hashes.

use std::path::Path;

/// Removes ANSI escape sequences (colours, cursor moves).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // CSI: parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                // OSC: up to BEL or ST.
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {
                chars.next();
            }
        }
    }
    out
}

/// Makes build output independent of where and when it ran: ANSI codes go, the app
/// directory becomes relative, other known directories get a placeholder.
pub fn normalize(text: &str, app_dir: &Path, others: &[(&Path, &str)]) -> String {
    let mut s = strip_ansi(text).replace('\r', "");
    let mut dirs: Vec<(String, String)> = Vec::new();
    for (dir, name) in std::iter::once((app_dir, "")).chain(others.iter().copied()) {
        let shown = dir.display().to_string();
        if let Ok(real) = dir.canonicalize() {
            let real = real.display().to_string();
            if real != shown {
                dirs.push((real, name.to_string()));
            }
        }
        dirs.push((shown, name.to_string()));
    }
    // Longest first so that a directory inside another is replaced whole.
    dirs.sort_by_key(|(d, _)| std::cmp::Reverse(d.len()));
    for (dir, name) in dirs {
        if dir.len() <= 1 {
            continue;
        }
        let with_slash = format!("{dir}/");
        let replacement = if name.is_empty() {
            String::new()
        } else {
            format!("{name}/")
        };
        s = s.replace(&format!("file://{with_slash}"), &replacement);
        s = s.replace(&with_slash, &replacement);
        s = s.replace(&dir, if name.is_empty() { "." } else { name.as_str() });
    }
    s
}

/// Drops timings (`in 342ms`, `1.2s`) and content hashes in asset names from one line.
pub fn stabilize_line(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w == "in" && words.get(i + 1).is_some_and(|n| is_duration(n)) {
            i += 2;
            continue;
        }
        if is_duration(w) {
            i += 1;
            continue;
        }
        out.push(unhash_asset(w));
        i += 1;
    }
    out.join(" ").trim().to_string()
}

fn is_duration(word: &str) -> bool {
    let w = word.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | '.' | ';'));
    let number = w.strip_suffix("ms").or_else(|| w.strip_suffix('s'));
    number.is_some_and(|n| {
        !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit() || c == '.')
            && n.chars().any(|c| c.is_ascii_digit())
    })
}

/// `index-B7P8dVlG.js` → `index-[hash].js` (Vite's 8-character content hashes).
fn unhash_asset(word: &str) -> String {
    for ext in [".js", ".css", ".mjs"] {
        if let Some(pos) = word.find(ext) {
            let stem = &word[..pos];
            if let Some(dash) = stem.rfind('-') {
                let hash = &stem[dash + 1..];
                if hash.len() == 8
                    && hash
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && hash
                        .chars()
                        .any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                {
                    return format!("{}-[hash]{}", &stem[..dash], &word[pos..]);
                }
            }
        }
    }
    word.to_string()
}

fn is_stack_frame(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("at ") || t == "}" || t.starts_with("errors: [") || t.starts_with("code: ")
}

/// The first line that says what went wrong, from normalised output. TypeScript errors
/// first (`src/App.tsx(12,5): error TS2304: …`), then Vite/Rolldown/Tailwind's error after
/// `error during build:`, then any line mentioning an error.
pub fn error_line(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().map(str::trim_end).collect();
    if let Some(l) = lines.iter().find(|l| is_ts_error(l)) {
        return Some(stabilize_line(l.trim()));
    }
    if let Some(start) = lines.iter().position(|l| l.trim() == "error during build:") {
        let mut file: Option<String> = None;
        for l in &lines[start + 1..] {
            let t = l.trim();
            if t.is_empty() || is_stack_frame(t) || is_build_failed_banner(t) {
                continue;
            }
            // `[plugin @tailwindcss/vite:generate:build] src/index.css` names the file; the
            // message follows on the next line.
            if let Some(rest) = t.strip_prefix("[plugin ")
                && let Some((_, after)) = rest.split_once("] ")
                && !after.contains(' ')
                && file.is_none()
            {
                file = Some(after.to_string());
                continue;
            }
            let msg = t.strip_prefix("Error: ").unwrap_or(t);
            let line = match &file {
                Some(f) if !msg.contains(f.as_str()) => format!("{f}: {msg}"),
                _ => msg.to_string(),
            };
            return Some(stabilize_line(&line));
        }
    }
    let lower_has_error = |l: &&&str| {
        let low = l.to_ascii_lowercase();
        !is_stack_frame(l) && (low.contains("error") || low.contains("failed"))
    };
    if let Some(l) = lines.iter().find(lower_has_error) {
        return Some(stabilize_line(l.trim()));
    }
    lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !is_stack_frame(l))
        .map(|l| stabilize_line(l.trim()))
}

fn is_ts_error(line: &str) -> bool {
    line.find(": error TS").is_some_and(|i| {
        line[i + ": error TS".len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    }) || line.trim_start().starts_with("error TS")
}

fn is_build_failed_banner(t: &str) -> bool {
    t.starts_with("Build failed with ") || t.starts_with("✗ Build failed")
}

/// The last `max_lines` lines, at most `max_bytes` bytes (cut on a char boundary).
pub fn tail(text: &str, max_lines: usize, max_bytes: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(max_lines);
    let joined = lines[start..].join("\n");
    if joined.len() <= max_bytes {
        return joined;
    }
    let mut cut = joined.len() - max_bytes;
    while !joined.is_char_boundary(cut) {
        cut += 1;
    }
    joined[cut..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "/tmp/appgen-job-x1y2/app";

    #[test]
    fn typescript_error_is_the_line() {
        let out = "src/App.tsx(12,5): error TS2304: Cannot find name 'x'.\nsrc/App.tsx(13,1): error TS1005: ';' expected.\n";
        assert_eq!(
            error_line(out).as_deref(),
            Some("src/App.tsx(12,5): error TS2304: Cannot find name 'x'.")
        );
    }

    #[test]
    fn rolldown_unresolved_import_is_stable_across_runs() {
        let run = |dir: &str, ms: u32| {
            format!(
                "\u{1b}[31m✗\u{1b}[39m Build failed in {ms}ms\nerror during build:\nBuild failed with 1 error:\n\n\
                 Error: [vite]: Rolldown failed to resolve import \"left-pad\" from \"{dir}/src/main.tsx\".\n\
                 This is most likely unintended because it can break your application at runtime.\n    \
                 at viteLog (file:///work/t/node_modules/vite/dist/node/chunks/node.js:34880:57)\n{{\n  errors: [Getter/Setter]\n}}\n"
            )
        };
        let a = error_line(&normalize(&run(APP, 342), Path::new(APP), &[]));
        let b = error_line(&normalize(
            &run("/tmp/appgen-job-q9/app", 17),
            Path::new("/tmp/appgen-job-q9/app"),
            &[],
        ));
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some("[vite]: Rolldown failed to resolve import \"left-pad\" from \"src/main.tsx\".")
        );
    }

    #[test]
    fn tailwind_plugin_error_names_the_file() {
        let out = format!(
            "✗ Build failed in 238ms\nerror during build:\nBuild failed with 1 error:\n\n\
             [plugin @tailwindcss/vite:generate:build] {APP}/src/index.css\n\
             Error: Cannot apply unknown utility class `bg-nope-500`\n    at onInvalidCandidate (file:///x/lib.mjs:21:1867)\n"
        );
        assert_eq!(
            error_line(&normalize(&out, Path::new(APP), &[])).as_deref(),
            Some("src/index.css: Cannot apply unknown utility class `bg-nope-500`")
        );
    }

    #[test]
    fn unresolved_entry_drops_ansi() {
        let out = "error during build:\nBuild failed with 1 error:\n\n\u{1b}[31m[UNRESOLVED_ENTRY] \u{1b}[0mCannot resolve entry module index.html.\n\n    at x (file:///y:1:2)\n";
        assert_eq!(
            error_line(&normalize(out, Path::new(APP), &[])).as_deref(),
            Some("[UNRESOLVED_ENTRY] Cannot resolve entry module index.html.")
        );
    }

    #[test]
    fn falls_back_to_an_error_word_then_the_last_line() {
        assert_eq!(
            error_line(
                "vite v8\nsh: 1: fork: Resource temporarily unavailable\nsomething failed badly\n"
            )
            .as_deref(),
            Some("something failed badly")
        );
        assert_eq!(error_line("one\ntwo\n").as_deref(), Some("two"));
        assert_eq!(error_line(""), None);
    }

    #[test]
    fn normalize_replaces_known_directories() {
        let text = format!("{APP}/src/a.ts and file:///work/tpl/node_modules/x.js and {APP}");
        let n = normalize(
            &text,
            Path::new(APP),
            &[(Path::new("/work/tpl"), "<template>")],
        );
        assert_eq!(n, "src/a.ts and <template>/node_modules/x.js and .");
    }

    #[test]
    fn stabilize_drops_timings_and_hashes() {
        assert_eq!(
            stabilize_line("built dist/assets/index-B7P8dVlG.js in 1.25s (342ms)"),
            "built dist/assets/index-[hash].js"
        );
        assert_eq!(stabilize_line("error TS2304 in src"), "error TS2304 in src");
    }

    #[test]
    fn tail_keeps_the_end() {
        let text = (1..=100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(tail(&text, 3, 1000), "98\n99\n100");
        assert_eq!(tail(&text, 3, 4), "\n100");
        assert_eq!(tail("ééé", 10, 3), "é");
    }
}
