// npx tsx bench/profile-top.ts <file.cpuprofile> [count]: the top frames of a V8 CPU profile (node
// --cpu-prof, e.g. from BENCH_CPU_PROF) by self time, and the same time grouped by package (or
// node: internals, GC, idle), as JSON. Idle time is left out of the percentages: they are shares
// of the time the process was busy.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, count = '15'] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Self time per node from the samples and their time deltas (hitCount alone ignores the interval).
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

/** node_modules/<package> (scoped too), node:<module>, our own file, or V8's pseudo-frames. */
function groupOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*?\/(server|core|integrations)\//, '$1/');
}

const byFrame = new Map<string, number>();
const byGroup = new Map<string, number>();
let busy = 0;
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0 || node.callFrame.functionName === '(idle)') continue;
  busy += micros;
  const { functionName, url, lineNumber } = node.callFrame;
  const group = groupOf(url, functionName);
  const frame = `${functionName || '(anonymous)'} ${group}${url ? `:${lineNumber + 1}` : ''}`;
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + micros);
  byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
}
// The same busy time, with the self time of native and node: frames (writev, GC-free internals,
// streams, microtask runs) charged to the nearest caller in a package or in our own code: "who
// caused it". GC and (program) have no JS caller and stay as they are.
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const isOwner = (group: string) => !group.startsWith('(') && !group.startsWith('node:');
const byCaller = new Map<string, number>();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0 || node.callFrame.functionName === '(idle)') continue;
  let group = groupOf(node.callFrame.url, node.callFrame.functionName);
  if (!group.startsWith('(garbage') && group !== '(program)') {
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = nodesById.get(id)!.callFrame;
      const candidate = groupOf(frame.url, frame.functionName);
      if (isOwner(candidate)) {
        group = candidate;
        break;
      }
    }
  }
  byCaller.set(group, (byCaller.get(group) ?? 0) + micros);
}

const top = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(count))
    .map(([name, micros]) => ({ name, percent: Math.round((micros / busy) * 1000) / 10 }));
console.log(JSON.stringify({ file, busy_seconds: Math.round(busy / 1e5) / 10, top_frames: top(byFrame), top_groups: top(byGroup), top_groups_by_caller: top(byCaller) }, null, 2));
