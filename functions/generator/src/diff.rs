//! Old files + new files → search/replace edits. Each search matches exactly once in the file
//! as it stands when that edit applies; a file whose hunks cannot be made unique is written
//! whole instead.

use appgen_core::app::{FileChange, FileMap};
use appgen_core::edits::PROTECTED_FILES;

/// Limit of the line-diff table; larger files are written whole.
const MAX_CELLS: usize = 4_000_000;
/// Hunks closer than this many unchanged lines are merged into one edit.
const MERGE_GAP: usize = 2;

/// Changes that turn `old` into `new` (files only in `old` are left alone: the generator never
/// removes files it did not make, and never touches protected files).
pub fn changes_between(old: &FileMap, new: &FileMap) -> Vec<FileChange> {
    let mut out = vec![];
    for (path, content) in new {
        if PROTECTED_FILES.contains(&path.as_str()) {
            continue;
        }
        match old.get(path) {
            Some(before) if before == content => {}
            Some(before) => out.extend(file_edits(path, before, content)),
            None => out.push(FileChange::Write {
                path: path.clone(),
                content: content.clone(),
            }),
        }
    }
    out
}

/// Edits for one file, or a single `Write` when edits cannot be made safely.
pub fn file_edits(path: &str, old: &str, new: &str) -> Vec<FileChange> {
    let write = || {
        vec![FileChange::Write {
            path: path.to_owned(),
            content: new.to_owned(),
        }]
    };
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    if a.is_empty() || a.len().saturating_mul(b.len()) > MAX_CELLS {
        return write();
    }
    let hunks = hunks(&a, &b);
    let mut current: Vec<&str> = a.clone();
    let mut edits = vec![];
    // Offset between positions in `old` and in `current` (earlier hunks changed line counts).
    let mut shift: isize = 0;
    for h in hunks {
        let start = (h.old_start as isize + shift) as usize;
        let end = start + (h.old_end - h.old_start);
        let replacement: Vec<&str> = b[h.new_start..h.new_end].to_vec();
        let Some((search, replace)) = unique_hunk(&current, start, end, &replacement) else {
            return write();
        };
        let mut next: Vec<&str> = current[..start].to_vec();
        next.extend(replacement.iter());
        next.extend(current[end..].iter());
        current = next;
        shift += replacement.len() as isize - (h.old_end - h.old_start) as isize;
        edits.push(FileChange::Edit {
            path: path.to_owned(),
            search,
            replace,
        });
    }
    // Replay the edits exactly as the core will, to be sure they produce `new`.
    let mut replay = old.to_owned();
    for e in &edits {
        if let FileChange::Edit {
            search, replace, ..
        } = e
        {
            if replay.matches(search.as_str()).count() != 1 {
                return write();
            }
            replay = replay.replacen(search.as_str(), replace, 1);
        }
    }
    if replay != new || edits.is_empty() {
        return write();
    }
    edits
}

/// Grows context around `current[start..end]` until the text occurs once in `current`.
fn unique_hunk(
    current: &[&str],
    start: usize,
    end: usize,
    replacement: &[&str],
) -> Option<(String, String)> {
    let whole: String = current.concat();
    let (mut before, mut after) = (0usize, 0usize);
    // Pure insertions need at least one anchoring line.
    if start == end {
        if start > 0 {
            before = 1;
        } else {
            after = 1;
        }
    }
    loop {
        let lo = start - before;
        let hi = end + after;
        let search: String = current[lo..hi].concat();
        if !search.is_empty() && whole.matches(search.as_str()).count() == 1 {
            let replace: String =
                current[lo..start].concat() + &replacement.concat() + &current[end..hi].concat();
            return Some((search, replace));
        }
        let can_before = lo > 0;
        let can_after = hi < current.len();
        if !can_before && !can_after {
            return None;
        }
        if can_after && (after <= before || !can_before) {
            after += 1;
        } else {
            before += 1;
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Hunk {
    old_start: usize,
    old_end: usize,
    new_start: usize,
    new_end: usize,
}

/// Changed line ranges from a longest-common-subsequence alignment.
fn hunks(a: &[&str], b: &[&str]) -> Vec<Hunk> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[idx(i, j)] = if a[i] == b[j] {
                lcs[idx(i + 1, j + 1)] + 1
            } else {
                lcs[idx(i + 1, j)].max(lcs[idx(i, j + 1)])
            };
        }
    }
    let mut out: Vec<Hunk> = vec![];
    let (mut i, mut j) = (0, 0);
    let mut open: Option<Hunk> = None;
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            if let Some(h) = open.take() {
                out.push(h);
            }
            i += 1;
            j += 1;
            continue;
        }
        let h = open.get_or_insert(Hunk {
            old_start: i,
            old_end: i,
            new_start: j,
            new_end: j,
        });
        if j < m && (i == n || lcs[idx(i, j + 1)] >= lcs[idx(i + 1, j)]) {
            j += 1;
            h.new_end = j;
        } else {
            i += 1;
            h.old_end = i;
        }
    }
    if let Some(h) = open {
        out.push(h);
    }
    // Merge hunks separated by a few unchanged lines.
    let mut merged: Vec<Hunk> = vec![];
    for h in out {
        match merged.last_mut() {
            Some(last) if h.old_start - last.old_end <= MERGE_GAP => {
                last.old_end = h.old_end;
                last.new_end = h.new_end;
            }
            _ => merged.push(h),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgen_core::edits::apply_changes;

    fn roundtrip(old: &str, new: &str) -> Vec<FileChange> {
        let before = FileMap::from([("src/a.ts".to_owned(), old.to_owned())]);
        let after = FileMap::from([("src/a.ts".to_owned(), new.to_owned())]);
        let changes = changes_between(&before, &after);
        let applied = apply_changes(&before, &changes).expect("edits apply");
        assert_eq!(applied, after);
        changes
    }

    #[test]
    fn repeated_lines_get_unique_context() {
        let old = "a\nx\nb\nx\nc\nx\nd\n";
        let new = "a\nx\nb\ny\nc\nx\nd\n";
        let changes = roundtrip(old, new);
        assert_eq!(changes.len(), 1);
        assert!(matches!(&changes[0], FileChange::Edit { search, .. } if search.len() < old.len()));
    }

    #[test]
    fn insertions_deletions_and_several_hunks() {
        roundtrip(
            "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
            "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
        );
        roundtrip("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n3\n4\n5\n6\n7\n9\n");
        roundtrip("same\nsame\nsame\n", "same\nsame\nsame\nsame\n");
        roundtrip("no newline", "no newline at all");
    }

    #[test]
    fn protected_files_are_never_changed() {
        let before = FileMap::from([("vite.config.ts".to_owned(), "a".to_owned())]);
        let after = FileMap::from([("vite.config.ts".to_owned(), "b".to_owned())]);
        assert!(changes_between(&before, &after).is_empty());
    }
}
