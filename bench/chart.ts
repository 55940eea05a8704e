// A dependency-free SVG of latency distributions (cumulative: share of samples at or under x ms),
// written by the benchmarks next to their JSON. Hand-written: a charting library would be the only
// reason to pull a browser or canvas stack into a benchmark.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

export function latencyChartSvg(series: Record<string, number[]>, title = 'Sync latency (cumulative share of samples)'): string {
  const width = 760;
  const height = 420;
  const margin = { left: 60, right: 20, top: 40, bottom: 50 };
  // A loop, not Math.max(...values): a fan-out run has close to a million samples.
  let maxMs = 1;
  for (const values of Object.values(series)) for (const value of values) if (value > maxMs) maxMs = value;
  const x = (ms: number) => margin.left + (ms / maxMs) * (width - margin.left - margin.right);
  const y = (share: number) => height - margin.bottom - share * (height - margin.top - margin.bottom);
  const lines = Object.entries(series).map(([name, values], index) => {
    const sorted = Float64Array.from(values).sort();
    // At most 1,000 points per line (every n-th rank, and the last).
    const step = Math.max(1, Math.floor(sorted.length / 1_000));
    const ranks = Array.from({ length: Math.ceil(sorted.length / step) }, (_, index) => Math.min(sorted.length - 1, index * step));
    if (sorted.length > 0) ranks.push(sorted.length - 1);
    const points = ranks.map((rank) => `${x(sorted[rank]!).toFixed(1)},${y((rank + 1) / sorted.length).toFixed(1)}`).join(' ');
    const color = COLORS[index % COLORS.length];
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>` +
      `<text x="${width / 2 - 80}" y="${margin.top + 18 * index + 10}" fill="${color}" font-size="13">${name} (n=${values.length})</text>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const ms = Math.round(maxMs * fraction);
    return `<text x="${x(ms)}" y="${height - margin.bottom + 20}" font-size="12" text-anchor="middle">${ms}</text>` +
      `<text x="${margin.left - 8}" y="${y(fraction) + 4}" font-size="12" text-anchor="end">${Math.round(fraction * 100)}%</text>` +
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(fraction)}" y2="${y(fraction)}" stroke="#eee"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${margin.left}" y="24" font-size="15">${title}</text>
${ticks.join('\n')}
<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>
<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>
<text x="${(width + margin.left) / 2}" y="${height - 10}" font-size="13" text-anchor="middle">milliseconds</text>
${lines.join('\n')}
</svg>
`;
}

/** Grouped bars: one group per category, one bar per series (e.g. gateway and PostGraphile). */
export function barChartSvg(categories: string[], series: Record<string, number[]>, title: string): string {
  const width = 760;
  const height = 420;
  const margin = { left: 60, right: 20, top: 60, bottom: 90 };
  const names = Object.keys(series);
  const max = Math.max(1, ...Object.values(series).flat());
  const groupWidth = (width - margin.left - margin.right) / Math.max(1, categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, names.length);
  const y = (value: number) => height - margin.bottom - (value / max) * (height - margin.top - margin.bottom);
  const bars = categories.flatMap((category, group) => {
    const x0 = margin.left + group * groupWidth + groupWidth * 0.1;
    const label = `<text x="${x0 + groupWidth * 0.4}" y="${height - margin.bottom + 16}" font-size="11" text-anchor="middle">${category.replaceAll('_', ' ')}</text>`;
    return [
      label,
      ...names.map((name, index) => {
        const value = series[name]![group] ?? 0;
        const x = x0 + index * barWidth;
        return `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(height - margin.bottom - y(value)).toFixed(1)}" fill="${COLORS[index % COLORS.length]}"/>` +
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y(value) - 4).toFixed(1)}" font-size="11" text-anchor="middle">${value}</text>`;
      }),
    ];
  });
  const legend = names.map((name, index) => `<text x="${margin.left + 160 * index}" y="44" fill="${COLORS[index % COLORS.length]}" font-size="13">■ ${name}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${margin.left}" y="24" font-size="15">${title}</text>
${legend.join('\n')}
<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>
${bars.join('\n')}
</svg>
`;
}
