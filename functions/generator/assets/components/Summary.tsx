import { config } from "../config";
import { formatMoney, formatNumber, numeric } from "../lib/format";
import type { CollectionConfig, Field, Item, Rollup } from "../lib/types";
import { BarChart } from "./BarChart";

function fmt(field: Field, n: number): string {
  if (field.type === "money") return formatMoney(n);
  if (field.type === "percent") return `${formatNumber(n)}%`;
  return formatNumber(n);
}

export function computedValue(spec: CollectionConfig, item: Item): number {
  const c = spec.computed;
  if (!c) return 0;
  return c.factors.reduce((acc, key) => acc * numeric(item.values[key]), 1);
}

// A group's done share ("Done" option of the status choice, else the done tick) or what is
// left of its capacity after the booked amount (or one per record).
function rollupOf(rollup: Rollup, of: string | null, group: Item[]): string {
  if (rollup.kind === "left") {
    const used = group.reduce((acc, it) => acc + (of ? numeric(it.values[of]) : 1), 0);
    return `${formatNumber(rollup.capacity - used, 0)} left of ${formatNumber(rollup.capacity, 0)}`;
  }
  const status = rollup.status;
  const done = group.filter((it) => (status ? /^(done|complete|completed|finished|watched|read)$/i.test(it.values[status] ?? "") : it.done)).length;
  return group.length ? `${Math.round((100 * done) / group.length)}% done (${done} of ${group.length})` : "0% done (none yet)";
}

function Rollups({ spec, items, by }: { spec: CollectionConfig; items: Item[]; by: Field }) {
  const g = spec.groupBy;
  if (!g?.rollup) return null;
  const rollup = g.rollup;
  const names = by.options.length ? by.options : [...new Set(items.map((it) => it.values[by.key] ?? "").filter((n) => n !== ""))];
  const title = rollup.kind === "left" ? `Left per ${by.label.toLowerCase()}` : `% done per ${by.label.toLowerCase()}`;
  return (
    <div className="rollup">
      <h3>{title}</h3>
      {names.length === 0 ? <p className="muted">Add {spec.plural.toLowerCase()} to see each {by.label.toLowerCase()}'s figure.</p> : null}
      <ul className="groups">
        {names.map((name) => (
          <li key={name}>
            <span>{name}</span>
            <strong>{rollupOf(rollup, g.of, items.filter((it) => it.values[by.key] === name))}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Summary({ spec, items }: { spec: CollectionConfig; items: Item[] }) {
  const byKey = (key: string) => spec.fields.find((f) => f.key === key);
  const stats: { label: string; value: string }[] = [
    { label: `Total ${spec.plural.toLowerCase()}`, value: String(items.length) },
  ];
  spec.totals.forEach((key, i) => {
    const f = byKey(key);
    if (!f) return;
    const sum = items.reduce((acc, it) => acc + numeric(it.values[key]), 0);
    const name = i === 0 && spec.totalName ? spec.totalName : f.label.toLowerCase();
    stats.push({ label: `Total ${name}`, value: fmt(f, sum) });
  });
  for (const key of spec.averages) {
    const f = byKey(key);
    if (!f) continue;
    const filled = items.filter((it) => (it.values[key] ?? "").trim() !== "");
    const avg = filled.length ? filled.reduce((acc, it) => acc + numeric(it.values[key]), 0) / filled.length : 0;
    stats.push({ label: `Average ${f.label.toLowerCase()}`, value: filled.length ? fmt(f, avg) : "—" });
  }
  if (spec.computed) {
    const sum = items.reduce((acc, it) => acc + computedValue(spec, it), 0);
    const money = spec.computed.factors.some((k) => byKey(k)?.type === "money");
    stats.push({ label: `Total ${spec.computed.label.toLowerCase()}`, value: money ? formatMoney(sum) : formatNumber(sum) });
  }
  if (spec.lowStock) {
    const low = items.filter((it) => numeric(it.values[spec.lowStock?.field ?? ""]) < (spec.lowStock?.below ?? 0)).length;
    stats.push({ label: "Low stock", value: String(low) });
  }

  let groups: { label: string; value: number }[] = [];
  let groupTitle = "";
  let groupField: Field | undefined;
  if (spec.groupBy) {
    const by = byKey(spec.groupBy.by);
    groupField = spec.groupBy.of ? byKey(spec.groupBy.of) : undefined;
    if (by) {
      const names = by.options.length ? by.options : [...new Set(items.map((it) => it.values[by.key] ?? ""))];
      groups = names.map((name) => ({
        label: name,
        value: items
          .filter((it) => it.values[by.key] === name)
          .reduce((acc, it) => acc + (groupField ? numeric(it.values[groupField.key]) : 1), 0),
      }));
      groupTitle = groupField ? `Total ${groupField.label.toLowerCase()} per ${by.label.toLowerCase()}` : `${spec.plural} per ${by.label.toLowerCase()}`;
    }
  }
  const gf = groupField;
  const format = (n: number) => (gf ? fmt(gf, n) : formatNumber(n, 0));

  return (
    <section className="card summary" aria-label="Summary">
      <h2>Summary</h2>
      <dl className="stats">
        {stats.map((s) => (
          <div className="stat" key={s.label}>
            <dt>{s.label}</dt>
            <dd>{s.value}</dd>
          </div>
        ))}
      </dl>
      {spec.groupBy?.rollup && byKey(spec.groupBy.by) ? (
        <Rollups spec={spec} items={items} by={byKey(spec.groupBy.by) as Field} />
      ) : spec.groupBy && groups.length > 0 ? (
        spec.chart ? (
          <BarChart title={groupTitle} data={groups} format={format} />
        ) : (
          <div>
            <h3>{groupTitle}</h3>
            <ul className="groups">
              {groups.map((g) => (
                <li key={g.label}>
                  <span>{g.label}</span>
                  <strong>{format(g.value)}</strong>
                </li>
              ))}
            </ul>
          </div>
        )
      ) : null}
      {config.collection && spec.chart && !spec.groupBy ? (
        <BarChart
          title={`Recent ${spec.plural.toLowerCase()}`}
          data={items.slice(0, 8).map((it) => ({ label: it.values[spec.primary] ?? "", value: spec.totals[0] ? numeric(it.values[spec.totals[0]]) : 1 }))}
        />
      ) : null}
    </section>
  );
}
