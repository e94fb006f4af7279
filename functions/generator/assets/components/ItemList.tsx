import { formatMoney, formatNumber, formatValue, numeric, todayIso } from "../lib/format";
import type { CollectionConfig, Item } from "../lib/types";
import { computedValue } from "./Summary";

interface Props {
  spec: CollectionConfig;
  items: Item[];
  total: number;
  onEdit: (item: Item) => void;
  onDelete: (item: Item) => void;
  onToggleDone: (item: Item) => void;
  onToggleToday: (item: Item, day?: string) => void;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// This week's days, Monday first, as ISO dates.
function thisWeek(): string[] {
  const d = new Date();
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return WEEKDAYS.map(() => {
    const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    d.setDate(d.getDate() + 1);
    return iso;
  });
}

// Consecutive days with a check-in, ending today (or yesterday, so a streak survives until
// the day is over).
export function streak(log: string[] | undefined): number {
  const days = new Set(log ?? []);
  const d = new Date();
  const iso = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, "0")}-${String(x.getDate()).padStart(2, "0")}`;
  if (!days.has(iso(d))) d.setDate(d.getDate() - 1);
  let n = 0;
  while (days.has(iso(d))) {
    n += 1;
    d.setDate(d.getDate() - 1);
  }
  return n;
}

export function ItemList({ spec, items, total, onEdit, onDelete, onToggleDone, onToggleToday }: Props) {
  const week = spec.week ? thisWeek() : [];
  if (items.length === 0) {
    return (
      <p className="empty card">
        {total === 0
          ? `No ${spec.plural.toLowerCase()} yet. Add your first ${spec.singular.toLowerCase()} above.`
          : `No ${spec.plural.toLowerCase()} match the current search or filter.`}
        {spec.week ? ` Each one gets a row in the week grid: ${WEEKDAYS.join(", ")}.` : ""}
      </p>
    );
  }
  const weekCells = (it: Item) =>
    week.map((day, i) => {
      const on = it.log?.includes(day) ?? false;
      return (
        <button
          key={day}
          type="button"
          className={`btn small ${on ? "primary" : "ghost"} week-cell`}
          aria-pressed={on}
          aria-label={`${it.values[spec.primary] || spec.singular} on ${WEEKDAYS[i] ?? day}`}
          onClick={() => onToggleToday(it, day)}
        >
          {on ? "✓" : "·"}
        </button>
      );
    });
  const name = (it: Item) => it.values[spec.primary] || spec.singular;
  const money = spec.computed?.factors.some((k) => spec.fields.find((f) => f.key === k)?.type === "money");
  const isLow = (it: Item) => (spec.lowStock ? numeric(it.values[spec.lowStock.field]) < spec.lowStock.below : false);
  const today = todayIso();

  const extras = (it: Item) => (
    <>
      {spec.computed ? (
        <span className="computed">{spec.computed.label}: {money ? formatMoney(computedValue(spec, it)) : formatNumber(computedValue(spec, it))}</span>
      ) : null}
      {isLow(it) ? <span className="badge warn">Low stock</span> : null}
      {spec.streak ? (
        <span className="badge">
          Streak: {streak(it.log)} {streak(it.log) === 1 ? "day" : "days"}
          {it.log?.includes(today) ? " · done today" : ""}
        </span>
      ) : null}
    </>
  );

  const actions = (it: Item) => (
    <div className="row-actions">
      {spec.streak ? (
        <button type="button" className="btn small primary" aria-pressed={it.log?.includes(today) ?? false} onClick={() => onToggleToday(it)}>
          {it.log?.includes(today) ? "Undo today" : "Mark done today"}
        </button>
      ) : null}
      <button type="button" className="btn small ghost" onClick={() => onEdit(it)} aria-label={`Edit ${name(it)}`}>Edit</button>
      <button type="button" className="btn small danger" onClick={() => onDelete(it)} aria-label={`Delete ${name(it)}`}>Delete</button>
    </div>
  );

  const doneBox = (it: Item) =>
    spec.done ? (
      <input type="checkbox" checked={it.done ?? false} onChange={() => onToggleDone(it)} aria-label={`Mark ${name(it)} done`} />
    ) : null;

  if (spec.layout === "cards") {
    return (
      <ul className="cards" aria-label={spec.plural}>
        {items.map((it) => (
          <li key={it.id} className={`card item${isLow(it) ? " low" : ""}${it.done ? " is-done" : ""}`}>
            <div className="item-head">
              {doneBox(it)}
              <strong>{name(it)}</strong>
            </div>
            <dl className="item-fields">
              {spec.fields
                .filter((f) => f.key !== spec.primary)
                .map((f) => (
                  <div key={f.key}>
                    <dt>{f.label}</dt>
                    <dd>{formatValue(f, it.values[f.key])}</dd>
                  </div>
                ))}
            </dl>
            <div className="item-extras">{extras(it)}</div>
            {spec.week ? (
              <div className="week-row" aria-label="This week">
                {weekCells(it).map((cell, i) => (
                  <span key={cell.key} className="week-day">
                    <span className="muted small">{WEEKDAYS[i]}</span>
                    {cell}
                  </span>
                ))}
              </div>
            ) : null}
            {actions(it)}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <div className="table-wrap card">
      <table>
        <thead>
          <tr>
            {spec.done ? <th scope="col">Done</th> : null}
            {spec.fields.map((f) => (
              <th scope="col" key={f.key}>{f.label}</th>
            ))}
            {spec.computed ? <th scope="col">{spec.computed.label}</th> : null}
            {week.map((day, i) => (
              <th scope="col" key={day}>{WEEKDAYS[i]}</th>
            ))}
            {spec.streak ? <th scope="col">Streak</th> : null}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((it) => (
            <tr key={it.id} className={`${isLow(it) ? "low" : ""}${it.done ? " is-done" : ""}`}>
              {spec.done ? <td>{doneBox(it)}</td> : null}
              {spec.fields.map((f) => (
                <td key={f.key}>
                  {formatValue(f, it.values[f.key])}
                  {f.key === spec.primary && isLow(it) ? <span className="badge warn">Low stock</span> : null}
                </td>
              ))}
              {spec.computed ? <td>{money ? formatMoney(computedValue(spec, it)) : formatNumber(computedValue(spec, it))}</td> : null}
              {weekCells(it).map((cell) => (
                <td key={cell.key}>{cell}</td>
              ))}
              {spec.streak ? (
                <td>
                  {streak(it.log)} {streak(it.log) === 1 ? "day" : "days"}
                  {it.log?.includes(today) ? " · done today" : ""}
                </td>
              ) : null}
              <td>{actions(it)}</td>
            </tr>
          ))}
        </tbody>
        {spec.computed ? (
          <tfoot>
            <tr>
              <th scope="row" colSpan={spec.fields.length + (spec.done ? 1 : 0)}>Total</th>
              <td>
                {money
                  ? formatMoney(items.reduce((a, it) => a + computedValue(spec, it), 0))
                  : formatNumber(items.reduce((a, it) => a + computedValue(spec, it), 0))}
              </td>
              <td />
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
