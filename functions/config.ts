/**
 * gray.config.yaml: the services gray manages. Read once at cold start (path from GRAY_CONFIG),
 * checked with zod; an invalid file stops start-up with a ConfigError naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validateCanarySteps } from './release/canary/steps.js';
import { parseDuration } from './release/duration.js';
import { ConfigError, UnknownServiceError } from './release/errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const dnsName = (what: string) =>
  z.string().max(63).regex(DNS_LABEL, `${what} must be a lower-case DNS label like address-service`);

const approvalAction = z.enum(['deploy', 'weight-step', 'route', 'promote', 'rollback', 'teardown']);

const clusterSchema = z.union([
  z.object({ context: z.string().min(1) }).strict(),
  z.object({ eks: z.object({ name: z.string().min(1), region: z.string().min(1) }).strict() }).strict(),
]);

const comparison = z.enum(['<', '<=', '>', '>=']);

/** Placeholders an extra check's query may use (filled per slot by the canary analysis). */
export const CHECK_PLACEHOLDERS = ['workload', 'namespace', 'service', 'slot', 'window'] as const;

const checkQuery = z
  .string()
  .min(1)
  .refine(
    (query) =>
      [...query.matchAll(/\{\{\s*([^}\s]*)\s*\}\}/g)].every((m) =>
        (CHECK_PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''),
      ),
    `query placeholders are {{workload}}, {{namespace}}, {{service}}, {{slot}} and {{window}}`,
  );

const canaryCheckSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'check name must be lower-case words joined by -'),
    query: checkQuery,
    comparison,
    threshold: z.number(),
    /** `live`: the bound is threshold × the live slot's value of the same query. */
    relativeTo: z.literal('live').optional(),
    unit: z.string().max(10).default(''),
  })
  .strict();

const prometheusSchema = z.union([
  z
    .object({
      url: z.url({ protocol: /^https?$/ }),
      /** SigV4-sign requests for service `aps` in `region` (Amazon Managed Prometheus). */
      sigv4: z
        .object({ region: z.string().min(1) })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      service: z
        .object({
          namespace: dnsName('prometheus.service.namespace'),
          name: dnsName('prometheus.service.name'),
          port: z.union([z.number().int().min(1).max(65535), dnsName('prometheus.service.port')]),
          scheme: z.enum(['http', 'https']).default('http'),
        })
        .strict(),
    })
    .strict(),
]);

/** The default step plan below a maximum weight (percent), ending at it. */
const defaultSteps = (maxWeight: number): number[] => [
  ...[1, 5, 25, 50].filter((step) => step < maxWeight),
  maxWeight,
];

const canarySchema = z
  .object({
    /** Default: 1, 5, 25, 50, 100 below maxWeight, then maxWeight. */
    steps: z.array(z.number()).optional(),
    interval: duration.default(300),
    failureLimit: z.number().int().min(1).max(20).default(3),
    minRequests: z.number().int().min(0).default(100),
    window: duration.default(300),
    maxWeight: z.number().int().min(1).max(100).default(100),
    successRate: z
      .object({ min: z.number().min(0).max(100) })
      .strict()
      .default({ min: 99 }),
    latency: z
      .object({ p99MaxRatio: z.number().positive().optional(), p99MaxMs: z.number().positive().optional() })
      .strict()
      .default({ p99MaxRatio: 1.2 }),
    prometheus: prometheusSchema.default({
      service: { namespace: 'istio-system', name: 'prometheus', port: 9090, scheme: 'http' },
    }),
    checks: z.array(canaryCheckSchema).max(10).default([]),
  })
  .strict()
  .superRefine((canary, ctx) => {
    if (canary.interval < 60) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: 'interval must be at least 1m (the sweeper runs every minute)',
      });
    }
    if (canary.window < 1)
      ctx.addIssue({ code: 'custom', path: ['window'], message: 'window must be at least 1s' });
    try {
      validateCanarySteps(canary.steps ?? defaultSteps(canary.maxWeight), canary.maxWeight);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: (error as Error).message });
    }
  })
  .transform(({ steps, ...canary }) => ({
    steps: validateCanarySteps(steps ?? defaultSteps(canary.maxWeight), canary.maxWeight).steps,
    ...canary,
  }));

const serviceSchema = z
  .object({
    // `<name>-green` is a label value (≤ 63) and the Service name an RFC 1035 label (starts with a letter).
    name: dnsName('name')
      .max(57, 'name must be at most 57 characters so <name>-green fits a label')
      .regex(/^[a-z]/, 'name must start with a letter, like address-service'),
    namespace: dnsName('namespace'),
    host: z
      .string()
      .regex(/^[a-z0-9.-]+$/, 'host must be a DNS name like address-service.happyride.svc.cluster.local'),
    image: z
      .string()
      .min(1)
      // A registry port (localhost:5001/…) has a colon too; only one after the last `/` is a tag.
      .regex(/^(?:[^@\s/]+\/)*[^:@\s/]+$/, 'image is the repository without a tag, like happyride/app'),
    port: z.number().int().min(1).max(65535),
    replicas: z.number().int().min(1).max(1000).default(2),
    slotLabel: z.string().min(1).default('app.vividcode.io/deployment-type'),
    strategy: z.enum(['blue-green', 'red-black']).default('blue-green'),
    scaleDownIdle: z.boolean().default(false),
    bakeTime: duration.default(1800),
    rolloutTimeout: duration.default(600),
    maxWeightStep: z.number().int().min(1).max(100).default(25),
    virtualService: dnsName('virtualService').optional(),
    routeName: z.string().min(1).optional(),
    headerRouteName: z.string().min(1).optional(),
    userHeader: z
      .string()
      .toLowerCase()
      .regex(HEADER_TOKEN, 'userHeader must be an HTTP header name')
      .default('x-user-id'),
    approvalRequired: z.array(approvalAction).default(['promote', 'teardown', 'weight-step']),
    approvers: z.array(z.string().min(1)).default([]),
    allowedUsers: z.array(z.string().min(1)).default([]),
    allowedChannels: z.array(z.string().min(1)).default([]),
    cluster: clusterSchema.default({ context: 'default' }),
    /** Automated canary analysis; a service without the block gets the defaults (canarySettings). */
    canary: canarySchema.optional(),
  })
  .strict()
  .transform((s) => ({
    ...s,
    virtualService: s.virtualService ?? `${s.name}-deployment`,
    routeName: s.routeName ?? `${s.name}-http`,
    headerRouteName: s.headerRouteName ?? `${s.name}-latest`,
  }));

const configSchema = z
  .object({ services: z.array(serviceSchema).min(1, 'services must list at least one service') })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.services.forEach((service, index) => {
      if (seen.has(service.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', index, 'name'],
          message: `duplicate service ${service.name}`,
        });
      }
      seen.add(service.name);
    });
  });

/** A service's canary settings, defaults applied. Durations in seconds, weights in percent. */
export type CanaryConfig = z.output<typeof canarySchema>;
/** One extra canary check (query template, comparison, threshold, optionally relative to the live slot). */
export type CanaryCheckConfig = z.output<typeof canaryCheckSchema>;

/** One managed service, defaults applied. Durations in seconds. */
export type ServiceConfig = z.output<typeof serviceSchema>;
/** The whole configuration. */
export type GrayConfig = z.output<typeof configSchema>;

/** Validates a parsed config object; throws ConfigError naming every bad field (`services.0.port: …`). */
export function parseGrayConfig(input: unknown, source = 'gray.config.yaml'): GrayConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ConfigError(`${source} is invalid: ${problems.join('; ')}`);
}

/** Reads and validates a YAML config file (default: $GRAY_CONFIG, else ./gray.config.yaml). */
export function loadGrayConfig(path = process.env.GRAY_CONFIG ?? 'gray.config.yaml'): GrayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: set GRAY_CONFIG to the config file's path`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseGrayConfig(parsed, path);
}

/** The service's canary settings: its `canary` block, or every default when it has none. */
export function canarySettings(service: { canary?: CanaryConfig | undefined }): CanaryConfig {
  return service.canary ?? canarySchema.parse({});
}

/** Finds a service by name; throws UnknownServiceError listing the configured ones. */
export function findService(config: GrayConfig, name: string): ServiceConfig {
  const service = config.services.find((s) => s.name === name);
  if (!service)
    throw new UnknownServiceError(
      name,
      config.services.map((s) => s.name),
    );
  return service;
}
