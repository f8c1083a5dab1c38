/**
 * gray.config.yaml: the services gray manages. Read once at cold start (path from GRAY_CONFIG),
 * checked with zod; an invalid file stops start-up with a ConfigError naming the field.
 *
 * Chosen for the cold start of every function: zod/mini, not `zod` (the same checks and English
 * messages, tree-shakable: about 60 kB in the bundle instead of 0.8 MB), and js-yaml, not `yaml`
 * (client-node parses kubeconfigs with it, so it is in the bundle anyway; `yaml` would add 0.26 MB).
 * Both read YAML 1.2 with the core schema: no timestamps, no merge keys, duplicate keys refused.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { validateCanarySteps } from './release/canary/steps.js';
import { parseDuration } from './release/duration.js';
import { ConfigError, UnknownServiceError } from './release/errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

// zod/mini loads no locale by itself; `zod` would load this one (the messages users see and tests pin).
z.config(en());

const nonEmpty = () => z.string().check(z.minLength(1));
const int = (min: number, max?: number) =>
  z.number().check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));

const duration = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((value: string | number, ctx) => {
    try {
      return parseDuration(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  }),
);

const dnsName = (what: string) =>
  z
    .string()
    .check(
      z.maxLength(63),
      z.regex(DNS_LABEL, `${what} must be a lower-case DNS label like address-service`),
    );

const approvalAction = z.enum(['deploy', 'weight-step', 'route', 'promote', 'rollback', 'teardown']);

const clusterSchema = z.union([
  z.strictObject({ context: nonEmpty() }),
  z.strictObject({ eks: z.strictObject({ name: nonEmpty(), region: nonEmpty() }) }),
]);

const comparison = z.enum(['<', '<=', '>', '>=']);

/** Placeholders an extra check's query may use (filled per slot by the canary analysis). */
export const CHECK_PLACEHOLDERS = ['workload', 'namespace', 'service', 'slot', 'window'] as const;

const checkQuery = z.string().check(
  z.minLength(1),
  z.refine(
    (query: string) =>
      [...query.matchAll(/\{\{\s*([^}\s]*)\s*\}\}/g)].every((m) =>
        (CHECK_PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''),
      ),
    `query placeholders are {{workload}}, {{namespace}}, {{service}}, {{slot}} and {{window}}`,
  ),
);

const canaryCheckSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'check name must be lower-case words joined by -')),
  query: checkQuery,
  comparison,
  threshold: z.number(),
  /** `live`: the bound is threshold × the live slot's value of the same query. */
  relativeTo: z.optional(z.literal('live')),
  unit: z._default(z.string().check(z.maxLength(10)), ''),
});

const prometheusSchema = z.union([
  z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    /** SigV4-sign requests for service `aps` in `region` (Amazon Managed Prometheus). */
    sigv4: z.optional(z.strictObject({ region: nonEmpty() })),
  }),
  z.strictObject({
    service: z.strictObject({
      namespace: dnsName('prometheus.service.namespace'),
      name: dnsName('prometheus.service.name'),
      port: z.union([int(1, 65535), dnsName('prometheus.service.port')]),
      scheme: z._default(z.enum(['http', 'https']), 'http'),
    }),
  }),
]);

/** The default step plan below a maximum weight (percent), ending at it. */
const defaultSteps = (maxWeight: number): number[] => [
  ...[1, 5, 25, 50].filter((step) => step < maxWeight),
  maxWeight,
];

const canaryFields = z
  .strictObject({
    /** Default: 1, 5, 25, 50, 100 below maxWeight, then maxWeight. */
    steps: z.optional(z.array(z.number())),
    interval: z._default(duration, 300),
    failureLimit: z._default(int(1, 20), 3),
    minRequests: z._default(int(0), 100),
    window: z._default(duration, 300),
    maxWeight: z._default(int(1, 100), 100),
    successRate: z._default(z.strictObject({ min: z.number().check(z.minimum(0), z.maximum(100)) }), {
      min: 99,
    }),
    latency: z._default(
      z.strictObject({
        p99MaxRatio: z.optional(z.number().check(z.positive())),
        p99MaxMs: z.optional(z.number().check(z.positive())),
      }),
      { p99MaxRatio: 1.2 },
    ),
    prometheus: z._default(prometheusSchema, {
      service: { namespace: 'istio-system', name: 'prometheus', port: 9090, scheme: 'http' },
    }),
    checks: z._default(z.array(canaryCheckSchema).check(z.maxLength(10)), []),
  })
  .check(
    z.superRefine((canary, ctx) => {
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
    }),
  );

const canarySchema = z.pipe(
  canaryFields,
  z.transform(({ steps, ...canary }: z.output<typeof canaryFields>) => ({
    steps: validateCanarySteps(steps ?? defaultSteps(canary.maxWeight), canary.maxWeight).steps,
    ...canary,
  })),
);

const serviceFields = z.strictObject({
  // `<name>-green` is a label value (≤ 63) and the Service name an RFC 1035 label (starts with a letter).
  name: dnsName('name').check(
    z.maxLength(57, 'name must be at most 57 characters so <name>-green fits a label'),
    z.regex(/^[a-z]/, 'name must start with a letter, like address-service'),
  ),
  namespace: dnsName('namespace'),
  host: z
    .string()
    .check(
      z.regex(/^[a-z0-9.-]+$/, 'host must be a DNS name like address-service.happyride.svc.cluster.local'),
    ),
  image: z.string().check(
    z.minLength(1),
    // A registry port (localhost:5001/…) has a colon too; only one after the last `/` is a tag.
    z.regex(/^(?:[^@\s/]+\/)*[^:@\s/]+$/, 'image is the repository without a tag, like happyride/app'),
  ),
  port: int(1, 65535),
  replicas: z._default(int(1, 1000), 2),
  slotLabel: z._default(nonEmpty(), 'app.vividcode.io/deployment-type'),
  strategy: z._default(z.enum(['blue-green', 'red-black']), 'blue-green'),
  scaleDownIdle: z._default(z.boolean(), false),
  bakeTime: z._default(duration, 1800),
  rolloutTimeout: z._default(duration, 600),
  maxWeightStep: z._default(int(1, 100), 25),
  virtualService: z.optional(dnsName('virtualService')),
  routeName: z.optional(nonEmpty()),
  headerRouteName: z.optional(nonEmpty()),
  userHeader: z._default(
    z.string().check(z.toLowerCase(), z.regex(HEADER_TOKEN, 'userHeader must be an HTTP header name')),
    'x-user-id',
  ),
  approvalRequired: z._default(z.array(approvalAction), ['promote', 'teardown', 'weight-step']),
  approvers: z._default(z.array(nonEmpty()), []),
  allowedUsers: z._default(z.array(nonEmpty()), []),
  allowedChannels: z._default(z.array(nonEmpty()), []),
  cluster: z._default(clusterSchema, { context: 'default' }),
  /** Automated canary analysis; a service without the block gets the defaults (canarySettings). */
  canary: z.optional(canarySchema),
});

const serviceSchema = z.pipe(
  serviceFields,
  z.transform((s: z.output<typeof serviceFields>) => ({
    ...s,
    virtualService: s.virtualService ?? `${s.name}-deployment`,
    routeName: s.routeName ?? `${s.name}-http`,
    headerRouteName: s.headerRouteName ?? `${s.name}-latest`,
  })),
);

const configSchema = z
  .strictObject({
    services: z.array(serviceSchema).check(z.minLength(1, 'services must list at least one service')),
  })
  .check(
    z.superRefine((config, ctx) => {
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
    }),
  );

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

/**
 * Reads and validates a YAML config file (default: $GRAY_CONFIG, else ./gray.config.yaml). Throws
 * ConfigError: "cannot read gray.config.yaml (in /srv/app): no such file; pass --config <file> to the
 * CLI or set GRAY_CONFIG to the config file's path", "… is not valid YAML: …", "… is invalid: <field>: …".
 */
export function loadGrayConfig(path = process.env.GRAY_CONFIG ?? 'gray.config.yaml'): GrayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const where = isAbsolute(path) ? path : `${path} (in ${process.cwd()})`;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new ConfigError(
      `cannot read ${where}: ${why}; pass --config <file> to the CLI or set GRAY_CONFIG to the config file's path`,
      { cause: error },
    );
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
