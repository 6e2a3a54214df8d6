/**
 * The direction of imports in src/, checked by `npm run lint` (dependency-cruiser).
 *
 * Folders are layered, lowest first. A folder imports only folders below it: shared
 * infrastructure never names a feature, and a feature never names a feature above it. The
 * composition roots (src/*.ts: main, app module, entity list; and every *.cli.ts command) wire
 * everything and may import anything; nothing imports them.
 *
 * One exception, for foreign keys: an entity may name an entity of a feature above it as a type
 * only (`import type`), the relation naming the table by entity name (`@ManyToOne('Claim')`).
 * A type-only import leaves no code dependency behind.
 *
 * docs/architecture.md explains the layers and which feature owns which table.
 */
const LAYERS = [
  // shared infrastructure
  'common',
  'config',
  'database',
  'security',
  'audit',
  'mail',
  'metrics',
  'health',
  // features, in the order money flows
  'users',
  'associations',
  'sites',
  'programmes',
  'beneficiaries',
  'booklets',
  'redemptions',
  'statements',
  'payment-batches',
  'closing',
  // reading and reporting, operations
  'stats',
  'open-data',
  'operations',
  // sign-in, then the pages over every feature
  'auth',
  'web',
];

const folder = (names) => `^src/(${names.join('|')})/`;
const ROOTS = '^src/[^/]+\\.ts$|\\.cli\\.ts$';
const ENTITY = '\\.entity\\.ts$';

const layerRules = LAYERS.slice(0, -1).flatMap((layer, i) => {
  const above = folder(LAYERS.slice(i + 1));
  const from = { path: folder([layer]), pathNot: ROOTS };
  return [
    {
      name: `${layer}-imports-above`,
      comment: `${layer}/ may import only ${LAYERS.slice(0, i).join(', ') || 'libraries'}`,
      severity: 'error',
      from,
      to: { path: above, dependencyTypesNot: ['type-only'] },
    },
    {
      name: `${layer}-types-from-above`,
      comment: `${layer}/ may name a type of a folder above it only from an entity, for a foreign key`,
      severity: 'error',
      from,
      to: { path: above, pathNot: ENTITY, dependencyTypes: ['type-only'] },
    },
    {
      name: `${layer}-entity-types-outside-entities`,
      comment: 'only an entity may name an entity of a folder above it (for a foreign key)',
      severity: 'error',
      from: { path: folder([layer]), pathNot: `${ROOTS}|${ENTITY}` },
      to: { path: `${above}.*${ENTITY}`, dependencyTypes: ['type-only'] },
    },
  ];
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'unlayered-folder',
      comment: 'every folder of src/ has its place in LAYERS (.dependency-cruiser.js)',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `${folder(LAYERS)}|${ROOTS}` },
      to: {},
    },
    {
      name: 'imports-a-composition-root',
      comment: 'the composition roots (src/*.ts, *.cli.ts) are entry points: nothing imports them',
      severity: 'error',
      from: { path: '^src/', pathNot: ROOTS },
      to: { path: ROOTS },
    },
    {
      name: 'no-circular',
      comment:
        'no import cycle of code, even inside a folder (entities naming each other as types is not one)',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
