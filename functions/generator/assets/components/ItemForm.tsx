import { useEffect, useId, useState, type FormEvent } from "react";
import type { Field, Values } from "../lib/types";

interface Props {
  heading: string;
  fields: Field[];
  submitLabel: string;
  editing: Values | null;
  onSubmit: (values: Values) => string | null;
  onCancel?: () => void;
  extra?: { label: string; key: string; options: string[] } | null;
}

function initialValue(field: Field): string {
  if (field.initial) return field.initial;
  if (field.type === "enum") return field.options[0] ?? "";
  if (field.type === "rating") return "5";
  if (field.type === "boolean") return "false";
  return "";
}

export function emptyValues(fields: Field[]): Values {
  return Object.fromEntries(fields.map((f) => [f.key, initialValue(f)]));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Why a value is not acceptable, in words the user can act on; null when it is fine.
function problem(field: Field, value: string): string | null {
  const v = value.trim();
  if (v === "") return field.required ? `Please enter ${field.label.toLowerCase()}.` : null;
  if (field.type === "email" && !EMAIL.test(v)) return `${field.label} must be a valid email address.`;
  if (["number", "money", "percent"].includes(field.type) && !Number.isFinite(Number(v)))
    return `${field.label} must be a number.`;
  if ((field.type === "money" || field.type === "number") && Number(v) < 0)
    return `${field.label} cannot be negative.`;
  return null;
}

export function ItemForm({ heading, fields, submitLabel, editing, onSubmit, onCancel, extra }: Props) {
  const uid = useId();
  const [values, setValues] = useState<Values>(() => ({ ...emptyValues(fields), ...(extra ? { [extra.key]: extra.options[0] ?? "" } : {}), ...(editing ?? {}) }));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setValues({ ...emptyValues(fields), ...(extra ? { [extra.key]: extra.options[0] ?? "" } : {}), ...(editing ?? {}) });
    setError(null);
    // Reset only when another item is opened for editing.
  }, [editing]);

  const set = (key: string, value: string) => setValues((prev) => ({ ...prev, [key]: value }));

  function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    for (const f of fields) {
      const p = problem(f, values[f.key] ?? "");
      if (p) {
        setError(p);
        return;
      }
    }
    const refused = onSubmit(values);
    if (refused) {
      setError(refused);
      return;
    }
    setError(null);
    setValues({ ...emptyValues(fields), ...(extra ? { [extra.key]: values[extra.key] ?? "" } : {}) });
  }

  return (
    <form className="card form" onSubmit={handleSubmit} noValidate aria-label={heading}>
      <h2>{heading}</h2>
      <div className="form-grid">
        {fields.map((f) => {
          const id = `${uid}-${f.key}`;
          const value = values[f.key] ?? "";
          const label = f.unit && f.type !== "money" ? `${f.label} (${f.unit})` : f.label;
          if (f.type === "boolean") {
            return (
              <div className="control checkbox" key={f.key}>
                <input id={id} name={f.key} type="checkbox" checked={value === "true"} onChange={(e) => set(f.key, e.target.checked ? "true" : "false")} />
                <label htmlFor={id}>{label}</label>
              </div>
            );
          }
          return (
            <div className={f.type === "longtext" ? "control wide" : "control"} key={f.key}>
              <label htmlFor={id}>
                {label}
                {f.required ? <span aria-hidden="true"> *</span> : null}
              </label>
              {f.type === "enum" ? (
                <select id={id} name={f.key} value={value} onChange={(e) => set(f.key, e.target.value)}>
                  {f.options.map((o) => (
                    <option key={o} value={o}>{o}</option>
                  ))}
                </select>
              ) : f.type === "rating" ? (
                <select id={id} name={f.key} value={value} onChange={(e) => set(f.key, e.target.value)}>
                  {["5", "4", "3", "2", "1"].map((o) => (
                    <option key={o} value={o}>{o} / 5</option>
                  ))}
                </select>
              ) : f.type === "longtext" ? (
                <textarea id={id} name={f.key} rows={3} value={value} required={f.required} onChange={(e) => set(f.key, e.target.value)} />
              ) : (
                <input
                  id={id}
                  name={f.key}
                  type={inputType(f)}
                  inputMode={f.type === "money" || f.type === "percent" ? "decimal" : undefined}
                  step={f.type === "money" ? "0.01" : f.type === "number" || f.type === "percent" ? "any" : undefined}
                  min={f.type === "money" || f.type === "number" ? "0" : undefined}
                  required={f.required}
                  value={value}
                  list={f.type === "text" && f.options.length > 0 ? `${id}-options` : undefined}
                  onChange={(e) => set(f.key, e.target.value)}
                />
              )}
              {f.type === "text" && f.options.length > 0 ? (
                <datalist id={`${id}-options`}>
                  {f.options.map((o) => (
                    <option key={o} value={o} />
                  ))}
                </datalist>
              ) : null}
            </div>
          );
        })}
        {extra ? (
          <div className="control" key={extra.key}>
            <label htmlFor={`${uid}-${extra.key}`}>{extra.label}</label>
            <select id={`${uid}-${extra.key}`} name={extra.key} value={values[extra.key] ?? ""} onChange={(e) => set(extra.key, e.target.value)}>
              {extra.options.map((o) => (
                <option key={o} value={o}>{o}</option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      {error ? (
        <p className="error" role="alert">{error}</p>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn primary">{submitLabel}</button>
        {onCancel ? (
          <button type="button" className="btn ghost" onClick={onCancel}>Cancel</button>
        ) : null}
      </div>
    </form>
  );
}

function inputType(f: Field): string {
  switch (f.type) {
    case "email":
      return "email";
    case "tel":
      return "tel";
    case "url":
      return "url";
    case "number":
    case "money":
    case "percent":
      return "number";
    case "date":
      return "date";
    case "time":
      return "time";
    default:
      return "text";
  }
}
