// What the pure Istio/Kubernetes builder tests share: the shipped service config, fixture objects read from
// test/fixtures/, and JSON Patch applied the way the API server applies it (all ops or none).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyPatch } from 'rfc6902';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { loadGrayConfig, type ServiceConfig } from '../../functions/config.js';
import type { JsonPatchOp, KubeObject } from '../../functions/release/ports.js';

/** The first service (address-service) of the shipped gray.config.yaml, defaults filled; throws ConfigError if invalid. */
export function shippedService(): ServiceConfig {
  return loadGrayConfig(fileURLToPath(new URL('../../gray.config.yaml', import.meta.url))).services[0]!;
}

/** The YAML object in test/fixtures/<name> (e.g. 'virtualservice-seed.yaml'); throws if missing. */
export function readFixture(name: string): KubeObject {
  return parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as KubeObject;
}

/** Applies `ops` to a copy of `object`, failing the test unless every op applied; returns the copy. */
export function applyOps(object: KubeObject, ops: JsonPatchOp[]): KubeObject {
  const copy = structuredClone(object);
  expect(applyPatch(copy, ops)).toEqual(ops.map(() => null));
  return copy;
}
