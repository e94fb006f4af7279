import { expect, it } from "vitest";
import { highlight } from "./highlight";

it("tokenizes TSX and loses no text", () => {
  const src = 'import x from "y"; // hi\nconst n = 42;\nreturn <div className="a">{n}</div>;';
  const toks = highlight(src, "src/App.tsx");
  expect(toks.map((t) => t.text).join("")).toBe(src);
  expect(toks.filter((t) => t.kind === "keyword").map((t) => t.text)).toEqual(["import", "from", "const", "return"]);
  expect(toks.find((t) => t.kind === "comment")?.text).toBe("// hi");
  expect(toks.filter((t) => t.kind === "tag").map((t) => t.text)).toEqual(["<div", "</div"]);
});

it("tokenizes HTML and leaves unknown files plain", () => {
  const html = '<!-- c --><a href="x">t</a>';
  expect(highlight(html, "index.html").map((t) => t.text).join("")).toBe(html);
  expect(highlight("# T", "README.md")).toEqual([{ kind: "plain", text: "# T" }]);
});
