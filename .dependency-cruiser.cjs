/**
 * The layers of src/ (docs/how-it-works.md, "Layers"), lowest first. A module imports only from
 * its own unit and from lower layers: never from a higher layer, never from a sibling unit of its
 * own layer. With no-circular (files), no two folders can import each other. Run by `npm run lint`;
 * scripts/layer-rules-selftest.mjs (also in lint) plants a cycle, an upward import, a sibling import
 * and an unlayered file in a copy of src/ and checks this config refuses each.
 */
const LAYERS = [
  { foundation: '^src/(version|diag|errors|regexp|app-package|cross-copy-keys|hook-registry)[.]ts$' },
  { http: '^src/http/' },
  { internals: '^src/internals/', generators: '^src/generators/' },
  { types: '^src/(types|internal-types)[.]ts$', vendors: '^src/vendors/' },
  { config: '^src/config/' },
  { context: '^src/context/' },
  { incoming: '^src/incoming/', outgoing: '^src/outgoing/' },
  { capture: '^src/capture/' },
  { package: '^src/(instrumentation|propagator|span-processor|log-record-processor|logging|trace-id-generator)[.]ts$' },
  { entry: '^src/(register/|(register|with-request-id|index)[.]ts$)' },
];

const units = LAYERS.flatMap((layer, rank) => Object.entries(layer).map(([name, path]) => ({ name, path, rank })));
const layerRules = units.flatMap((from) => {
  const above = units.filter((to) => to.rank > from.rank).map((to) => to.path);
  const siblings = units.filter((to) => to.rank === from.rank && to !== from).map((to) => to.path);
  return [
    above.length > 0 && {
      name: `layer-${from.name}-imports-higher`,
      comment: `${from.name} (layer ${from.rank}) imports a higher layer`,
      severity: 'error',
      from: { path: from.path },
      to: { path: above },
    },
    siblings.length > 0 && {
      name: `layer-${from.name}-imports-sibling`,
      comment: `${from.name} imports a sibling of its own layer (${siblings.join(', ')})`,
      severity: 'error',
      from: { path: from.path },
      to: { path: siblings },
    },
  ].filter(Boolean);
});

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import cycle between files', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'not-in-a-layer',
      comment: 'every file of src/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: units.map((u) => u.path) },
      to: {},
    },
    {
      name: 'imports-unlayered',
      comment: 'every file of src/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: units.map((u) => u.path) },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a type from a higher layer is a dependency on it all the same.
    tsPreCompilationDeps: true,
  },
};
