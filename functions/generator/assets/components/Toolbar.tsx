import { useId } from "react";
import type { CollectionConfig } from "../lib/types";

export interface View {
  query: string;
  filter: string;
  sort: string;
  status: "all" | "active" | "done";
}

interface Props {
  spec: CollectionConfig;
  view: View;
  onChange: (view: View) => void;
}

export function Toolbar({ spec, view, onChange }: Props) {
  const uid = useId();
  const filterField = spec.fields.find((f) => f.key === spec.filter);
  const searchLabels = spec.search
    .map((k) => spec.fields.find((f) => f.key === k)?.label.toLowerCase())
    .filter(Boolean)
    .join(" or ");
  if (!spec.search.length && !filterField && !spec.sort && !spec.done) return null;
  return (
    <div className="toolbar" role="search">
      {spec.search.length ? (
        <div className="control">
          <label htmlFor={`${uid}-search`}>Search</label>
          <input
            id={`${uid}-search`}
            type="search"
            placeholder={`Search by ${searchLabels}`}
            value={view.query}
            onChange={(e) => onChange({ ...view, query: e.target.value })}
          />
        </div>
      ) : null}
      {filterField ? (
        <div className="control">
          <label htmlFor={`${uid}-filter`}>Filter by {filterField.label.toLowerCase()}</label>
          <select id={`${uid}-filter`} value={view.filter} onChange={(e) => onChange({ ...view, filter: e.target.value })}>
            <option value="">All</option>
            {filterField.options.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        </div>
      ) : null}
      {spec.sort ? (
        <div className="control">
          <label htmlFor={`${uid}-sort`}>Sort by</label>
          <select id={`${uid}-sort`} value={view.sort} onChange={(e) => onChange({ ...view, sort: e.target.value })}>
            <option value="">Newest first</option>
            {spec.fields
              .filter((f) => f.type !== "boolean" && f.type !== "longtext")
              .flatMap((f) => [
                <option key={`${f.key}:asc`} value={`${f.key}:asc`}>{f.label} (ascending)</option>,
                <option key={`${f.key}:desc`} value={`${f.key}:desc`}>{f.label} (descending)</option>,
              ])}
          </select>
        </div>
      ) : null}
      {spec.done ? (
        <div className="segmented" role="group" aria-label="Show">
          {(["all", "active", "done"] as const).map((s) => (
            <button
              key={s}
              type="button"
              className={view.status === s ? "btn chip selected" : "btn chip"}
              aria-pressed={view.status === s}
              onClick={() => onChange({ ...view, status: s })}
            >
              {s === "all" ? "All" : s === "active" ? "Active" : "Done"}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
