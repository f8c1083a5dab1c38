// The Prometheus adapter against a real Prometheus (Debian's package) scraping the loopback Istio
// exporter every second: the canary's own queries, the API's special values and errors, the `time`
// parameter, an unreachable server, SigV4 signing checked by a loopback signer in front, and the
// in-cluster path through our Kubernetes API server's service proxy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrayConfig } from '../../../functions/config.js';
import { kubeConfigFileSource } from '../../../functions/kubernetes/kubeconfig-source.js';
import { KubernetesProxyTransport } from '../../../functions/prometheus/kubernetes-proxy-transport.js';
import {
  PrometheusMetricsSource,
  UrlTransport,
} from '../../../functions/prometheus/prometheus-metrics-source.js';
import {
  P99_QUERY,
  queryVars,
  REQUESTS_QUERY,
  renderQuery,
  SUCCESS_RATE_QUERY,
} from '../../../functions/release/canary/queries.js';
import { createMetricsResolver } from '../../../functions/wiring.js';
import { findFreePort } from '../../support/dynamodb-local.js';
import { expectedP99, type IstioExporter, startIstioExporter } from '../../support/istio-exporter.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';
import { type LocalPrometheus, startPrometheus } from '../../support/prometheus.js';

let exporter: IstioExporter;
let prometheus: LocalPrometheus;
let source: PrometheusMetricsSource;

const service = { name: 'address-service', namespace: 'happyride' };
const query = (template: string, slot: 'blue' | 'green') =>
  source.query(renderQuery(template, queryVars(service, slot, 10)));
const rounded = (value: number | undefined) => (value === undefined ? value : Number(value.toFixed(6)));

beforeAll(async () => {
  exporter = await startIstioExporter();
  exporter.set('address-service-blue', { rps: 50, latencyMs: 40 });
  exporter.set('address-service-green', { rps: 20, errorRate: 0.05, latencyMs: 120 });
  prometheus = await startPrometheus([exporter.target]);
  await prometheus.waitForScrapes(3);
  source = new PrometheusMetricsSource(new UrlTransport(prometheus.url));
});
afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

describe('PrometheusMetricsSource', () => {
  it("reads the canary's success rate and p99 of both workloads from Istio's series", async () => {
    const values = await Promise.all([
      query(SUCCESS_RATE_QUERY, 'blue'),
      query(SUCCESS_RATE_QUERY, 'green'),
      query(P99_QUERY, 'blue'),
      query(P99_QUERY, 'green'),
    ]);

    expect(values.map(rounded)).toEqual([100, 95, expectedP99(40), expectedP99(120)]);
    expect([expectedP99(40), expectedP99(120)]).toEqual([49.75, 248.5]);
  });

  it('counts the requests a workload served in the window', async () => {
    const [blue, green] = await Promise.all([query(REQUESTS_QUERY, 'blue'), query(REQUESTS_QUERY, 'green')]);

    // Three or more scrapes 1 s apart: at least 2 s of traffic at 50 and 20 requests per second, and
    // no more than the 10 s window (plus a scrape of extrapolation) holds.
    expect(blue).toBeGreaterThanOrEqual(100);
    expect(blue).toBeLessThanOrEqual(50 * 11);
    expect(green).toBeGreaterThanOrEqual(40);
    expect(green).toBeLessThanOrEqual(20 * 11);
  });

  it('gives undefined for an empty vector and for NaN, Infinity for +Inf, and a scalar as it is', async () => {
    expect(await source.query('istio_requests_total{destination_workload="nobody"}')).toBeUndefined();
    expect(await source.query('vector(0) / vector(0)')).toBeUndefined();
    expect(await source.query('vector(1) / vector(0)')).toBe(Number.POSITIVE_INFINITY);
    expect(await source.query('scalar(vector(2.5))')).toBe(2.5);
  });

  it('evaluates at the time it is given (epoch seconds), else at its own now', async () => {
    const at = Math.floor(Date.now() / 1000) - 30;

    expect(await source.query('time()', at)).toBe(at);
    expect(Math.abs((await source.query('time()'))! - Date.now() / 1000)).toBeLessThan(5);
  });

  it("refuses with Prometheus' own message for bad PromQL and for several series", async () => {
    await expect(source.query('sum(rate(istio_requests_total[5m]')).rejects.toThrow(
      `Prometheus at ${prometheus.url} refused the query (HTTP 400, bad_data: invalid parameter "query": 1:34: parse error: unclosed left parenthesis)`,
    );
    await expect(source.query('sum by (destination_workload) (istio_requests_total)')).rejects.toThrow(
      'the query returned 2 series where gray needs one number; aggregate it, like sum(…)',
    );
  });

  it('says the server is unreachable when nothing listens', async () => {
    const port = await findFreePort();
    const down = new PrometheusMetricsSource(new UrlTransport(`http://127.0.0.1:${port}`));

    await expect(down.query('vector(1)')).rejects.toMatchObject({
      code: 'metrics_unavailable',
      message: `Prometheus at http://127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
    });
  });
});

describe('UrlTransport with SigV4 (Amazon Managed Prometheus)', () => {
  const credentials = { accessKeyId: 'AKIDGRAYTEST', secretAccessKey: 'gray-test-secret' };
  let signer: Server;
  let signerUrl: string;
  const seen: { authorization?: string; verified: boolean }[] = [];

  beforeAll(async () => {
    // Re-signs each request with the same credentials and x-amz-date and forwards it only when the
    // signatures match, as AMP's front end verifies them (service `aps`, the workspace's region).
    const verifier = new SignatureV4({ credentials, region: 'eu-west-1', service: 'aps', sha256: Sha256 });
    signer = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://placeholder');
      const { authorization, ...headers } = request.headers as Record<string, string>;
      const amzDate = headers['x-amz-date'] ?? '';
      const signingDate = new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      );
      const query: Record<string, string> = {};
      for (const [key, value] of url.searchParams) query[key] = value;
      const expected = await verifier.sign(
        new HttpRequest({
          method: 'GET',
          protocol: 'http:',
          hostname: '127.0.0.1',
          path: url.pathname,
          query,
          headers: { accept: headers.accept ?? '', host: headers.host ?? '' },
        }),
        { signingDate },
      );
      const verified = expected.headers.authorization === authorization;
      seen.push({ ...(authorization ? { authorization } : {}), verified });
      if (!verified) {
        response
          .writeHead(403, { 'content-type': 'application/json' })
          .end('{"message":"signature mismatch"}');
        return;
      }
      const upstream = await fetch(
        `${prometheus.url}${url.pathname.replace(/^\/workspaces\/ws-test/, '')}${url.search}`,
      );
      response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    await new Promise<void>((resolve) => signer.listen(0, '127.0.0.1', resolve));
    signerUrl = `http://127.0.0.1:${(signer.address() as AddressInfo).port}/workspaces/ws-test`;
  });
  afterAll(() => new Promise<void>((resolve) => signer.close(() => resolve())));

  it('signs each query for service aps in the region, query string included', async () => {
    const signed = new PrometheusMetricsSource(
      new UrlTransport(signerUrl, { sigv4: { region: 'eu-west-1', credentials } }),
    );

    expect(await signed.query('scalar(vector(7))')).toBe(7);
    expect(seen.at(-1)?.verified).toBe(true);
    expect(seen.at(-1)?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDGRAYTEST\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('reports a refused signature with the HTTP status', async () => {
    const wrong = new PrometheusMetricsSource(
      new UrlTransport(signerUrl, {
        sigv4: { region: 'eu-west-1', credentials: { ...credentials, secretAccessKey: 'wrong' } },
      }),
    );

    await expect(wrong.query('vector(1)')).rejects.toThrow(
      `Prometheus at ${signerUrl} refused the query (HTTP 403, status missing)`,
    );
    expect(seen.at(-1)?.verified).toBe(false);
  });
});

describe('KubernetesProxyTransport (the in-cluster Prometheus through the API server)', () => {
  let kube: KubeApiServer;
  const target = { namespace: 'istio-system', name: 'prometheus', port: 9090, scheme: 'http' as const };

  beforeAll(async () => {
    kube = await startKubeApiServer();
    kube.putObject('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'prometheus', namespace: 'istio-system' },
      spec: { selector: { app: 'prometheus' }, ports: [{ name: 'http', port: 9090, targetPort: 9090 }] },
    });
  });
  afterAll(() => kube.close());

  it("queries through /services/prometheus:9090/proxy with the cluster's own credentials (wired from config)", async () => {
    kube.setServiceEndpoint('istio-system', 'prometheus', 9090, prometheus.url);
    const config = parseGrayConfig({
      services: [{ name: 'address-service', namespace: 'happyride', host: 'a.b', image: 'a/b', port: 8080 }],
    });
    const metricsFor = createMetricsResolver({ kubeconfigYaml: kube.kubeConfigYaml('happyride') });
    kube.clearLog();

    const value = await metricsFor(config.services[0]!).query('scalar(vector(42))');

    expect(value).toBe(42);
    expect(kube.requests.map((r) => [r.method, r.path, r.query.query, r.status])).toEqual([
      [
        'GET',
        '/api/v1/namespaces/istio-system/services/prometheus:9090/proxy/api/v1/query',
        'scalar(vector(42))',
        200,
      ],
    ]);
    expect(kube.authLog.at(-1)).toMatchObject({ token: kube.token, accepted: true });
  });

  it('says why when the API server cannot proxy: no endpoints, or no such Service', async () => {
    const source = kubeConfigFileSource({ yaml: kube.kubeConfigYaml('happyride') });
    const noEndpoints = new PrometheusMetricsSource(
      new KubernetesProxyTransport(source, { ...target, port: 9091 }),
    );
    const missing = new PrometheusMetricsSource(
      new KubernetesProxyTransport(source, { ...target, name: 'prom' }),
    );

    await expect(noEndpoints.query('vector(1)')).rejects.toThrow(
      'the Kubernetes API server did not proxy to Prometheus istio-system/prometheus:9091 (through the Kubernetes API server): no endpoints available for service "prometheus" (HTTP 503); check the Service and that gray may get services/proxy in istio-system',
    );
    await expect(missing.query('vector(1)')).rejects.toThrow(
      'the Kubernetes API server did not proxy to Prometheus istio-system/prom:9090 (through the Kubernetes API server): services "prom" not found (HTTP 404)',
    );
  });

  it('renews credentials once after a 401 (an expired EKS token)', async () => {
    kube.setServiceEndpoint('istio-system', 'prometheus', 9090, prometheus.url);
    const stale = new KubeConfig();
    stale.loadFromString(kube.kubeConfigYaml('happyride').replace(kube.token, 'expired-token'));
    const fresh = new KubeConfig();
    fresh.loadFromString(kube.kubeConfigYaml('happyride'));
    let current = stale;
    let renewals = 0;
    const source = {
      load: async () => current,
      renew: async () => {
        renewals++;
        current = fresh;
      },
    };

    const value = await new PrometheusMetricsSource(new KubernetesProxyTransport(source, target)).query(
      'scalar(vector(3))',
    );

    expect([value, renewals]).toEqual([3, 1]);
  });
});
