//! Reading model output: an incremental JSON scanner for streaming string values as they arrive,
//! and a tolerant extractor for the final answer (fenced blocks, prose around the object).

use serde_json::Value;

/// A step in the path of a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// What the scanner saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    /// A string value starts at this path.
    Start(Vec<Seg>),
    /// Decoded characters of the string at this path.
    Chunk(Vec<Seg>, String),
    End(Vec<Seg>),
}

#[derive(Debug, Clone)]
enum Frame {
    Object { key: Option<String> },
    Array { index: usize },
}

#[derive(Debug, Clone)]
enum Esc {
    None,
    Backslash,
    Unicode(String),
}

#[derive(Debug, Clone)]
struct Str {
    is_key: bool,
    key_buf: String,
    esc: Esc,
    high_surrogate: Option<u32>,
}

/// Scans the first JSON object in a text fed piece by piece; anything before its `{` (prose,
/// a ```json fence) and after its closing `}` is ignored. Clone it to checkpoint.
#[derive(Debug, Clone, Default)]
pub struct JsonScanner {
    stack: Vec<Frame>,
    started: bool,
    done: bool,
    string: Option<Str>,
}

impl JsonScanner {
    pub fn path(&self) -> Vec<Seg> {
        self.stack
            .iter()
            .map(|f| match f {
                Frame::Object { key } => Seg::Key(key.clone().unwrap_or_default()),
                Frame::Array { index } => Seg::Index(*index),
            })
            .collect()
    }

    /// Whether the top-level object has closed.
    pub fn done(&self) -> bool {
        self.done
    }

    pub fn feed(&mut self, text: &str) -> Vec<ScanEvent> {
        let mut out = Vec::new();
        let mut chunk = String::new();
        for c in text.chars() {
            if self.done {
                break;
            }
            if !self.started {
                if c == '{' {
                    self.started = true;
                    self.stack.push(Frame::Object { key: None });
                }
                continue;
            }
            if self.string.is_some() {
                self.in_string(c, &mut chunk, &mut out);
            } else {
                self.structural(c, &mut out);
            }
        }
        if !chunk.is_empty() {
            out.push(ScanEvent::Chunk(self.path(), chunk));
        }
        out
    }

    /// A character inside a string: decoded into the key or into `chunk`, or the string ends.
    fn in_string(&mut self, c: char, chunk: &mut String, out: &mut Vec<ScanEvent>) {
        let Some(s) = &mut self.string else {
            return;
        };
        match s.step(c) {
            StrStep::Nothing => {}
            StrStep::Char(ch) if s.is_key => s.key_buf.push(ch),
            StrStep::Char(ch) => chunk.push(ch),
            StrStep::End => self.end_string(chunk, out),
        }
    }

    fn end_string(&mut self, chunk: &mut String, out: &mut Vec<ScanEvent>) {
        let Some(s) = self.string.take() else {
            return;
        };
        if s.is_key {
            if let Some(Frame::Object { key }) = self.stack.last_mut() {
                *key = Some(s.key_buf);
            }
            return;
        }
        let path = self.path();
        if !chunk.is_empty() {
            out.push(ScanEvent::Chunk(path.clone(), std::mem::take(chunk)));
        }
        out.push(ScanEvent::End(path));
    }

    /// A character outside strings: structure only (numbers, booleans and null carry nothing
    /// we stream).
    fn structural(&mut self, c: char, out: &mut Vec<ScanEvent>) {
        match c {
            '"' => {
                // In an object, a string before ':' is a key; we track that by clearing
                // the key at ',' and '{'.
                let is_key = matches!(self.stack.last(), Some(Frame::Object { key: None }));
                if !is_key {
                    out.push(ScanEvent::Start(self.path()));
                }
                self.string = Some(Str {
                    is_key,
                    key_buf: String::new(),
                    esc: Esc::None,
                    high_surrogate: None,
                });
            }
            '{' => self.stack.push(Frame::Object { key: None }),
            '[' => self.stack.push(Frame::Array { index: 0 }),
            '}' | ']' => {
                self.stack.pop();
                if self.stack.is_empty() {
                    self.done = true;
                }
            }
            ',' => match self.stack.last_mut() {
                Some(Frame::Object { key }) => *key = None,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
    }
}

/// What one character of a string's source text amounts to.
enum StrStep {
    Char(char),
    End,
    /// Part of an escape sequence still incomplete.
    Nothing,
}

impl Str {
    /// Decodes one character: escapes, `\uXXXX` and surrogate pairs, the closing quote.
    fn step(&mut self, c: char) -> StrStep {
        match &mut self.esc {
            Esc::Backslash => {
                self.esc = Esc::None;
                match c {
                    'n' => StrStep::Char('\n'),
                    't' => StrStep::Char('\t'),
                    'r' => StrStep::Char('\r'),
                    'b' => StrStep::Char('\u{8}'),
                    'f' => StrStep::Char('\u{c}'),
                    'u' => {
                        self.esc = Esc::Unicode(String::new());
                        StrStep::Nothing
                    }
                    other => StrStep::Char(other),
                }
            }
            Esc::Unicode(hex) => {
                hex.push(c);
                if hex.len() < 4 {
                    return StrStep::Nothing;
                }
                let code = u32::from_str_radix(hex, 16).unwrap_or(0xFFFD);
                self.esc = Esc::None;
                if (0xD800..0xDC00).contains(&code) {
                    self.high_surrogate = Some(code);
                    return StrStep::Nothing;
                }
                let full = if (0xDC00..0xE000).contains(&code) {
                    let hi = self.high_surrogate.take().unwrap_or(0xD800);
                    0x10000 + ((hi - 0xD800) << 10) + (code - 0xDC00)
                } else {
                    code
                };
                StrStep::Char(char::from_u32(full).unwrap_or('\u{FFFD}'))
            }
            Esc::None => match c {
                '\\' => {
                    self.esc = Esc::Backslash;
                    StrStep::Nothing
                }
                '"' => StrStep::End,
                other => StrStep::Char(other),
            },
        }
    }
}

/// The JSON object in a model's answer: the whole text, a fenced block, or the first balanced
/// `{…}` with prose around it.
pub fn extract_json(text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the answer was empty".into());
    }
    let mut first_err = match serde_json::from_str::<Value>(t) {
        Ok(v) if v.is_object() => return Ok(v),
        Ok(_) => "the answer is JSON but not an object".to_owned(),
        Err(e) => format!("the answer is not valid JSON ({e})"),
    };
    for block in fenced_blocks(t) {
        if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(block.trim()) {
            return Ok(v);
        }
    }
    if let Some(obj) = balanced_object(t) {
        match serde_json::from_str::<Value>(obj) {
            Ok(v @ Value::Object(_)) => return Ok(v),
            Ok(_) => {}
            Err(e) => first_err = format!("the JSON object in the answer is not valid ({e})"),
        }
    } else if t.contains('{') {
        first_err = "the JSON object in the answer is not complete".into();
    }
    Err(first_err)
}

fn fenced_blocks(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        // Skip the info string (`json`) up to the end of the line.
        let body_start = after.find('\n').map(|i| i + 1).unwrap_or(after.len());
        let body = &after[body_start..];
        match body.find("```") {
            Some(end) => {
                out.push(&body[..end]);
                rest = &body[end + 3..];
            }
            None => break,
        }
    }
    out
}

/// The first `{…}` that balances, string-aware.
fn balanced_object(t: &str) -> Option<&str> {
    let start = t.find('{')?;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, c) in t[start..].char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(&t[start..start + i + c.len_utf8()]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn k(s: &str) -> Seg {
        Seg::Key(s.into())
    }

    #[test]
    fn scanner_streams_strings_across_any_split() {
        let text = "Sure!\n```json\n{\"message\":\"Hi \\\"you\\\" \\u00e9\\ud83d\\ude00\",\"files\":[{\"path\":\"a.ts\",\"content\":\"x\\ny\"},{\"path\":\"b\",\"content\":\"\"}]}\n```";
        for split in 1..8 {
            let mut s = JsonScanner::default();
            let mut msg = String::new();
            let mut content = String::new();
            let mut ends = Vec::new();
            let chars: Vec<char> = text.chars().collect();
            for piece in chars.chunks(split) {
                let piece: String = piece.iter().collect();
                for e in s.feed(&piece) {
                    match e {
                        ScanEvent::Chunk(p, t) if p == vec![k("message")] => msg.push_str(&t),
                        ScanEvent::Chunk(p, t)
                            if p == vec![k("files"), Seg::Index(0), k("content")] =>
                        {
                            content.push_str(&t)
                        }
                        ScanEvent::End(p) => ends.push(p),
                        _ => {}
                    }
                }
            }
            assert_eq!(msg, "Hi \"you\" é😀");
            assert_eq!(content, "x\ny");
            assert!(ends.contains(&vec![k("files"), Seg::Index(1), k("path")]));
            assert!(s.done());
        }
    }

    #[test]
    fn extract_tolerates_fences_and_prose() {
        assert_eq!(extract_json("{\"a\":1}"), Ok(json!({"a":1})));
        assert_eq!(
            extract_json("Here you go:\n```json\n{\"a\":1}\n```\nDone."),
            Ok(json!({"a":1}))
        );
        assert_eq!(
            extract_json("The answer {\"a\":\"}\"} hope it helps"),
            Ok(json!({"a":"}"}))
        );
        assert!(extract_json("{\"a\":").is_err());
        assert!(extract_json("no json here").is_err());
    }
}
