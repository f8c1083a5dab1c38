#!/usr/bin/env node
// The `gray` bin: runs functions/cli.ts through tsx (a bundled build replaces this in packaging).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../functions/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
