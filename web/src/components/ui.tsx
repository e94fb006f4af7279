// Small shared pieces: buttons, status pill, spinner, formatters (tokens and cost: lib/cost.ts).

import type { ComponentProps, ReactNode } from "react";
import type { Phase } from "../lib/runMachine";
import { useSignedSrc } from "../lib/signed";

type Variant = "primary" | "secondary" | "ghost" | "danger";

const VARIANT: Record<Variant, string> = {
  primary: "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300",
  secondary: "bg-white text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 disabled:text-slate-400",
  ghost: "text-slate-600 hover:bg-slate-100 disabled:text-slate-300",
  danger: "bg-rose-600 text-white hover:bg-rose-700",
};

export function Button({
  variant = "secondary",
  size = "md",
  className = "",
  ...rest
}: ComponentProps<"button"> & { variant?: Variant; size?: "sm" | "md" }) {
  const pad = size === "sm" ? "px-2.5 py-1 text-xs" : "px-3.5 py-2 text-sm";
  return (
    <button
      type="button"
      className={`inline-flex items-center justify-center gap-1.5 rounded-lg font-medium transition-colors disabled:cursor-not-allowed ${pad} ${VARIANT[variant]} ${className}`}
      {...rest}
    />
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <span role={label ? "status" : undefined} aria-label={label} className="inline-block size-3.5 animate-spin rounded-full border-2 border-current border-t-transparent" />
  );
}

const PHASE_LABEL: Record<Phase, string> = {
  idle: "Ready",
  running: "Working",
  awaiting_answers: "Needs your answers",
  building: "Building",
  done: "Done",
  error: "Error",
};

const PHASE_STYLE: Record<Phase, string> = {
  idle: "bg-slate-100 text-slate-600",
  running: "bg-indigo-50 text-indigo-700",
  awaiting_answers: "bg-amber-50 text-amber-800",
  building: "bg-sky-50 text-sky-700",
  done: "bg-emerald-50 text-emerald-700",
  error: "bg-rose-50 text-rose-700",
};

export function PhasePill({ phase }: { phase: Phase }) {
  const busy = phase === "running" || phase === "building";
  return (
    <span data-testid="phase" data-phase={phase} className={`inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium ${PHASE_STYLE[phase]}`}>
      {busy ? <Spinner /> : <span aria-hidden className="size-1.5 rounded-full bg-current" />}
      {PHASE_LABEL[phase]}
    </span>
  );
}

export function Badge({ ok, children }: { ok: boolean | null; children: ReactNode }) {
  const style = ok === null ? "bg-slate-100 text-slate-600" : ok ? "bg-emerald-50 text-emerald-700" : "bg-rose-50 text-rose-700";
  return <span className={`inline-flex items-center rounded-md px-1.5 py-0.5 text-[11px] font-medium ${style}`}>{children}</span>;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatTime(ms: number): string {
  // Accept seconds or milliseconds since the epoch.
  const d = new Date(ms < 1e12 ? ms * 1000 : ms);
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** An API image (a check's screenshot): loaded with the tab's key when it signed in with one. */
export function SignedImg({ url, alt, className }: { url: string; alt: string; className: string }) {
  const src = useSignedSrc(url);
  return src ? <img src={src} alt={alt} className={className} loading="lazy" /> : null;
}
