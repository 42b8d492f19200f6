// ESLint with type-checked rules for every workspace. The rules the foundation issue names:
// no floating promises, exhaustive switches, no import cycles, no deep imports into another
// package's src.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';
import ts from 'typescript';
import tseslint from 'typescript-eslint';

/**
 * Resolves imports exactly as the TypeScript compiler does for this repository (`./x.js` → `./x.ts`,
 * workspace packages → their src/ through the keystream-source condition), so import-x can follow
 * every import and no-cycle sees real cycles. Written here rather than taken from
 * eslint-import-resolver-typescript, whose native resolver bindings do not all install everywhere.
 */
const compilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['keystream-source'],
};
const builtins = new Set(builtinModules);
const typescriptResolver = {
  interfaceVersion: 3,
  name: 'keystream-typescript-resolver',
  resolve(source, file) {
    if (source.startsWith('node:') || builtins.has(source)) return { found: true, path: null };
    const { resolvedModule } = ts.resolveModuleName(source, file, compilerOptions, ts.sys);
    return resolvedModule ? { found: true, path: resolvedModule.resolvedFileName } : { found: false };
  },
};

const PACKAGE_BOUNDARIES = [
  {
    regex: '^@keystream/[^/]+/(?!testing$)',
    message: 'Import another package through its public entry point (@keystream/<name>, or @keystream/<name>/testing for its published test helpers), never its files.',
  },
  {
    regex: '^(\\.\\./)+(packages|services)/',
    message: 'Import another package by its name, not by a relative path into its sources.',
  },
  {
    regex: '^(\\.\\./){2,}[a-z-]+/src/',
    message: 'Import another package by its name, not by a relative path into its sources.',
  },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'docs/**', 'tmp/**', 'test/lint-fixtures/**', '**/*.js', '**/*.cjs', '**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses the files an import leads to (to follow cycles); they are TypeScript.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver-next': [typescriptResolver],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': [
        'error',
        {
          patterns: PACKAGE_BOUNDARIES,
        },
      ],
    },
  },
  {
    // The application (handlers, pipeline, command and query cores) imports no transport: the edge
    // contract (edgeContract.ts) is where they meet.
    files: ['services/api/src/core/**/*.ts', 'services/api/src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...PACKAGE_BOUNDARIES,
            {
              regex: '/(httpServer|nativeUws|routeTable|requestTranscoder)\\.js$|uws-js',
              message: 'The application imports no transport; share types through services/api/src/edgeContract.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      // chai's expect(x).to.be.true style is a property access, not an unused expression.
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
