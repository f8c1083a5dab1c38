// Classifies DynamoDB requests (counted by operation name, test/support/dynamodb-table.ts) as reads or
// writes, for the "calls per operation" figures.

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** Reads and writes among `counts` (`{ GetItem: 1, TransactWriteItems: 1 }` → 1 read, 1 write). */
export function readsAndWrites(counts: Record<string, number>): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const [operation, n] of Object.entries(counts)) {
    if (READS.has(operation)) reads += n;
    else if (WRITES.has(operation)) writes += n;
    else throw new Error(`bench: DynamoDB operation ${operation} is neither a read nor a write`);
  }
  return { reads, writes };
}

/** `GetItem ×1, TransactWriteItems ×1` (sorted by name) for tables. */
export function describeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, n]) => `${operation} ×${n}`);
  return parts.length ? parts.join(', ') : 'none';
}
