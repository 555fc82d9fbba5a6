/**
 * A Node binary of a line that has the HTTP/2 diagnostics channels (22, 24, 26) for the HTTP/2
 * benchmark servers: this process's own when it is 22+, else compat/nodeNN through
 * compat/node-bin.sh (which installs it from its lock the first time, a few seconds).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The major version of the Node at `execPath`. */
export function nodeMajor(execPath: string): number {
  if (execPath === process.execPath) return Number(process.versions.node.split('.')[0]);
  return Number(execFileSync(execPath, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.')[0]);
}

/**
 * The binary for `line` ('24', '26', '22', or 'current'); without `line`, this process's Node when
 * it is 22 or later, else the first of compat/node24, node26, node22 that node-bin.sh provides.
 * Undefined (with the reason in `why`) when none can be had.
 */
export function findNode22Plus(line?: string): { path?: string; why?: string } {
  if (line === 'current' || (line === undefined && nodeMajor(process.execPath) >= 22)) {
    return nodeMajor(process.execPath) >= 22 ? { path: process.execPath } : { why: `this Node is ${process.version}; HTTP/2 benchmarks need 22+` };
  }
  const reasons: string[] = [];
  for (const l of line === undefined ? ['24', '26', '22'] : [line]) {
    try {
      const path = execFileSync('bash', [join(ROOT, 'compat', 'node-bin.sh'), l], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 }).trim();
      if (nodeMajor(path) >= 22) return { path };
      reasons.push(`compat/node${l} is not 22+`);
    } catch (err) {
      reasons.push(`compat/node-bin.sh ${l}: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop()}`);
    }
  }
  return { why: reasons.join('; ') };
}
