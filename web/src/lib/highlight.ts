// A tiny syntax highlighter for the files a generated app has (TS/TSX/JS, JSON, CSS, HTML,
// Markdown): one regex pass into tokens, rendered as spans. No dependency, a few hundred bytes.

export type TokenKind = "comment" | "string" | "keyword" | "number" | "tag" | "attr" | "plain";

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS =
  "import|export|from|default|const|let|var|function|return|if|else|for|while|do|switch|case|break|continue|new|class|extends|interface|type|enum|as|async|await|try|catch|finally|throw|typeof|instanceof|in|of|null|undefined|true|false|this|void|yield|static|public|private|readonly|implements|keyof";

const CODE = new RegExp(
  [
    "(\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?(?:\\*\\/|$))", // 1 comment
    "(\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?|`(?:[^`\\\\]|\\\\.)*`?)", // 2 string
    `\\b(${KEYWORDS})\\b`, // 3 keyword
    "\\b(\\d[\\d_]*(?:\\.\\d+)?(?:e[+-]?\\d+)?)\\b", // 4 number
    "(<\\/?[A-Za-z][\\w.-]*)", // 5 JSX/HTML tag
  ].join("|"),
  "g",
);

const MARKUP = /(<!--[\s\S]*?(?:-->|$))|("[^"]*"?|'[^']*'?)|(<\/?[A-Za-z][\w:-]*|\/?>)|(\s[A-Za-z_:][\w:.-]*(?==))/g;

function tokenize(text: string, re: RegExp, kinds: TokenKind[]): Token[] {
  const out: Token[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === "") {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push({ kind: "plain", text: text.slice(last, m.index) });
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    out.push({ kind: kinds[group - 1] ?? "plain", text: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: "plain", text: text.slice(last) });
  return out;
}

export function languageOf(path: string): "code" | "markup" | "plain" {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (["ts", "tsx", "js", "jsx", "mjs", "cjs", "json", "css"].includes(ext)) return "code";
  if (["html", "htm", "svg", "xml"].includes(ext)) return "markup";
  return "plain";
}

export function highlight(text: string, path: string): Token[] {
  const lang = languageOf(path);
  if (lang === "code") return tokenize(text, CODE, ["comment", "string", "keyword", "number", "tag"]);
  if (lang === "markup") return tokenize(text, MARKUP, ["comment", "string", "tag", "attr"]);
  return [{ kind: "plain", text }];
}

export const TOKEN_CLASS: Record<TokenKind, string> = {
  comment: "text-muted italic",
  string: "text-emerald-700",
  keyword: "text-violet-700 font-medium",
  number: "text-amber-700",
  tag: "text-sky-700",
  attr: "text-indigo-600",
  plain: "",
};
