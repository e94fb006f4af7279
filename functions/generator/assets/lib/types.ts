// Shapes of the generated configuration (src/config.ts). The Rust generator emits JSON that
// matches these interfaces, so the compiler checks every generated app against them.

export type FieldType =
  | "text"
  | "longtext"
  | "email"
  | "tel"
  | "url"
  | "number"
  | "money"
  | "percent"
  | "date"
  | "time"
  | "enum"
  | "rating"
  | "boolean";

export interface Field {
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  required: boolean;
  unit: string | null;
  initial?: string | null;
}

export type Values = Record<string, string>;

export interface Item {
  id: string;
  created: number;
  values: Values;
  done?: boolean;
  column?: string;
  log?: string[];
}

export type Variant = "list" | "tasks" | "habits" | "bookings" | "inventory" | "dashboard";

export interface CollectionConfig {
  variant: Variant;
  singular: string;
  plural: string;
  fields: Field[];
  primary: string;
  search: string[];
  filter: string | null;
  sort: boolean;
  count: boolean;
  layout: "table" | "cards";
  totals: string[];
  totalName?: string | null;
  averages: string[];
  groupBy: { by: string; of: string | null; rollup?: Rollup } | null;
  /** The parent field whose parents are added in a form of their own (components/ParentList.tsx). */
  parentList?: string | null;
  chart: boolean;
  done: boolean;
  streak: boolean;
  week?: boolean;
  overlap: { resource: string | null; date: string; start: string; end: string } | null;
  computed: { label: string; factors: string[] } | null;
  lowStock: { field: string; below: number } | null;
}

export interface BoardConfig {
  singular: string;
  columns: string[];
  fields: Field[];
  primary: string;
}

export interface QuizQuestion {
  question: string;
  choices: string[];
  answer: number;
}

export interface QuizConfig {
  topic: string;
  questions: QuizQuestion[];
}

export interface LandingItem {
  title: string;
  text: string;
  meta: string;
}

export interface LandingSection {
  id: string;
  kind: "about" | "features" | "schedule" | "pricing" | "testimonials" | "gallery" | "team" | "faq" | "menu" | "events" | "hours" | "newsletter";
  title: string;
  intro: string;
  items: LandingItem[];
}

export interface LandingConfig {
  cta: string;
  sections: LandingSection[];
  contact: boolean;
}

export interface GridGameConfig {
  archetype: "grid_game";
  name: string;
  columns: number;
  rows: number;
  win: number;
  gravity: boolean;
  players: [string, string];
  score: boolean;
}

export interface MemoryConfig {
  archetype: "memory";
  theme: string;
  symbols: string[];
  counter: string;
  timer: boolean;
}

export interface ShopConfig {
  archetype: "shop";
  products: { name: string; price: number }[];
  cart: string;
  fees: { label: string; percent: number }[];
}

export interface TimerConfig {
  archetype: "timer";
  mode: "stopwatch" | "countdown" | "pomodoro";
  presets: { label: string; seconds: number }[];
  lap: string;
}

export interface FlashcardsConfig {
  archetype: "flashcards";
  fields: Field[];
}

export interface FeedConfig {
  archetype: "feed";
  fields: Field[];
  reaction: string;
  icon: string;
  comments?: boolean;
}

export interface ScalerConfig {
  archetype: "scaler";
  fields: Field[];
  yields: string;
}

export interface SeriesConfig {
  archetype: "series";
  /** The date, then the measured value. */
  fields: Field[];
  line: boolean;
  stats: ("lowest" | "highest" | "average" | "change")[];
}

export type ArchetypeConfig = GridGameConfig | MemoryConfig | ShopConfig | TimerConfig | FlashcardsConfig | FeedConfig | ScalerConfig | SplitConfig | SeriesConfig;

export interface SplitConfig {
  archetype: "split";
  person: string;
  cost: string;
}

export interface AppConfig {
  title: string;
  tagline: string;
  storageKey: string;
  persist: boolean;
  /** The backend collection (lib/backend.ts) when the app's data lives in the cloud. */
  cloudCollection?: string | null;
  /** Whether people sign in and each sees only their own records (components/Account.tsx). */
  accounts?: boolean;
  currency: string;
  collection: CollectionConfig | null;
  board: BoardConfig | null;
  quiz: QuizConfig | null;
  landing: LandingConfig | null;
  archetype: ArchetypeConfig | null;
  /** What the description asked for that the offline generator did not build. */
  notBuilt: string[];
}

/** A figure per group over related records: percent done, or capacity left. */
export type Rollup = { kind: "done"; status: string | null } | { kind: "left"; capacity: number };
