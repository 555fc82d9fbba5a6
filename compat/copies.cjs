// Counts the installed copies of every package in a project's node_modules (nested ones included)
// and fails when any package is there more than once, naming each copy's version and place.
//
//   node compat/copies.cjs DIR      # prints "N packages, one copy each"
//   node compat/copies.cjs --compare WITH WITHOUT [SCOPE]
//       # the same install with and without @rid/otel: fails on any package (of SCOPE, e.g.
//       # "@opentelemetry/") that has more copies WITH than WITHOUT (a second copy of a package the
//       # app has once, or a third of one it has twice), and prints each project's folder count
'use strict';
const fs = require('fs');
const path = require('path');


function packageDirs(nodeModules) {
  let entries;
  try { entries = fs.readdirSync(nodeModules, { withFileTypes: true }); } catch { return []; }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => (e.name.startsWith('@') ? fs.readdirSync(path.join(nodeModules, e.name)).map((n) => path.join(nodeModules, e.name, n)) : [path.join(nodeModules, e.name)]));
}

/** Every installed package of a project: name -> ["version at path", ...]. */
function copiesOf(project) {
  const copies = new Map();
  (function walk(nodeModules) {
    for (const dir of packageDirs(nodeModules)) {
      let pkg;
      try { pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')); } catch { continue; }
      const name = pkg.name || path.relative(nodeModules, dir);
      if (!copies.has(name)) copies.set(name, []);
      copies.get(name).push(`${pkg.version} at ${path.relative(project, dir)}`);
      walk(path.join(dir, 'node_modules'));
    }
  })(path.join(project, 'node_modules'));
  return copies;
}

if (process.argv[2] === '--compare') {
  const [withUs, without, scope = ''] = process.argv.slice(3).map((a, i) => (i < 2 ? path.resolve(a) : a));
  const inScope = (copies) => new Map([...copies].filter(([name]) => name.startsWith(scope)));
  const a = inScope(copiesOf(withUs)), b = inScope(copiesOf(without));
  const folders = (m) => [...m.values()].reduce((n, where) => n + where.length, 0);
  console.log(`${scope || 'all'} folders: ${folders(a)} with @rid/otel, ${folders(b)} without (${a.size} and ${b.size} packages)`);
  const added = [...a].filter(([name, where]) => where.length > Math.max(1, b.get(name)?.length ?? 0));
  for (const [name, where] of added) console.log(`${name}: ${where.length} copies with @rid/otel (${where.join(', ')}), ${b.get(name)?.length ?? 0} without`);
  process.exit(added.length ? 1 : 0);
}

const project = path.resolve(process.argv[2] || '.');
const copies = copiesOf(project);
const twice = [...copies].filter(([, where]) => where.length > 1);
if (twice.length) {
  for (const [name, where] of twice) console.log(`${name}: ${where.length} copies: ${where.join(', ')}`);
  console.log(`${twice.length} of ${copies.size} packages installed more than once`);
  process.exit(1);
}
console.log(`${copies.size} packages, one copy each`);
