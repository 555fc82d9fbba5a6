/**
 * The README's code, run as a user would paste it, so that it cannot drift from the package.
 *
 * The conventions README.md follows, which this test enforces:
 * - ```console, ```text and ```json blocks show output, ```yaml configuration: they are not run.
 * - A ```js or ```ts block whose first line is `// excerpt` (and what it is an excerpt of) is a
 *   fragment. Any other is a whole file whose first line is `// <file name>`: it is written under
 *   that name into a scratch project, where `@rid/otel` is this repository's build and every other
 *   package is this repository's install.
 * - Every `node …` line of a ```sh block is run there, as written, with the README files it names;
 *   `app.js` and `app.mjs` stand for the user's app and are the test's own
 *   (test/fixtures/readme/app.js, test/fixtures/apps/esm-app.mjs). The test changes nothing in the
 *   README's code: it only points OTEL_EXPORTER_OTLP_ENDPOINT at its local OTLP receiver. Each run
 *   serves one request with an X-Request-Id, then gets SIGTERM; by the time the process has exited,
 *   the SERVER span with `request.id` must have reached the receiver, and, where logs are exported
 *   (the line sets OTEL_LOGS_EXPORTER, or preloads a README file whose NodeSDK exports them by
 *   default), the app's log record with `request.id` too.
 * - An `npm install <packages>` line names exactly what the `node` lines of its block need: the
 *   packages they preload and the packages the README files they preload require, plus
 *   `@opentelemetry/api` (the peer dependency of `@rid/otel`).
 * - The other lines (npm scripts, docker, bash) are checked, not run (`npm test` cannot run
 *   inside `npm test`): the npm scripts and the repository files they name exist.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { APPS, ensureBuilt, ROOT, startApp } from './support/child-app';
import { get } from './support/http';
import { startOtlpReceiver } from './support/otlp-receiver';

interface Block {
  lang: string;
  /** The block's lines, its indentation removed. */
  lines: string[];
  /** The README line of its opening fence. */
  line: number;
}

function readmeBlocks(): Block[] {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const block: Block = { lang: open[2], lines: [], line: i + 1 };
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) block.lines.push(lines[i].slice(open[1].length));
    blocks.push(block);
  }
  return blocks;
}

const BLOCKS = readmeBlocks();
const NOT_RUN = ['console', 'text', 'json', 'yaml'];
const CODE = BLOCKS.filter((b) => b.lang === 'js' || b.lang === 'ts');
/** The README's whole files, by name. */
const FILES = new Map(CODE.filter((b) => !/^\/\/ excerpt\b/.test(b.lines[0])).map((b) => [/^\/\/ ([\w.-]+\.[cm]?[jt]s)$/.exec(b.lines[0])?.[1] ?? `(line ${b.line})`, b]));
const SHELL_LINES = BLOCKS.filter((b) => b.lang === 'sh').flatMap((b) =>
  b.lines.map((text) => ({ block: b, text: text.replace(/\s+#.*$/, '').trim() })).filter((l) => l.text !== ''),
);

interface NodeLine {
  text: string;
  env: Record<string, string>;
  args: string[];
  /** What it preloads (`--require`/`--import`): README files (`./x.js`) or packages. */
  preloads: string[];
  script: string;
}

function parseNodeLine(text: string): NodeLine | undefined {
  const words = text.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name] = value.join('=');
  }
  if (words.shift() !== 'node') return undefined;
  const preloads: string[] = [];
  for (let i = 0; i < words.length - 1; i++) if (['--require', '-r', '--import'].includes(words[i])) preloads.push(words[i + 1]);
  return { text, env, args: words.slice(0, -1), preloads, script: words[words.length - 1] };
}

const NODE_LINES = SHELL_LINES.map((l) => parseNodeLine(l.text)).filter((l): l is NodeLine => l !== undefined);

/** The package a specifier names (`@scope/name` or `name`), or undefined for builtins and paths. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

function requiredPackages(file: Block): string[] {
  const source = file.lines.join('\n');
  const specifiers = [...source.matchAll(/require\('([^']+)'\)|from '([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specifiers.map(packageOf).filter((p): p is string => p !== undefined);
}

/** The packages a `node` line needs installed. */
function packagesFor(line: NodeLine): string[] {
  return line.preloads.flatMap((p) => (p.startsWith('./') ? requiredPackages(FILES.get(p.slice(2))!) : [packageOf(p)!]));
}

describe('README.md: its code runs as pasted', function () {
  this.timeout(60000);

  it('every code block is output, an excerpt marked `// excerpt`, a whole file named on its first line, or shell commands', () => {
    for (const block of BLOCKS) {
      const known = NOT_RUN.includes(block.lang) || block.lang === 'sh' || CODE.includes(block);
      assert.ok(known, `README line ${block.line}: a \`\`\`${block.lang || '(no language)'} block; use sh, js, ts or one of ${NOT_RUN.join(', ')}`);
    }
    for (const [name, block] of FILES) assert.match(name, /\.[cm]?js$/, `README line ${block.line}: a whole file's first line is "// <name>.js" (or the block is "// excerpt")`);
    assert.ok(FILES.has('tracing.js'), 'the existing-SDK set-up is a whole file');
  });

  it('every whole file is run by a `node` line, and every `node` line runs only README files and the app', () => {
    for (const name of FILES.keys()) assert.ok(NODE_LINES.some((l) => l.preloads.includes(`./${name}`)), `no README command runs ${name}`);
    for (const line of NODE_LINES) {
      assert.ok(['app.js', 'app.mjs'].includes(line.script), `${line.text}: the app is app.js or app.mjs`);
      for (const preload of line.preloads.filter((p) => p.startsWith('.'))) assert.ok(FILES.has(preload.slice(2)), `${line.text}: ${preload} is no README file`);
    }
  });

  it('`npm install` lines name exactly the packages their commands load, all of them real', () => {
    // `npm install` alone (in a clone) installs the repository's own dependencies: not one of these.
    const installs = SHELL_LINES.map((l) => ({ ...l, named: /^npm (?:install|i) ([^&]+)$/.exec(l.text)?.[1].split(/\s+/).filter((w) => !w.startsWith('-')) ?? [] }));
    assert.ok(installs.filter((l) => l.named.length > 0).length >= 2, 'the zero-code and the existing-SDK install lines');
    for (const install of installs.filter((l) => l.named.length > 0)) {
      const named = install.named;
      const lines = install.block.lines.map(parseNodeLine).filter((l): l is NodeLine => l !== undefined);
      assert.ok(lines.length > 0, `${install.text}: the block says how to start the app`);
      const needed = new Set(['@opentelemetry/api', ...lines.flatMap(packagesFor)]);
      assert.deepEqual([...new Set(named)].sort(), [...needed].sort(), install.text);
      for (const pkg of named) {
        const from = pkg === '@rid/otel' ? APPS : ROOT;
        assert.doesNotThrow(() => require.resolve(pkg, { paths: [from] }), `${pkg} is a package`);
      }
    }
  });

  it('the npm scripts and repository files the other commands name exist', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const { text } of SHELL_LINES.filter((l) => parseNodeLine(l.text) === undefined)) {
      for (const command of text.split('&&').map((c) => c.trim().split(/\s+/).filter((w) => !/^[A-Z_]+=/.test(w)))) {
        if (command[0] === 'npm' && command[1] === 'run') assert.ok(scripts[command[2]], `${text}: npm run ${command[2]}`);
        if (command[0] === 'npm' && command[1] === 'test') assert.ok(scripts.test, text);
        for (const path of command.filter((w) => /^[\w.-]+(\/[\w.-]+)+$/.test(w))) assert.ok(existsSync(join(ROOT, path)), `${text}: ${path}`);
      }
    }
  });

  describe('each `node` line: a request, SIGTERM, and the telemetry has reached a local OTLP receiver', () => {
    let scratch: string;
    before(() => {
      ensureBuilt();
      scratch = mkdtempSync(join(APPS, '.readme-'));
      for (const [name, block] of FILES) writeFileSync(join(scratch, name), block.lines.join('\n') + '\n');
      copyFileSync(join(ROOT, 'test', 'fixtures', 'readme', 'app.js'), join(scratch, 'app.js'));
      copyFileSync(join(APPS, 'esm-app.mjs'), join(scratch, 'app.mjs'));
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));

    for (const line of NODE_LINES) {
      it(line.text, async () => {
        const receiver = await startOtlpReceiver();
        const app = await startApp(line.args, line.script, { ...line.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { cwd: scratch });
        try {
          const res = await get(app.url, { 'X-Request-Id': 'readme-1' });
          assert.equal(res.headers['x-request-id'], 'readme-1');
          assert.equal(JSON.parse(res.body).seen, 'readme-1');
          // No wait for the exporter's batch delay: the shutdown on SIGTERM has to send them.
          const exit = await app.stop('SIGTERM');
          assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `${JSON.stringify(exit)} ${app.stderr.join('\n')}`);

          const server = receiver.spans.find((s) => s.kind === 'SERVER');
          assert.ok(server, `the SERVER span reached the receiver before the exit (paths: ${receiver.paths})`);
          assert.equal(server.attributes['request.id'], 'readme-1');
          const logsExported = (line.env.OTEL_LOGS_EXPORTER ?? 'none') !== 'none' || line.preloads.some((p) => p.startsWith('./'));
          if (line.script === 'app.js' && logsExported) {
            const served = receiver.logs.filter((l) => l.body === 'served');
            assert.equal(served.length, 1, `the app's log record reached the receiver (paths: ${receiver.paths})`);
            assert.equal(served[0].attributes['request.id'], 'readme-1');
          }
        } finally {
          await app.stop('SIGKILL');
          await receiver.close();
        }
      });
    }
  });
});
