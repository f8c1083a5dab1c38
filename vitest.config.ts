import { defineConfig } from 'vitest/config';

// Two projects: unit (pure, in-memory ports) and integration (real local servers:
// DynamoDB Local, our Kubernetes API server over HTTPS, the loopback Slack Web API).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
