import { describe, expect, it } from 'vitest';
import { createOperationStore, createReleaseStore } from '../../../functions/wiring.js';

const MISSING =
  'GRAY_TABLE_NAME is not set: name the DynamoDB table gray keeps its records in (for the local stack, `npm run stack` prints it with the other exports)';

describe('the DynamoDB stores without a table name', () => {
  it.each([
    ['release store', createReleaseStore],
    ['operation store', createOperationStore],
  ])('the %s refuses, saying which variable to set and where the local one comes from', (_name, create) => {
    expect(() => create('')).toThrow(MISSING);
  });
});
