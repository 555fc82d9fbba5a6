// Counts the installed copies of every package in a project's node_modules (nested ones included)
// and fails when any package is there more than once, naming each copy's version and place.
//
//   node compat/copies.cjs DIR      # prints "N packages, one copy each"
'use strict';
const fs = require('fs');
const path = require('path');

const project = path.resolve(process.argv[2] || '.');
const copies = new Map(); // package name -> ["version at path", ...]

function packageDirs(nodeModules) {
  let entries;
  try { entries = fs.readdirSync(nodeModules, { withFileTypes: true }); } catch { return []; }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => (e.name.startsWith('@') ? fs.readdirSync(path.join(nodeModules, e.name)).map((n) => path.join(nodeModules, e.name, n)) : [path.join(nodeModules, e.name)]));
}

function walk(nodeModules) {
  for (const dir of packageDirs(nodeModules)) {
    let pkg;
    try { pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')); } catch { continue; }
    const name = pkg.name || path.relative(nodeModules, dir);
    if (!copies.has(name)) copies.set(name, []);
    copies.get(name).push(`${pkg.version} at ${path.relative(project, dir)}`);
    walk(path.join(dir, 'node_modules'));
  }
}

walk(path.join(project, 'node_modules'));
const twice = [...copies].filter(([, where]) => where.length > 1);
if (twice.length) {
  for (const [name, where] of twice) console.log(`${name}: ${where.length} copies: ${where.join(', ')}`);
  console.log(`${twice.length} of ${copies.size} packages installed more than once`);
  process.exit(1);
}
console.log(`${copies.size} packages, one copy each`);
