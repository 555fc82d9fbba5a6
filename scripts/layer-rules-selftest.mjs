// Run by `npm run lint` after the layer check itself: the layer rules (.dependency-cruiser.cjs,
// docs/how-it-works.md "Layers") must refuse what they are there to refuse. A copy of src/ gets a
// file cycle, an upward import, a sibling import and a file outside every layer planted in it, one
// at a time; each must make the checker fail, naming its rule. Remove a rule and this fails.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const copy = mkdtempSync(join(tmpdir(), 'rid-layers-'));
const read = (path) => readFileSync(join(root, path), 'utf8');

const plants = [
  {
    what: 'an import cycle between two files of one folder',
    files: {
      'src/config/planted-a.ts': "import { b } from './planted-b';\nexport const a = (): number => b() + 1;\n",
      'src/config/planted-b.ts': "import { a } from './planted-a';\nexport const b = (): number => a() - 1;\n",
    },
    expect: /no-circular: src\/config\/planted-a\.ts/,
  },
  {
    what: 'an import from a higher layer (config/ importing capture/)',
    files: { 'src/config/trust.ts': `import '../capture/claim';\n${read('src/config/trust.ts')}` },
    expect: /layer-config-imports-higher: src\/config\/trust\.ts → src\/capture\/claim\.ts/,
  },
  {
    what: 'an import between sibling folders of one layer (incoming/ importing outgoing/)',
    files: { 'src/incoming/decide.ts': `import '../outgoing/policies';\n${read('src/incoming/decide.ts')}` },
    expect: /layer-incoming-imports-sibling: src\/incoming\/decide\.ts → src\/outgoing\/policies\.ts/,
  },
  {
    what: 'a file that belongs to no layer',
    files: { 'src/planted.ts': "import { PACKAGE_NAME } from './version';\nexport const name = PACKAGE_NAME;\n" },
    expect: /not-in-a-layer: src\/planted\.ts/,
  },
];

function cruise() {
  const run = spawnSync(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: copy, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

let failed = 0;
try {
  cpSync(join(root, 'src'), join(copy, 'src'), { recursive: true });
  for (const file of ['tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(root, file), join(copy, file));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  for (const plant of plants) {
    const saved = Object.keys(plant.files).map((path) => {
      try {
        return [path, readFileSync(join(copy, path), 'utf8')];
      } catch {
        return [path, undefined];
      }
    });
    for (const [path, text] of Object.entries(plant.files)) writeFileSync(join(copy, path), text);
    const { status, output } = cruise();
    for (const [path, text] of saved) {
      if (text === undefined) rmSync(join(copy, path));
      else writeFileSync(join(copy, path), text);
    }
    if (status !== 0 && plant.expect.test(output)) {
      console.log(`layer rules refuse ${plant.what}`);
    } else {
      failed++;
      console.error(`layer rules let ${plant.what} pass (exit ${status}, expected ${plant.expect}):\n${output}`);
    }
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
