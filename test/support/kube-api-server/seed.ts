// Loads the happyride fixtures (test/fixtures/happyride/*.yaml): the lesson's address service, blue slot live.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeApiServer, KubeObject } from './index.js';

/** The namespace the fixtures live in. */
export const HAPPYRIDE_NAMESPACE = 'happyride';

/** Fixture files in the order they are stored (a route's subsets exist before the route). */
export const HAPPYRIDE_FIXTURES = [
  'service.yaml',
  'deployment-blue.yaml',
  'destinationrule.yaml',
  'virtualservice.yaml',
];

const FIXTURE_DIR = new URL('../../fixtures/happyride/', import.meta.url);

/** Parses one fixture file of test/fixtures/happyride into an object (throws if missing or not YAML). */
export function loadHappyrideFixture(file: string): KubeObject {
  return parse(readFileSync(new URL(file, FIXTURE_DIR), 'utf8')) as KubeObject;
}

/**
 * Stores Service `address-service`, Deployment `address-service-blue` (2/2 available), DestinationRule
 * `address-service` and VirtualService `address-service-deployment` (blue 100, green 0) in `happyride`.
 * Returns the stored copies (with uid, resourceVersion, generation), in fixture order.
 */
export function seedHappyride(server: Pick<KubeApiServer, 'putObject'>): KubeObject[] {
  return HAPPYRIDE_FIXTURES.map((file) => {
    const obj = loadHappyrideFixture(file);
    return server.putObject(obj.kind ?? '', obj);
  });
}
