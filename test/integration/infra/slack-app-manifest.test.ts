// The Slack app manifest against what gray serves: the one HTTP API route in serverless.yml, the
// slash command Bolt listens for, the one event, and no scope beyond the three gray calls need.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..', '..');
const manifest = parse(readFileSync(join(root, 'infra', 'slack-app-manifest.yaml'), 'utf8'));
const serverless = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'));
const listeners = readFileSync(join(root, 'functions', 'slack', 'listeners.ts'), 'utf8');

describe('infra/slack-app-manifest.yaml', () => {
  it('sends the command, interactivity and events to the slack function route', () => {
    const { path, method } = serverless.functions.slack.events[0].httpApi;
    expect(`${method} ${path}`).toBe('POST /slack/events');
    const urls = [
      manifest.features.slash_commands[0].url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe(path);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('declares /gray with a usage hint and the event gray listens for', () => {
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({ command: '/gray', usage_hint: expect.stringMatching(/^status \| deploy/) }),
    ]);
    expect(listeners).toContain("app.command('/gray'");
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(listeners).toContain("app.event('app_home_opened'");
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('asks for exactly commands, chat:write and chat:write.public', () => {
    expect(manifest.oauth_config.scopes).toEqual({ bot: ['commands', 'chat:write', 'chat:write.public'] });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
