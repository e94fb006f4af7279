// Maps an interrupt's `responseSchema` (JSON Schema, one property per question, `x-order`) to
// form fields, and the form's values back to the resume payload.

export type FieldKind = "text" | "single_choice" | "multiple_choice" | "yes_no";

export interface FormField {
  id: string;
  label: string;
  help?: string;
  kind: FieldKind;
  options: string[];
  defaultValue: AnswerValue;
}

export type AnswerValue = string | boolean | string[];
export type Answers = Record<string, AnswerValue>;

type Schema = Record<string, unknown>;

function asSchema(v: unknown): Schema | null {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Schema) : null;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function fieldOf(id: string, p: Schema): FormField {
  const label = typeof p.title === "string" && p.title ? p.title : id;
  const help = typeof p.description === "string" ? p.description : undefined;
  const def = p.default;
  if (p.type === "boolean") {
    return { id, label, help, kind: "yes_no", options: ["Yes", "No"], defaultValue: typeof def === "boolean" ? def : false };
  }
  if (p.type === "array") {
    const options = stringList(asSchema(p.items)?.enum);
    const chosen = stringList(def);
    return { id, label, help, kind: "multiple_choice", options, defaultValue: chosen };
  }
  const options = stringList(p.enum);
  if (options.length > 0) {
    const d = typeof def === "string" && options.includes(def) ? def : (options[0] ?? "");
    return { id, label, help, kind: "single_choice", options, defaultValue: d };
  }
  return { id, label, help, kind: "text", options: [], defaultValue: typeof def === "string" ? def : "" };
}

/** Fields in the schema's `x-order` (then any others in key order). */
export function fieldsFromSchema(schema: unknown): FormField[] {
  const s = asSchema(schema);
  const props = asSchema(s?.properties);
  if (!props) return [];
  const order = stringList(s?.["x-order"]).filter((k) => k in props);
  for (const k of Object.keys(props)) if (!order.includes(k)) order.push(k);
  const fields: FormField[] = [];
  for (const id of order) {
    const p = asSchema(props[id]);
    if (p) fields.push(fieldOf(id, p));
  }
  return fields;
}

export function defaultAnswers(fields: FormField[]): Answers {
  const out: Answers = {};
  for (const f of fields) out[f.id] = Array.isArray(f.defaultValue) ? [...f.defaultValue] : f.defaultValue;
  return out;
}

/** Toggles one option of a multiple-choice answer, keeping the schema's option order. */
export function toggleOption(f: FormField, current: AnswerValue | undefined, option: string): string[] {
  const set = new Set(Array.isArray(current) ? current : []);
  if (set.has(option)) set.delete(option);
  else set.add(option);
  return f.options.filter((o) => set.has(o)).concat([...set].filter((o) => !f.options.includes(o)));
}

/** One line per answer, for the chat transcript ("Keep the data? Yes"). */
export function summarizeAnswers(fields: FormField[], answers: Answers): string {
  return fields
    .map((f) => {
      const v = answers[f.id];
      const text = typeof v === "boolean" ? (v ? "Yes" : "No") : Array.isArray(v) ? v.join(", ") || "none" : v || "—";
      return /[?:]$/.test(f.label) ? `${f.label} ${text}` : `${f.label}: ${text}`;
    })
    .join("\n");
}
