// Generation options on the start screen, sent as AG-UI `context` entries {description, value}.

export type Persistence = "none" | "localStorage";
/** Where a record app's data lives; "auto" lets the description decide (docs/appdata.md). */
export type DataChoice = "auto" | "device" | "cloud";

export interface GenerationOptions {
  mobileFirst: boolean;
  persistence: Persistence;
  data: DataChoice;
  authReady: boolean;
  color: string;
}

export const COLORS: { id: string; label: string; swatch: string }[] = [
  { id: "indigo", label: "Indigo", swatch: "#4f46e5" },
  { id: "emerald", label: "Emerald", swatch: "#059669" },
  { id: "rose", label: "Rose", swatch: "#e11d48" },
  { id: "amber", label: "Amber", swatch: "#d97706" },
  { id: "sky", label: "Sky", swatch: "#0284c7" },
  { id: "slate", label: "Slate", swatch: "#334155" },
];

export const defaultOptions: GenerationOptions = {
  mobileFirst: true,
  persistence: "localStorage",
  data: "auto",
  authReady: false,
  color: "indigo",
};

export interface ContextEntry {
  description: string;
  value: string;
}

export function optionsToContext(o: GenerationOptions): ContextEntry[] {
  return [
    { description: "mobile-first", value: String(o.mobileFirst) },
    { description: "persistence", value: o.persistence },
    { description: "data", value: o.data },
    { description: "auth-ready", value: String(o.authReady) },
    { description: "colors", value: o.color },
  ];
}

export const EXAMPLE_PROMPTS: string[] = [
  "A todo list with due dates, priorities and a filter for what's done",
  "A recipe book where I can add recipes with ingredients and search them",
  "A habit tracker that shows a streak for each habit",
  "A simple expense tracker with categories and a monthly total",
];

export const PROMPT_LIMIT = 20_000;
