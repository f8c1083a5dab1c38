import { describe, expect, it } from 'vitest';
import type { DispatchedCommand } from '../../../functions/slack/dispatch.js';
import { renderAck } from '../../../functions/slack/views/ack.js';

describe('renderAck', () => {
  it.each<[DispatchedCommand, string]>([
    [
      { verb: 'weight', service: 'address-service', weight: 25 },
      'on its way: weight 25 on address-service; the answer follows here',
    ],
    [{ verb: 'weight', weight: 5 }, 'on its way: weight 5; the answer follows here'],
    [
      { verb: 'deploy', service: 'address-service', slot: 'green', version: '1.0.1-fe220c2' },
      'on its way: deploy green 1.0.1-fe220c2 on address-service; the answer follows here',
    ],
    [
      { verb: 'route', service: 'address-service', route: { header: 'x-a', value: '<b>&c' } },
      'on its way: route header x-a=&lt;b&gt;&amp;c on address-service; the answer follows here',
    ],
    [{ verb: 'promote' }, 'on its way: promote; the answer follows here'],
    [{ verb: 'status' }, 'reading the status of this channel’s services…'],
    [{ verb: 'status', service: 'address-service' }, 'reading the status of address-service…'],
    [{ verb: 'history', service: 'address-service', limit: 10 }, 'reading the history of address-service…'],
  ])('acks %j with %j', (command, text) => {
    expect(renderAck(command)).toEqual({ text });
  });
});
