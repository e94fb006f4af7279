import { config } from "../config";
import type { Field } from "./types";

export function formatMoney(n: number): string {
  if (!Number.isFinite(n)) return "—";
  try {
    return n.toLocaleString("en-US", { style: "currency", currency: config.currency });
  } catch {
    return n.toFixed(2);
  }
}

export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

export function formatValue(field: Field, raw: string | undefined): string {
  const v = (raw ?? "").trim();
  if (v === "") return "—";
  switch (field.type) {
    case "money":
      return formatMoney(Number(v));
    case "percent":
      return `${v}%`;
    case "rating": {
      const n = Math.max(0, Math.min(5, Math.round(Number(v))));
      return `${"★".repeat(n)}${"☆".repeat(5 - n)} ${n}/5`;
    }
    case "boolean":
      return v === "true" ? "Yes" : "No";
    case "number":
      return field.unit ? `${v} ${field.unit}` : v;
    default:
      return v;
  }
}

export function numeric(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isFinite(n) ? n : 0;
}

export function todayIso(): string {
  const d = new Date();
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
