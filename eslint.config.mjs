// Grove's boundaries as lint rules (`npm run lint`, part of the README's test command). Each layer may import
// only what the architecture allows; a change that needs another import changes the design on purpose, here,
// with the reason. See README "Layout" for what each folder is.
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

/** Native and heavy modules, each owned by one place. */
const ORT = ['onnxruntime-node', 'onnxruntime-common', 'onnxruntime-web'];
const SQLITE = ['better-sqlite3'];

/** [globs or a RegExp source, message] pairs as no-restricted-imports patterns. */
const restrict = (groups) => ({
  'no-restricted-imports': [
    'error',
    { patterns: groups.map(([match, message]) => (typeof match === 'string' ? { regex: match, message } : { group: match, message })) },
  ],
});

const UI_ONLY = [
  [
    ['**/engine/**', '**/app/**', '**/workers/**', '**/main/**', '**/cli/**', '**/server/**', '**/bench/**'],
    'The renderer reaches Grove only through src/shared/api (the preload bridge or HTTP).',
  ],
  [['node:*', 'electron', ...ORT, ...SQLITE], 'The renderer runs in a sandboxed page: no Node, Electron, ONNX Runtime or SQLite.'],
];
const SHARED_ONLY = [
  [
    ['**/engine/**', '**/app/**', '**/workers/**', '**/main/**', '**/renderer/**', '**/cli/**', '**/server/**', '**/bench/**'],
    'src/shared is the contract both sides import: it imports nothing of theirs.',
  ],
  [['node:*', 'electron', ...ORT, ...SQLITE], 'src/shared also runs in the renderer: plain TypeScript and zod only.'],
];
const HOSTS = [
  [
    ['**/main/**', '**/renderer/**', '**/cli/**', '**/server/**', '**/bench/**', '**/workers/**'],
    'The engine and the application are libraries their hosts (Electron main, the CLI, the server, the bench, the worker processes) call; they never import them.',
  ],
];
/** The engine is the compute library: the application (service, jobs, catalog, the forest home) is built on it, never the reverse. */
const NO_APP = [
  [
    ['**/app/**'],
    'The engine is the compute library and knows nothing of the application (src/app: service, job kinds, catalog, forest home); pass what it needs in as arguments, or move the code to src/app.',
  ],
];
const NO_ELECTRON = [[['electron'], 'Only the Electron main process (src/main) imports electron; the engine also runs in plain Node.']];
const ORT_ONLY_IN_RUNTIME = [[ORT, 'Only src/engine/runtime opens ONNX Runtime: main never loads it, and sessions are made in one place.']];
const SQLITE_ONLY_IN_CATALOG = [
  [SQLITE, 'Only src/app/catalog opens SQLite (and the run lock, which is a lock file that SQLite implements).'],
];
const CATALOG_HANDLE = [
  [
    ['**/catalog/database'],
    "The catalog's SQLite handle is for its table modules (and tests): call a named function of src/app/catalog/<table>.ts.",
  ],
];
const SQL_ONLY_IN_CATALOG = [...SQLITE_ONLY_IN_CATALOG, ...CATALOG_HANDLE];

/**
 * The document parsers load when a file of their format is read (`await import(...)` in its extractor), never at a
 * module's top: statically imported, they took half of every `grove` command's start (335 ms of 700) and sat in
 * every worker that reads no documents. Their types may be imported anywhere.
 */
const PARSERS = ['mammoth', 'unpdf', 'linkedom', '@mozilla/readability', 'postal-mime', 'csv-parse'];
const PARSERS_LOAD_WHEN_USED = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: PARSERS.map((name) => ({
        name,
        allowTypeImports: true,
        message: `Load ${name} when a document needs it: await import('${name}') in its extractor (linkedom and Readability: src/engine/corpus/extract/dom-libraries.ts), so that a process that reads no documents never loads it.`,
      })),
    },
  ],
};

/**
 * The catalog owns SQL: its handle is private (Catalog #db), and these catch a query written anywhere else
 * (a handle passed around, a prepared statement, a pragma, an exec of SQL text) with where it belongs.
 */
const SQL_HOME =
  'SQL belongs in src/app/catalog, in the module of its table (catalog/<table>.ts): add a named, typed function there and call it; group writes that must land together with catalog.transaction(fn).';
const SQL_KEYWORDS =
  '/^\\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA|WITH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH)\\b/i';
const NO_SQL_OUTSIDE_CATALOG = {
  'no-restricted-syntax': [
    'error',
    { selector: "MemberExpression[property.name='db']", message: SQL_HOME },
    { selector: 'CallExpression[callee.property.name=/^(prepare|pragma)$/]', message: SQL_HOME },
    // RegExp#exec is everywhere; an exec of SQL text is not.
    { selector: `CallExpression[callee.property.name='exec'][arguments.0.value=${SQL_KEYWORDS}]`, message: SQL_HOME },
    { selector: `CallExpression[callee.property.name='exec'][arguments.0.quasis.0.value.raw=${SQL_KEYWORDS}]`, message: SQL_HOME },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-artifacts/**', 'bench/**', 'resources/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  ...svelte.configs['flat/base'],
  { files: ['**/*.svelte', '**/*.svelte.ts'], languageOptions: { parserOptions: { parser: tseslint.parser } } },

  { files: ['src/renderer/**/*.{ts,svelte}'], rules: restrict(UI_ONLY) },
  { files: ['src/shared/**/*.ts'], rules: restrict(SHARED_ONLY) },
  { files: ['src/engine/**/*.ts'], rules: restrict([...HOSTS, ...NO_APP, ...NO_ELECTRON, ...ORT_ONLY_IN_RUNTIME, ...SQL_ONLY_IN_CATALOG]) },
  { files: ['src/engine/runtime/**/*.ts'], rules: restrict([...HOSTS, ...NO_APP, ...NO_ELECTRON, ...SQL_ONLY_IN_CATALOG]) },
  {
    files: ['src/engine/train/run-lock.ts'],
    rules: restrict([...HOSTS, ...NO_APP, ...NO_ELECTRON, ...ORT_ONLY_IN_RUNTIME, ...CATALOG_HANDLE]),
  },
  { files: ['src/app/**/*.ts'], rules: restrict([...HOSTS, ...NO_ELECTRON, ...ORT_ONLY_IN_RUNTIME, ...SQL_ONLY_IN_CATALOG]) },
  { files: ['src/app/catalog/**/*.ts'], rules: restrict([...HOSTS, ...NO_ELECTRON, ...ORT_ONLY_IN_RUNTIME]) },
  // The worker processes' bodies: they run the engine for the application's jobs, in plain Node or a utilityProcess.
  {
    files: ['src/workers/**/*.ts'],
    rules: restrict([
      [
        ['**/main/**', '**/renderer/**', '**/cli/**', '**/server/**', '**/bench/**', 'electron'],
        'A worker runs jobs; it does not import the hosts that launch it.',
      ],
      ...ORT_ONLY_IN_RUNTIME,
      ...SQL_ONLY_IN_CATALOG,
    ]),
  },
  { files: ['src/**/*.ts'], rules: PARSERS_LOAD_WHEN_USED },
  // Queries only in the catalog (the run lock's own lock database aside); tests may use the handle (catalog/database.ts).
  { files: ['src/**/*.ts'], ignores: ['src/app/catalog/**', 'src/engine/train/run-lock.ts'], rules: NO_SQL_OUTSIDE_CATALOG },
  {
    // Main hosts the application through its service, the worker launchers and a few file helpers; no tensor code, no SQL.
    files: ['src/main/**/*.ts'],
    rules: restrict([
      [
        '^(\\.\\./)+app/(?!(api/service|home|infer/host|jobs/protocol|jobs/runner|jobs/worker-env)$)',
        'Main reaches the application through its service (app/api/service), the worker launchers and the forest home; compute runs in workers.',
      ],
      [
        '^(\\.\\./)+engine/(?!(durable-write)$)',
        'Main never imports the engine (the compute library) beyond its file helpers: it asks the service (app/api/service), and compute runs in workers.',
      ],
      [
        ['**/workers/**'],
        'Main launches the worker processes by their built entry files (out/node/*-worker.js); it does not import their bodies.',
      ],
      // The OpenAI-compatible endpoint is one module both hosts serve (grove serve, and the app's loopback server
      // on port 7421), with the kept key file: main may import those two parts of src/server, nothing else there.
      [['**/renderer/**', '**/cli/**', '**/bench/**'], 'Main hosts the app; it does not import the other hosts.'],
      [
        '^(\\.\\./)+server/(?!(openai/[a-z-]+|kept-token)$)',
        'Main serves the OpenAI-compatible endpoint (server/openai) and nothing else of grove serve.',
      ],
      [
        [...ORT, ...SQLITE],
        'Main never runs tensor code or SQL itself: the service and the workers do (a driver fault must not take the window down).',
      ],
    ]),
  },
  {
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts', 'src/bench/**/*.ts'],
    rules: restrict([
      [['**/main/**', '**/renderer/**', 'electron'], 'The CLI, the server and the bench run in plain Node: no Electron, no app code.'],
      ...ORT_ONLY_IN_RUNTIME,
      ...SQL_ONLY_IN_CATALOG,
    ]),
  },
);
