/**
 * gray.config.yaml: the services gray manages. Read once at cold start (path from GRAY_CONFIG),
 * checked with zod; an invalid file stops start-up with a ConfigError naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
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
