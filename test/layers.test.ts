import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The layer rules `npm run lint` runs (.dependency-cruiser.cjs, docs/how-it-works.md "Layers"),
 * checked against a copy of src/ with a cycle, an upward import, a sibling import and a file
 * outside every layer planted in it: each must make the checker fail, naming its rule. Without
 * the rule, the plant passes and the test fails.
 */
const root = join(__dirname, '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

describe('layers (npm run lint)', function () {
  this.timeout(120_000);
  let copy: string;

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'rid-layers-'));
    cpSync(join(root, 'src'), join(copy, 'src'), { recursive: true });
    for (const file of ['tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(root, file), join(copy, file));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  });

  after(() => rmSync(copy, { recursive: true, force: true }));

  function cruise(): { status: number | null; output: string } {
    const run = spawnSync(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: copy, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  /** Runs the checker with `files` written into the copy (path -> text), then puts the copy back. */
  function withPlanted(files: Record<string, string>): { status: number | null; output: string } {
    const saved = new Map<string, string | undefined>();
    for (const [path, text] of Object.entries(files)) {
      const full = join(copy, path);
      try {
        saved.set(full, readFileSync(full, 'utf8'));
      } catch {
        saved.set(full, undefined);
      }
      writeFileSync(full, text);
    }
    try {
      return cruise();
    } finally {
      for (const [full, text] of saved) {
        if (text === undefined) rmSync(full, { force: true });
        else writeFileSync(full, text);
      }
    }
  }

  it('passes on src/ as it is', () => {
    const { status, output } = cruise();
    assert.equal(status, 0, output);
    assert.match(output, /no dependency violations found/);
  });

  it('fails on an import cycle between two files of one folder (no-circular)', () => {
    const { status, output } = withPlanted({
      'src/config/planted-a.ts': "import { b } from './planted-b';\nexport const a = (): number => b() + 1;\n",
      'src/config/planted-b.ts': "import { a } from './planted-a';\nexport const b = (): number => a() - 1;\n",
    });
    assert.notEqual(status, 0, output);
    assert.match(output, /no-circular: src\/config\/planted-a\.ts/);
  });

  it('fails on an import from a higher layer (config/ importing capture/)', () => {
    const trust = readFileSync(join(copy, 'src/config/trust.ts'), 'utf8');
    const { status, output } = withPlanted({ 'src/config/trust.ts': `import '../capture/claim';\n${trust}` });
    assert.notEqual(status, 0, output);
    assert.match(output, /layer-config-imports-higher: src\/config\/trust\.ts → src\/capture\/claim\.ts/);
  });

  it('fails on an import between sibling folders of one layer (incoming/ importing outgoing/)', () => {
    const decide = readFileSync(join(copy, 'src/incoming/decide.ts'), 'utf8');
    const { status, output } = withPlanted({ 'src/incoming/decide.ts': `import '../outgoing/policies';\n${decide}` });
    assert.notEqual(status, 0, output);
    assert.match(output, /layer-incoming-imports-sibling: src\/incoming\/decide\.ts → src\/outgoing\/policies\.ts/);
  });

  it('fails on a file that belongs to no layer', () => {
    const { status, output } = withPlanted({ 'src/planted.ts': "import { PACKAGE_NAME } from './version';\nexport const name = PACKAGE_NAME;\n" });
    assert.notEqual(status, 0, output);
    assert.match(output, /not-in-a-layer: src\/planted\.ts/);
  });
});
