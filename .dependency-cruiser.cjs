/**
 * Import boundaries, checked by `npm run lint:boundaries` (part of `npm test`). Why each rule
 * exists: docs/architecture.md and docs/adr/0005-boundary-check.md.
 *
 * Folders: server/ports (interfaces) ← server/adapters (engines) ; the core (services, matching,
 * push, interpretation, text, …) knows ports only; server/http and server/web are the outermost
 * ring; server/platform.ts is the one composition root and the only importer of the adapter factory.
 */

/** The migration command copies SQLite rows into MongoDB and still reads both engines directly (see docs/architecture.md, "Known exceptions"). */
const MIGRATION_TOOL = '^server/cli/migrate-to-mongo[.]';

/**
 * An engine package as it resolves (its own folder or its @types twin, wherever node_modules lives),
 * or by its bare name when it cannot be resolved at all.
 */
const pkg = (names) => `(^|/)node_modules/(@types/)?(${names})(/|$)|^(${names})(/|$)`;

/** Each engine may be imported only under its adapter's folder. */
const ENGINES = [
  { name: 'better-sqlite3', packages: 'better-sqlite3', owner: '^server/adapters/(sqlite|embedded-search)/', exceptions: [MIGRATION_TOOL] },
  { name: 'mongodb', packages: 'mongodb|mongoose', owner: '^server/adapters/mongodb/', exceptions: [MIGRATION_TOOL] },
  { name: 'elasticsearch', packages: '@elastic/elasticsearch', owner: '^server/adapters/elasticsearch/', exceptions: [] },
  { name: 'nodemailer', packages: 'nodemailer', owner: '^server/adapters/nodemailer/', exceptions: [] },
  { name: 'wechaty', packages: 'wechaty[^/]*', owner: '^server/adapters/wechaty/', exceptions: [] },
  { name: 'sharp', packages: 'sharp', owner: '^server/adapters/sharp/', exceptions: [] },
  // Segmentation and script conversion are pure computation that every search adapter must share
  // exactly (index and query alike), so the text module owns them rather than an adapter.
  { name: 'jieba', packages: '@node-rs/jieba', owner: '^server/text/', exceptions: [] },
  { name: 'opencc', packages: 'opencc-js', owner: '^server/text/', exceptions: [] },
];

module.exports = {
  forbidden: [
    ...ENGINES.map(({ name, packages, owner, exceptions }) => ({
      name: `engine-${name}-outside-adapter`,
      severity: 'error',
      comment: `${name} is imported only under ${owner}; everything else goes through a port (server/ports).`,
      from: { path: '^(server|workers|schemas)/', pathNot: [owner, ...exceptions] },
      to: { path: pkg(packages) },
    })),
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes two modules one; break it with a port or by moving the shared part down. A back-reference that is only a type ' +
        '(a migration naming the Migration type of the list that imports it) is erased at compile time and allowed.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'adapters-only-through-the-factory',
      severity: 'error',
      comment: 'Only the composition root (server/platform.ts) picks adapters, and only through server/adapters/adapter-factory.ts.',
      from: { path: '^(server|workers|schemas)/', pathNot: ['^server/adapters/', '^server/platform[.]ts$', MIGRATION_TOOL] },
      to: { path: '^server/adapters/' },
    },
    {
      name: 'root-reaches-adapters-through-the-factory',
      severity: 'error',
      comment: 'The composition root asks the adapter factory for engines; it does not construct one itself.',
      from: { path: '^server/platform[.]ts$' },
      to: { path: '^server/adapters/', pathNot: '^server/adapters/adapter-factory[.]ts$' },
    },
    {
      name: 'only-entry-points-import-the-root',
      severity: 'error',
      comment: 'server/platform.ts wires everything; a module that imported it would see the whole platform.',
      from: { path: '^(server|workers|schemas)/', pathNot: ['^server/main[.]ts$', '^server/cli/'] },
      to: { path: '^server/platform[.]ts$' },
    },
    {
      name: 'ports-only-describe',
      severity: 'error',
      comment: 'Ports are interfaces over schemas: they know no adapter and no feature module.',
      from: { path: '^server/ports/' },
      to: { path: '^(server|workers)/', pathNot: '^server/ports/' },
    },
    {
      name: 'schemas-know-no-server',
      severity: 'error',
      comment: 'Schemas are the shared contract of server, tests and clients.',
      from: { path: '^schemas/' },
      to: { path: '^(server|workers)/' },
    },
    {
      name: 'services-not-to-delivery-mechanisms',
      severity: 'error',
      comment: 'Services answer any caller (API, portal, CLI, workers); they know neither HTTP nor pages.',
      from: { path: '^server/(services|matching|text|subscribers|feeds|media|security|demo)/' },
      to: { path: '^server/(http|web)/' },
    },
    {
      name: 'interpretation-not-to-delivery-mechanisms',
      severity: 'error',
      comment: 'The interpretation module is services; its JSON routes live in server/http/routes and its pages in server/web.',
      from: { path: '^server/interpretation/' },
      to: { path: '^server/(http|web)/' },
    },
    {
      name: 'push-not-to-delivery-mechanisms',
      severity: 'error',
      comment: 'Push services know no HTTP; only its route modules (*.routes.ts) define routes.',
      from: { path: '^server/push/', pathNot: '[.]routes[.]ts$' },
      to: { path: '^server/(http|web)/' },
    },
    {
      name: 'api-not-to-portal',
      severity: 'error',
      comment: 'The JSON API does not render pages; the portal sits in front of it.',
      from: { path: '^server/http/' },
      to: { path: '^server/web/' },
    },
    {
      name: 'adapters-not-to-outer-layers',
      severity: 'error',
      comment:
        'Adapters implement ports and may use the core\'s pure rule modules (digest planning, queue rules, conflict catalogue); ' +
        'they never call services, HTTP, pages or the wiring.',
      from: { path: '^server/adapters/', pathNot: '^server/adapters/adapter-factory[.]ts$' },
      to: { path: ['^server/(http|web)/', '^server/platform[.]ts$', '-platform[.]ts$', '[.]service[.]ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: an interface from a higher layer is still a coupling.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.d.ts', '.json'] },
    // Symlinked node_modules (a shared install) resolve to the folder they point at; package names stay in the path.
    preserveSymlinks: false,
  },
};
