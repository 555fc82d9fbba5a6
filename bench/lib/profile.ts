/**
 * Summarises a V8 .cpuprofile: self time by function and by where the code lives (this package,
 * OpenTelemetry, Node's http internals, ...), so a profile of a benchmark server can be read as
 * "where does the CPU of one request go".
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: { name: string; where: string; selfMs: number; share: number }[];
  byArea: { area: string; selfMs: number; share: number }[];
  /** Inclusive time of the functions of this package (src/), by function. */
  ourInclusive: { name: string; inclusiveMs: number; share: number }[];
}

export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'native/builtin';
  }
  // src/ at any depth (incoming/, internals/…), of this checkout or of a snapshot (`pre-src/`).
  if (/\/([\w.]+-)?src\/([\w.-]+\/)*[^/]+\.[jt]s$/.test(url) && !url.includes('node_modules')) return '@rid/otel (src)';
  // The innermost package: nested copies (sdk-node/node_modules/@opentelemetry/...) count as themselves.
  const at = url.lastIndexOf('node_modules/');
  const m = at === -1 ? null : /^node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(url.slice(at));
  if (m) return m[1].startsWith('@opentelemetry/') ? m[1] : `npm:${m[1]}`;
  if (url.startsWith('node:')) {
    const mod = url.slice(5);
    if (/^_http|^http/.test(mod)) return 'node:http';
    if (/^async_hooks|internal\/async_hooks|internal\/async_local_storage/.test(mod)) return 'node:async_hooks';
    if (/diagnostics_channel/.test(mod)) return 'node:diagnostics_channel';
    if (/^net|stream|internal\/streams/.test(mod)) return 'node:net/streams';
    if (/timers|process\/task_queues/.test(mod)) return 'node:timers/ticks';
    if (/events/.test(mod)) return 'node:events';
    return 'node:other';
  }
  return 'other';
}

export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  let busy = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const area = new Map<string, number>();
  const ours = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = areaOf(url, functionName);
    if (a === '(idle)') continue;
    busy += us;
    const short = url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/').replace(/^(src\/.*)\.js$/, '$1.ts');
    const key = `${functionName}|${url}|${lineNumber}`;
    const entry = fn.get(key) ?? { name: functionName || '(anonymous)', where: `${short}:${lineNumber + 1}`, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    area.set(a, (area.get(a) ?? 0) + us);
    // Inclusive time of our own functions: charge every distinct src/ frame on this stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (areaOf(f.url, f.functionName) !== '@rid/otel (src)') continue;
      const name = `${f.functionName || '(anonymous)'} (${f.url.replace(/^.*\/src\//, 'src/').replace(/\.js$/, '.ts')})`;
      if (seen.has(name)) continue;
      seen.add(name);
      ours.set(name, (ours.get(name) ?? 0) + us);
    }
  }
  const share = (us: number): number => +((100 * us) / busy).toFixed(1);
  return {
    totalMs: +(busy / 1000).toFixed(1),
    byFunction: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: +(e.us / 1000).toFixed(1), share: share(e.us) })),
    byArea: [...area.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([a, us]) => ({ area: a, selfMs: +(us / 1000).toFixed(1), share: share(us) })),
    ourInclusive: [...ours.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, inclusiveMs: +(us / 1000).toFixed(1), share: share(us) })),
  };
}

export function formatProfileSummary(label: string, s: ProfileSummary, perRequestDivisor?: number): string {
  const lines: string[] = [];
  const per = (ms: number): string => (perRequestDivisor ? ` ${((ms * 1000) / perRequestDivisor).toFixed(2).padStart(7)} us/req` : '');
  lines.push(`CPU profile of ${label}: ${s.totalMs} ms busy`);
  lines.push('  self time by area:');
  for (const a of s.byArea) lines.push(`    ${a.area.padEnd(44)} ${a.selfMs.toFixed(1).padStart(8)} ms ${a.share.toFixed(1).padStart(5)}%${per(a.selfMs)}`);
  lines.push('  self time, top functions:');
  for (const f of s.byFunction) {
    lines.push(`    ${(f.name + ' ' + f.where).slice(0, 78).padEnd(78)} ${f.selfMs.toFixed(1).padStart(8)} ms ${f.share.toFixed(1).padStart(5)}%`);
  }
  if (s.ourInclusive.length > 0) {
    lines.push('  inclusive time of @rid/otel functions:');
    for (const f of s.ourInclusive) {
      lines.push(`    ${f.name.slice(0, 78).padEnd(78)} ${f.inclusiveMs.toFixed(1).padStart(8)} ms ${f.share.toFixed(1).padStart(5)}%${per(f.inclusiveMs)}`);
    }
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [path, label] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node -r ts-node/register/transpile-only bench/lib/profile.ts <file.cpuprofile> [label]');
    process.exit(2);
  }
  console.log(formatProfileSummary(label ?? path, summarizeProfile(path)));
}
