// vitest runs only the checkpointer validation (@langchain/langgraph-checkpoint-validation is a
// vitest suite): on the compiled file, since vitest 4 here does not load the project's raw .ts.
// Everything else is node --test.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['dist/spec/validation/**/*.validate.js'],
    // The validation suite calls describe/it/beforeAll as globals.
    globals: true,
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
