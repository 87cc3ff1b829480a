// ESLint for the whole repository: JavaScript's recommended rules, typescript-eslint's
// recommended type-aware rules (floating and misused promises, unused code, `any` leaking in), and
// eslint-config-prettier last, so formatting is Prettier's alone (`.prettierrc.json`).
// Type-aware rules read the same TypeScript projects `tsc` builds: each package's own sources, and
// tsconfig.tests.json for the tests beside them, test/ and examples/ — so run `npm run build` first
// (`npm run lint` does): tests import the packages' built declarations.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier/flat';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['**/dist/', '**/node_modules/', 'examples/demo/out/', '.tmp/']),
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        project: ['./packages/*/tsconfig.json', './tsconfig.tests.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test() and describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // Passing on a rejection we received (`unknown`, as every caught value is) is not making one up.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Methods that implement an async interface (a store's) may do their work synchronously;
      // an `async` without `await` there is the interface's shape, not a forgotten await.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter an interface makes us accept (`_span`, `_tags`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Plain JavaScript (this file, the apps tests run as child processes) is in no TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Wrappers of a library's methods pass `arguments` on as they came (count and `this` included),
    // so the wrapped method sees exactly what it would have without Runproof.
    files: ['packages/*-adapter/src/**/*.ts'],
    rules: { 'prefer-rest-params': 'off', '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    // The CommonJS apps exist to prove require() works.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
]);
