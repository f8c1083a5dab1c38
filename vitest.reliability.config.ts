import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the fault and abuse figures of issue 8 on the real local servers
// (DynamoDB Local from the same globalSetup, our Kubernetes API server, the loopback Slack Web API).
// Not part of `npm test`: vitest.config.ts includes only test/unit and test/integration.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/reliability/support/figures-reporter.ts'],
    // The figures mostly wait on DynamoDB Local and the loopback servers: two files at a time keep both
    // cores busy (vitest's default on a 2-core machine is one).
    maxWorkers: 2,
  },
});
