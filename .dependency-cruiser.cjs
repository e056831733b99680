// The layout's rules (docs/design.md): imports run one way, cli → entry → http | control → domain → spec | runtime.
//   cli/             the command line (main.ts, its config file): composes the mock and the kit's commands
//   server/{index,app,start}.ts  the library's entry points: compose the layers; no layer imports them
//   server/http/     the ricloud API over HTTP (pipeline, auth, one route module per URL segment)
//   server/control/  the /_mock plane, a peer of http over the same domain (its own state: faults, journal, ...)
//   server/domain/   records, wire shapes, the state machines, their jobs and events
//   server/spec/     the OpenAPI documents compiled once; request and response validators
//   server/runtime/  clock, scheduler, ids, await, signatures: knows nothing of the API
// Run by `npm run lint`; type-only imports count (tsPreCompilationDeps), since a type cycle is still a cycle.
const ENTRY = ['^server/[^/]+\\.ts$', '^cli/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment:
        'No cycle between folders either (server/ -> contracts/cli/ -> server/ was one: hence cli/ outside server/).',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'runtime-is-the-bottom',
      severity: 'error',
      comment:
        'runtime/ (clock, scheduler, ids, await, signature) imports no other layer and no entry point.',
      from: { path: '^server/runtime/' },
      to: { path: ['^server/(http|control|domain|spec)/', ...ENTRY, '^contracts/', '^fixtures/'] },
    },
    {
      name: 'spec-below-domain',
      severity: 'error',
      comment: 'spec/ compiles and validates documents; it knows no domain, plane or entry point.',
      from: { path: '^server/spec/' },
      to: { path: ['^server/(http|control|domain)/', ...ENTRY] },
    },
    {
      name: 'domain-below-the-planes',
      severity: 'error',
      comment: 'domain/ never imports http/ or control/: both planes are built over it, not under it.',
      from: { path: '^server/domain/' },
      to: { path: ['^server/(http|control)/', ...ENTRY] },
    },
    {
      name: 'http-is-not-control',
      severity: 'error',
      comment: 'http/ and control/ are peers: the ricloud API knows nothing of the /_mock plane.',
      from: { path: '^server/http/' },
      to: { path: ['^server/control/', ...ENTRY] },
    },
    {
      name: 'control-is-not-http',
      severity: 'error',
      comment:
        'control/ is a peer of http/: what both planes share (the validation middleware, spec/validate-request.ts) sits below them.',
      from: { path: '^server/control/' },
      to: { path: ['^server/http/', ...ENTRY] },
    },
    {
      name: 'server-imports-neither-kit-nor-cli',
      severity: 'error',
      comment:
        'The kit depends on the mock, not the other way round; only the CLI (cli/) loads its commands.',
      from: { path: '^server/' },
      to: { path: ['^contracts/', '^cli/'] },
    },
    {
      name: 'cli-loads-only-kit-commands',
      severity: 'error',
      comment: 'What the CLI takes from the kit is its commands (contracts/cli/), nothing else.',
      from: { path: '^cli/' },
      to: { path: '^contracts/', pathNot: '^contracts/cli/' },
    },
    {
      name: 'contracts-use-public-entries',
      severity: 'error',
      comment:
        'The kit uses the mock through its entry points (server/index.ts, start.ts, the control client), the compiled spec (spec/, which check-pacts shares) and the runtime floor (signatures, webhook transport, CLI errors, optional peers). Justified exception until provider states build tenants through the control plane: contracts/provider-states.ts takes createOrganisation (domain/presets.ts) and the OrgState type (domain/store.ts).',
      from: { path: '^contracts/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^server/(http|control|domain)/',
        pathNot: ['^server/domain/(presets|store)\\.ts$', '^server/control/client\\.ts$'],
      },
    },
    {
      name: 'fixtures-stand-alone',
      severity: 'error',
      comment: 'fixtures/ (seeded fake data) is used by the domain and imports nothing of the project.',
      from: { path: '^fixtures/' },
      to: { path: '^(server|contracts|test|scripts|bench|bin)/' },
    },
    {
      name: 'tests-are-leaves',
      severity: 'error',
      comment: 'Nothing but a test imports a test or a test helper.',
      from: { pathNot: ['^test/', '\\.test\\.ts$'] },
      to: { path: ['^test/', '\\.test\\.ts$'] },
    },
    {
      name: 'server-uses-no-dev-dependencies',
      severity: 'error',
      comment:
        "What is bundled or shipped (server/, cli/, contracts/cli/, fixtures/) runs without devDependencies. Exceptions: the optional peers (@aws-sdk/client-s3, @pact-foundation/pact, loaded on demand through server/runtime/optional-deps.ts) and the console's browser code (server/control/console/client/, bundled with preact by scripts/console-assets.ts).",
      from: {
        path: ['^server/', '^cli/', '^contracts/cli/', '^fixtures/'],
        pathNot: ['\\.test\\.ts$', '^server/control/console/client/'],
      },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only', 'npm-peer'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not excluded (only not followed): an excluded package would drop the edges to it, and the
    // rules on dependency types (server-uses-no-dev-dependencies) would see nothing. Symlinks are kept as they are
    // so that a node_modules linked from elsewhere (a git worktree) reads like a real one.
    exclude: { path: '^(dist|contracts/pacts)/' },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
