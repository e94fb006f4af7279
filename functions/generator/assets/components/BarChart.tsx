import { formatNumber } from "../lib/format";

interface Props {
  title: string;
  data: { label: string; value: number }[];
  format?: (n: number) => string;
}

// A dependency-free horizontal bar chart: one SVG, scaled to the largest value.
export function BarChart({ title, data, format = (n) => formatNumber(n) }: Props) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const row = 28;
  const height = Math.max(row, data.length * row);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p className="muted">No data yet.</p>
      ) : (
        <svg viewBox={`0 0 420 ${height}`} role="img" aria-label={title} className="chart-svg" preserveAspectRatio="xMinYMin meet">
          {data.map((d, i) => {
            const w = Math.max(2, (d.value / max) * 200);
            return (
              <g key={d.label} transform={`translate(0 ${i * row})`}>
                <text x="0" y="18" className="chart-label">{d.label.slice(0, 14)}</text>
                <rect x="110" y="6" width={w} height="16" rx="3" className="chart-bar" />
                <text x={116 + w} y="19" className="chart-value">{format(d.value)}</text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
