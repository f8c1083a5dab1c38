import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findService, loadGrayConfig, parseGrayConfig } from '../../functions/config.js';
import { ConfigError, UnknownServiceError } from '../../functions/release/errors.js';

const SHIPPED = fileURLToPath(new URL('../../gray.config.yaml', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

const MINIMAL = {
  name: 'address-service',
  namespace: 'happyride',
  host: 'address-service.happyride.svc.cluster.local',
  image: 'happyride/happyride-address-service',
  port: 8080,
};

/** Writes `text` to a fresh temporary gray.config.yaml and returns its path. */
function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gray-config-')), 'gray.config.yaml');
  writeFileSync(path, text);
  return path;
}

/** Runs `load` and returns the ConfigError it threw (failing the test otherwise). */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadGrayConfig', () => {
  it("reads the shipped gray.config.yaml: the seed's address-service with its names and durations in seconds", () => {
    expect(loadGrayConfig(SHIPPED)).toEqual({
      services: [
        {
          name: 'address-service',
          namespace: 'happyride',
          host: 'address-service.happyride.svc.cluster.local',
          image: 'happyride/happyride-address-service',
          port: 8080,
          replicas: 2,
          slotLabel: 'app.vividcode.io/deployment-type',
          strategy: 'red-black',
          scaleDownIdle: false,
          bakeTime: 1800,
          rolloutTimeout: 600,
          maxWeightStep: 25,
          virtualService: 'address-service-deployment',
          routeName: 'address-service-http',
          headerRouteName: 'address-service-latest',
          userHeader: 'x-user-id',
          approvalRequired: ['promote', 'teardown', 'weight-step'],
          approvers: ['U0APPROVER'],
          allowedUsers: [],
          allowedChannels: [],
          cluster: { context: 'default' },
          canary: {
            steps: [1, 5, 25, 50, 100],
            interval: 300,
            failureLimit: 3,
            minRequests: 100,
            window: 300,
            maxWeight: 100,
            successRate: { min: 99 },
            latency: { p99MaxRatio: 1.2 },
            prometheus: {
              service: { namespace: 'istio-system', name: 'prometheus', port: 9090, scheme: 'http' },
            },
            checks: [],
          },
        },
      ],
    });
  });

  it('fills every default from the service name when only the required fields are given', () => {
    expect(loadGrayConfig(fixture('minimal.yaml')).services).toEqual([
      {
        ...MINIMAL,
        replicas: 2,
        slotLabel: 'app.vividcode.io/deployment-type',
        strategy: 'blue-green',
        scaleDownIdle: false,
        bakeTime: 1800,
        rolloutTimeout: 600,
        maxWeightStep: 25,
        virtualService: 'address-service-deployment',
        routeName: 'address-service-http',
        headerRouteName: 'address-service-latest',
        userHeader: 'x-user-id',
        approvalRequired: ['promote', 'teardown', 'weight-step'],
        approvers: [],
        allowedUsers: [],
        allowedChannels: [],
        cluster: { context: 'default' },
      },
    ]);
  });

  it('reads the file named by GRAY_CONFIG when no path is given', () => {
    vi.stubEnv('GRAY_CONFIG', fixture('minimal.yaml'));

    expect(loadGrayConfig().services[0]?.strategy).toBe('blue-green');
  });

  it.each([
    ['port-abc.yaml', 'services.0.port: Invalid input: expected number, received string'],
    ['unknown-field.yaml', 'services.0: Unrecognized key: "bake_time"'],
    ['duplicate-service.yaml', 'services.1.name: duplicate service address-service'],
    [
      'bad-duration.yaml',
      'services.0.bakeTime: duration "5 minutes" is not understood; write it like 90s, 30m, 2h or 1h30m',
    ],
    ['missing-host.yaml', 'services.1.host: Invalid input: expected string, received undefined'],
  ])('refuses %s with a ConfigError naming the field path', (name, problem) => {
    const path = fixture(name);

    const error = configErrorOf(() => loadGrayConfig(path));

    expect(error.message).toBe(`${path} is invalid: ${problem}`);
    expect(error.code).toBe('config');
  });

  it('refuses a file that is not YAML', () => {
    const path = fixture('not-yaml.yaml');

    const error = configErrorOf(() => loadGrayConfig(path));

    expect(error.message.startsWith(`${path} is not valid YAML: `)).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reads YAML 1.2 core scalars: yes, on and dates stay strings, 010 is ten', () => {
    const path = writeConfig(
      'services:\n  - name: address-service\n    namespace: happyride\n' +
        '    host: address-service.happyride.svc.cluster.local\n    image: happyride/app\n' +
        '    port: 8080\n    replicas: 010\n    approvers: [yes, on, 2024-01-01]\n',
    );

    const [service] = loadGrayConfig(path).services;

    expect(service?.approvers).toEqual(['yes', 'on', '2024-01-01']);
    expect(service?.replicas).toBe(10);
  });

  it('refuses an empty file, saying it is empty', () => {
    const path = writeConfig('# nothing but a comment\n');

    const error = configErrorOf(() => loadGrayConfig(path));

    expect(error.message).toBe(`${path} is not valid YAML: expected a document, but the input is empty`);
  });

  it('says to pass --config or set GRAY_CONFIG when the file cannot be read', () => {
    const path = fixture('absent.yaml');

    const error = configErrorOf(() => loadGrayConfig(path));

    expect(error.message).toBe(
      `cannot read ${path}: no such file; pass --config <file> to the CLI or set GRAY_CONFIG to the config file's path`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('names the directory a relative path was looked for in', () => {
    const error = configErrorOf(() => loadGrayConfig('no-such-gray.config.yaml'));

    expect(error.message).toBe(
      `cannot read no-such-gray.config.yaml (in ${process.cwd()}): no such file; pass --config <file> to the CLI or set GRAY_CONFIG to the config file's path`,
    );
  });

  it('says a directory is not a config file', () => {
    const error = configErrorOf(() => loadGrayConfig(tmpdir()));

    expect(error.message).toBe(
      `cannot read ${tmpdir()}: it is a directory; pass --config <file> to the CLI or set GRAY_CONFIG to the config file's path`,
    );
  });

  it('accepts an image repository on a registry with a port (regression: the colon was taken for a tag)', () => {
    const [service] = loadGrayConfig(fixture('registry-port.yaml')).services;

    expect(service?.image).toBe('localhost:5001/happyride/happyride-address-service');
    expect(service?.cluster).toEqual({ eks: { name: 'happyride', region: 'eu-west-1' } });
  });
});

describe('parseGrayConfig', () => {
  it('names the source and every bad field in one message', () => {
    const error = configErrorOf(() =>
      parseGrayConfig(
        { services: [{ ...MINIMAL, port: 0, replicas: 1.5, strategy: 'canary' }] },
        'test.yaml',
      ),
    );

    expect(error.message).toBe(
      'test.yaml is invalid: services.0.port: Too small: expected number to be >=1; ' +
        'services.0.replicas: Invalid input: expected int, received number; ' +
        'services.0.strategy: Invalid option: expected one of "blue-green"|"red-black"',
    );
  });

  it.each([
    ['happyride/app:1.0.0', 'a tag'],
    ['happyride/app@sha256:abc', 'a digest'],
    ['localhost:5001/happyride/app:1.0.0', 'a tag after a registry port'],
    ['happy ride/app', 'a space'],
  ])('refuses the image %s (%s)', (image) => {
    const error = configErrorOf(() => parseGrayConfig({ services: [{ ...MINIMAL, image }] }));

    expect(error.message).toBe(
      'gray.config.yaml is invalid: services.0.image: image is the repository without a tag, like happyride/app',
    );
  });

  it('refuses an empty service list and unknown top-level fields', () => {
    const error = configErrorOf(() => parseGrayConfig({ services: [], slack: {} }));

    expect(error.message).toBe(
      'gray.config.yaml is invalid: services: services must list at least one service; (root): Unrecognized key: "slack"',
    );
  });

  it('refuses a name that is not a DNS label', () => {
    const error = configErrorOf(() =>
      parseGrayConfig({ services: [{ ...MINIMAL, name: 'address_service' }] }),
    );

    expect(error.message).toBe(
      'gray.config.yaml is invalid: services.0.name: name must be a lower-case DNS label like address-service',
    );
  });

  it('refuses a name too long for its slot label (regression: 63 passed, the Deployment failed)', () => {
    const name = `a${'b'.repeat(57)}`;

    const error = configErrorOf(() => parseGrayConfig({ services: [{ ...MINIMAL, name }] }));

    expect(error.message).toBe(
      'gray.config.yaml is invalid: services.0.name: name must be at most 57 characters so <name>-green fits a label',
    );
    expect(
      parseGrayConfig({ services: [{ ...MINIMAL, name: name.slice(1) }] }).services[0]?.name,
    ).toHaveLength(57);
  });

  it('refuses a name starting with a digit (regression: the cluster refuses such a Service)', () => {
    const error = configErrorOf(() => parseGrayConfig({ services: [{ ...MINIMAL, name: '1address' }] }));

    expect(error.message).toBe(
      'gray.config.yaml is invalid: services.0.name: name must start with a letter, like address-service',
    );
  });

  it('stores the user header lower-case and reads number durations as seconds', () => {
    const config = parseGrayConfig({
      services: [{ ...MINIMAL, userHeader: 'X-User-Id', bakeTime: 90, rolloutTimeout: '1h30m' }],
    });

    expect(config.services[0]).toMatchObject({ userHeader: 'x-user-id', bakeTime: 90, rolloutTimeout: 5400 });
  });

  it('refuses a cluster with both a context and EKS', () => {
    const error = configErrorOf(() =>
      parseGrayConfig({
        services: [{ ...MINIMAL, cluster: { context: 'kind', eks: { name: 'x', region: 'eu-west-1' } } }],
      }),
    );

    expect(error.message.startsWith('gray.config.yaml is invalid: services.0.cluster: ')).toBe(true);
  });
});

describe('findService', () => {
  const config = loadGrayConfig(SHIPPED);

  it('returns the configured service', () => {
    expect(findService(config, 'address-service')).toBe(config.services[0]);
  });

  it('throws UnknownServiceError listing the configured services', () => {
    expect(() => findService(config, 'trip-service')).toThrow(UnknownServiceError);
    expect(() => findService(config, 'trip-service')).toThrow(
      'unknown service "trip-service"; configured services: address-service',
    );
  });
});
