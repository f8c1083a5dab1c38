// The command vocabulary is the domain's (functions/release/commands.ts); Slack code imports it here.
export * from '../release/commands.js';
