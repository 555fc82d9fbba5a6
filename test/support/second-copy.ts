import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Package from '../../src';
import { ensureBuilt, ROOT } from './child-app';

/**
 * A second copy of this package in the same process, as npm installs one when two dependencies
 * each bring their own: `build/` copied to a temp dir whose `node_modules` is this repository's
 * (so the same OpenTelemetry modules), loaded with `require`. Every module of it is a new one.
 */
export function loadSecondCopy(): { pkg: typeof Package; remove(): void } {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'rid-otel-copy-'));
  cpSync(join(ROOT, 'build', 'src'), join(dir, 'build', 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(join(dir, 'build', 'src', 'index.js')) as typeof Package;
  return { pkg, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
