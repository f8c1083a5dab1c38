import { describe, expect, it } from 'vitest';
import { isTransactionConflict } from '../../../functions/store/document-client.js';

const canceled = (...codes: (string | undefined)[]) => ({
  name: 'TransactionCanceledException',
  CancellationReasons: codes.map((Code) => (Code === undefined ? {} : { Code })),
});

describe('isTransactionConflict', () => {
  it.each([
    ['a single-item write that met a transaction', { name: 'TransactionConflictException' }, true],
    ['a transaction canceled by a conflict on one item', canceled('None', 'TransactionConflict'), true],
    [
      'a transaction canceled by conflicts, a reason without a code',
      canceled('TransactionConflict', undefined),
      true,
    ],
    [
      'a failed condition beside a conflict',
      canceled('ConditionalCheckFailed', 'TransactionConflict'),
      false,
    ],
    ['a failed condition alone', canceled('ConditionalCheckFailed', 'None'), false],
    ['throttling inside a transaction', canceled('ThrottlingError', 'None'), false],
    ['a transaction canceled without reasons', { name: 'TransactionCanceledException' }, false],
    ['a failed single-item condition', { name: 'ConditionalCheckFailedException' }, false],
    ['not an error', undefined, false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isTransactionConflict(error)).toBe(expected);
  });
});
