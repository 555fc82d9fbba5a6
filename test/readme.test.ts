/**
 * The code of README.md and of the pages in docs/, run as a user would paste it, so that it cannot
 * drift from the package; and every link between those pages resolves, anchors included.
 *
 * The conventions README.md and docs/*.md follow, which this test enforces:
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
 *   `@opentelemetry/api` (the peer dependency of `@rid/otel`). An install from a checkout names
 *   the tarball `npm pack` writes (`rid-otel-<version>.tgz`) in place of `@rid/otel`, with the
 *   zero-code line's other packages.
 * - The other lines (npm scripts, docker, bash) are checked, not run (`npm test` cannot run
 *   inside `npm test`): the npm scripts and the repository files they name exist.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { APPS, ensureBuilt, ROOT, startApp } from './support/child-app';
import { get } from './support/http';
import { startOtlpReceiver } from '../bench/lib/otlp-receiver';

interface Block {
  lang: string;
  /** The block's lines, its indentation removed. */
  lines: string[];
  /** Where its opening fence is: `docs/logging.md:12`. */
  line: string;
}

/** The README and the docs pages, relative to the repository. */
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

function pageBlocks(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const block: Block = { lang: open[2], lines: [], line: `${page}:${i + 1}` };
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) block.lines.push(lines[i].slice(open[1].length));
    blocks.push(block);
  }
  return blocks;
}

const BLOCKS = PAGES.flatMap(pageBlocks);
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

/** The anchors GitHub makes for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(page: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  let fenced = false;
  for (const line of readFileSync(join(ROOT, page), 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#+ (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.push(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
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
      assert.ok(known, `${block.line}: a \`\`\`${block.lang || '(no language)'} block; use sh, js, ts or one of ${NOT_RUN.join(', ')}`);
    }
    for (const [name, block] of FILES) assert.match(name, /\.[cm]?js$/, `${block.line}: a whole file's first line is "// <name>.js" (or the block is "// excerpt")`);
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
    const all = SHELL_LINES.map((l) => ({ ...l, named: /^npm (?:install|i) ([^&]+)$/.exec(l.text)?.[1].split(/\s+/).filter((w) => !w.startsWith('-')) ?? [] }));
    const installs = all.filter((l) => !l.named.some((w) => w.endsWith('.tgz')));
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

  it('the install from a checkout names the tarball `npm pack` writes, with the zero-code packages', () => {
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const tarball = `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
    const lines = SHELL_LINES.map((l) => l.text).filter((t) => /^npm (?:install|i) .*\.tgz\b/.test(t));
    assert.equal(lines.length, 1, 'one install-from-a-checkout line');
    const words = lines[0].split(/\s+/).slice(2);
    assert.equal(basename(words.find((w) => w.endsWith('.tgz'))!), tarball, lines[0]);
    const zeroCode = SHELL_LINES.map((l) => l.text).find((t) => /^npm install @rid\/otel @opentelemetry\/api$/.test(t));
    assert.ok(zeroCode, 'the zero-code install line');
    assert.deepEqual(words.filter((w) => !w.endsWith('.tgz')), ['@opentelemetry/api'], lines[0]);
    assert.ok(SHELL_LINES.some((l) => l.block === SHELL_LINES.find((x) => x.text === lines[0])!.block && /^npm pack\b/.test(l.text)), 'npm pack in the same block');
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

  it('every link between the pages resolves, anchors included', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const [, target] of readFileSync(join(ROOT, page), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // http(s), mailto: not ours to check
        const [path, anchor] = target.split('#');
        const file = path === '' ? page : join(dirname(page), path);
        if (!existsSync(join(ROOT, file))) broken.push(`${page}: ${target} (no ${file})`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).includes(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(PAGES.length >= 10, `the README and its docs pages: ${PAGES}`);
  });

  it('the front page stays a front page: under 300 lines, and each docs page opens with what a user comes to it for', () => {
    assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length < 300);
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) {
      const [title, blank, purpose] = readFileSync(join(ROOT, page), 'utf8').split('\n');
      assert.match(title, /^# /, page);
      assert.equal(blank, '', page);
      assert.match(purpose, /^What you come here for: /, page);
      assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(`](${page})`), `README.md links ${page}`);
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
