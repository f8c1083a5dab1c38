// The seed's charts and Istio base objects in infra/ against the objects gray's builders write for the
// same service: chart templates are rendered by a small Go-template evaluator that knows exactly the
// functions these charts use (an unknown one fails the test), then both sides are validated with the
// official schemas (kubernetes-models, @kubernetes-models/istio) and compared field by field. The only
// differences allowed are named: Helm's `managed-by: Helm` and `helm.sh/chart` label, and the defaults
// one side spells out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { findService, loadGrayConfig, type ServiceConfig } from '../../../functions/config.js';
import { buildDeployment } from '../../../functions/istio/deployment.js';
import { buildDestinationRule } from '../../../functions/istio/destination-rule.js';
import { buildService } from '../../../functions/istio/service.js';
import {
  buildHeaderRoute,
  buildVirtualService,
  readHeaderRoute,
  readWeights,
} from '../../../functions/istio/virtual-service.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import type { Slot } from '../../../functions/release/types.js';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const VERSION = '1.0.0-fe220c2';

// --- a Go-template evaluator for exactly what infra/charts uses -------------------------------------

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; expr: string }
  | { kind: 'block'; keyword: 'define' | 'with' | 'if'; expr: string; body: Node[] };
type Context = Record<string, unknown>;

function parseTemplate(source: string): Node[] {
  const tokens: Node[] = [];
  const pattern = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(pattern)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1]) text = text.replace(/\s+$/, '');
    tokens.push({ kind: 'text', text });
    tokens.push({ kind: 'action', expr: match[2] ?? '' });
    trimNext = match[3] === '-';
    last = (match.index ?? 0) + match[0].length;
  }
  tokens.push({ kind: 'text', text: trimNext ? source.slice(last).replace(/^\s+/, '') : source.slice(last) });
  const rootNodes: Node[] = [];
  const stack: Node[][] = [rootNodes];
  for (const token of tokens) {
    const top = stack[stack.length - 1] as Node[];
    if (token.kind !== 'action') {
      top.push(token);
      continue;
    }
    const block = /^(define|with|if)\s+([\s\S]+)$/.exec(token.expr);
    if (token.expr.startsWith('/*')) continue;
    if (token.expr === 'end') stack.pop();
    else if (block) {
      const node: Node = { kind: 'block', keyword: block[1] as 'define', expr: block[2] ?? '', body: [] };
      top.push(node);
      stack.push(node.body);
    } else if (/^(else|range|template|block)\b/.test(token.expr))
      throw new Error(`unsupported: {{ ${token.expr} }}`);
    else top.push(token);
  }
  return rootNodes;
}

/** Splits on `sep` outside quotes and parentheses. */
function splitTop(expr: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < expr.length; i += 1) {
    const c = expr[i] as string;
    if (c === '"' && expr[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '(') depth += 1;
    if (!quoted && c === ')') depth -= 1;
    if (!quoted && depth === 0 && sep.test(c)) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

const empty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  v === false ||
  v === 0 ||
  (typeof v === 'object' && Object.keys(v).length === 0);

class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();

  constructor(private readonly context: Context) {}

  load(source: string): string {
    return this.render(parseTemplate(source));
  }

  private render(nodes: Node[]): string {
    return nodes
      .map((node) => {
        if (node.kind === 'text') return node.text;
        if (node.kind === 'action') return this.toText(this.pipeline(node.expr));
        if (node.keyword === 'define') {
          this.defines.set(JSON.parse(node.expr), node.body);
          return '';
        }
        const value = this.pipeline(node.expr);
        if (node.keyword === 'if') return empty(value) ? '' : this.render(node.body);
        if (!empty(value)) throw new Error(`unsupported: {{ with ${node.expr} }} with a value`);
        return '';
      })
      .join('');
  }

  private toText(value: unknown): string {
    if (value === undefined || value === null) throw new Error('a template action rendered no value');
    return String(value);
  }

  private pipeline(expr: string): unknown {
    return splitTop(expr, /\|/).reduce<unknown[]>((piped, command) => [this.command(command, piped)], [])[0];
  }

  private command(command: string, piped: unknown[]): unknown {
    const [head, ...rest] = splitTop(command, /\s/);
    if (head === undefined) throw new Error('empty command');
    const args = [...rest.map((arg) => this.operand(arg)), ...piped];
    const str = (i: number) => String(args[i]);
    const functions: Record<string, () => unknown> = {
      include: () => {
        const body = this.defines.get(str(0));
        if (!body) throw new Error(`no define ${str(0)}`);
        return this.render(body);
      },
      default: () => (empty(args[1]) ? args[0] : args[1]),
      printf: () => {
        let i = 1;
        return str(0).replace(/%[sq]/g, (verb) => (verb === '%q' ? JSON.stringify(str(i++)) : str(i++)));
      },
      trunc: () => str(1).slice(0, Number(args[0])),
      trimSuffix: () => (str(1).endsWith(str(0)) ? str(1).slice(0, -str(0).length) : str(1)),
      replace: () => str(2).replaceAll(str(0), str(1)),
      quote: () => JSON.stringify(str(0)),
      nindent: () =>
        `\n${str(1)
          .split('\n')
          .map((line) => ' '.repeat(Number(args[0])) + line)
          .join('\n')}`,
      toYaml: () => stringify(args[0]).trimEnd(),
      fail: () => {
        throw new Error(`fail: ${str(0)}`);
      },
      has: () => (args[1] as unknown[]).includes(args[0]),
      list: () => args,
      not: () => empty(args[0]),
    };
    const fn = functions[head];
    if (fn) return fn();
    if (rest.length > 0 || piped.length > 0) throw new Error(`unknown template function ${head}`);
    return this.operand(head);
  }

  private operand(token: string): unknown {
    if (token.startsWith('(')) return this.pipeline(token.slice(1, -1));
    if (token.startsWith('"')) return JSON.parse(token);
    if (/^\d+$/.test(token)) return Number(token);
    if (token === '.') return this.context;
    if (token.startsWith('.')) {
      return token
        .slice(1)
        .split('.')
        .reduce<unknown>((value, key) => {
          if (value === undefined || value === null) throw new Error(`no value at ${token}`);
          return (value as Context)[key];
        }, this.context);
    }
    throw new Error(`unknown template function ${token}`);
  }
}

/** Renders `templates/<file>` of a chart under infra/charts with Helm's built-in objects. */
function renderChart(chart: string, file: string, values: Context, release: Context): unknown {
  const dir = `infra/charts/${chart}`;
  const meta = parse(read(`${dir}/Chart.yaml`)) as { name: string; version: string; appVersion: string };
  const renderer = new ChartRenderer({
    Values: { ...(parse(read(`${dir}/values.yaml`)) as Context), ...values },
    Chart: { Name: meta.name, Version: meta.version, AppVersion: meta.appVersion },
    Release: release,
  });
  renderer.load(read(`${dir}/templates/_helpers.tpl`));
  return parse(renderer.load(read(`${dir}/templates/${file}`)));
}

// --- the comparison ---------------------------------------------------------------------------------

const service: ServiceConfig = findService(loadGrayConfig(join(root, 'gray.config.yaml')), 'address-service');

function chartDeployment(slot: Slot) {
  const object = renderChart(
    'address-service',
    'deployment.yaml',
    { deploymentType: slot, appVersion: VERSION },
    { Name: `address-service-${slot}`, Namespace: service.namespace, Service: 'Helm' },
  ) as KubeObject & {
    spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: never };
  };
  new Deployment(object as never).validate();
  return object as unknown as DeploymentShape;
}

interface DeploymentShape {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: {
          name: string;
          image: string;
          imagePullPolicy?: string;
          ports: { name: string; containerPort: number }[];
        }[];
      };
    };
  };
}

/** Helm's labels as gray writes them: no chart label, managed-by gray instead of Helm. */
function asGrayLabels(labels: Record<string, string>): Record<string, string> {
  const { 'helm.sh/chart': chartLabel, ...rest } = labels;
  expect(chartLabel).toMatch(/^address-service(-common)?-0\.0\.1$/);
  expect(rest['app.kubernetes.io/managed-by']).toBe('Helm');
  return { ...rest, 'app.kubernetes.io/managed-by': 'gray' };
}

const yamlOf = (path: string) => parse(read(path)) as KubeObject;

describe('ChartRenderer (the evaluator this test renders charts with)', () => {
  it('renders pipelines, trims around {{- -}} and refuses functions it does not know', () => {
    const renderer = new ChartRenderer({ Values: { name: 'svc', empty: '' } });
    expect(
      renderer.load(
        'a:  {{- .Values.empty | default "x" | quote }}\nb: {{ printf "%s-%s" .Values.name "blue" }}',
      ),
    ).toBe('a:"x"\nb: svc-blue');
    expect(() => renderer.load('{{ upper .Values.name }}')).toThrow('unknown template function upper');
  });
});

describe('chart address-service vs buildDeployment', () => {
  it.each(['blue', 'green'] as const)(
    'renders the %s slot with the same name, selector and container',
    (slot) => {
      const chart = chartDeployment(slot);
      const gray = buildDeployment(service, slot, VERSION) as unknown as DeploymentShape;

      expect(chart.metadata.name).toBe(gray.metadata.name);
      expect(chart.spec.selector.matchLabels).toEqual(gray.spec.selector.matchLabels);
      expect(chart.spec.replicas).toBe(gray.spec.replicas);
      const [chartContainer] = chart.spec.template.spec.containers;
      expect(chartContainer).toEqual({
        ...gray.spec.template.spec.containers[0],
        imagePullPolicy: 'IfNotPresent',
      });
    },
  );

  it('labels the Deployment as gray does, but for managed-by Helm and the helm.sh/chart label', () => {
    expect(asGrayLabels(chartDeployment('green').metadata.labels)).toEqual(
      (buildDeployment(service, 'green', VERSION) as unknown as DeploymentShape).metadata.labels,
    );
  });

  it("puts the selector labels on the chart's Pods; gray's Pods add version and managed-by", () => {
    const chartPods = chartDeployment('blue').spec.template.metadata.labels;
    const grayPods = (buildDeployment(service, 'blue', VERSION) as unknown as DeploymentShape).spec.template
      .metadata.labels;
    expect(chartPods).toEqual(chartDeployment('blue').spec.selector.matchLabels);
    expect(grayPods).toEqual({
      ...chartPods,
      'app.kubernetes.io/version': VERSION,
      'app.kubernetes.io/managed-by': 'gray',
    });
  });

  it('refuses to render without a slot, as helmfile needs DEPLOYMENT_TYPE', () => {
    expect(() =>
      renderChart(
        'address-service',
        'deployment.yaml',
        { deploymentType: '' },
        { Service: 'Helm', Name: 'x' },
      ),
    ).toThrow('fail: deploymentType must be "blue" or "green", got ""; set DEPLOYMENT_TYPE');
  });
});

describe('chart address-service-common vs buildService', () => {
  const chart = renderChart(
    'address-service-common',
    'service.yaml',
    {},
    { Name: 'address-service-common', Service: 'Helm' },
  ) as {
    metadata: { name: string; labels: Record<string, string> };
    spec: {
      type: string;
      selector: Record<string, string>;
      ports: { port: number; targetPort: string | number }[];
    };
  };
  const gray = buildService(service) as unknown as typeof chart;

  it('names and labels the shared Service as gray does, selecting only app.kubernetes.io/name', () => {
    new Service(chart as never).validate();
    expect(chart.metadata.name).toBe(gray.metadata.name);
    expect(asGrayLabels(chart.metadata.labels)).toEqual(gray.metadata.labels);
    expect(chart.spec.selector).toEqual(gray.spec.selector);
    expect(chart.spec.type).toBe('ClusterIP');
    expect(gray.spec.type).toBeUndefined();
  });

  it('selects the Pods of both slots', () => {
    for (const slot of ['blue', 'green'] as const) {
      expect(chartDeployment(slot).spec.template.metadata.labels).toMatchObject(chart.spec.selector);
    }
  });

  it('targets the same container port: the chart by its name http, gray by number', () => {
    const [container] = chartDeployment('blue').spec.template.spec.containers;
    const named = container?.ports.find((p) => p.name === chart.spec.ports[0]?.targetPort);
    expect(chart.spec.ports).toEqual([{ port: 8080, targetPort: 'http', protocol: 'TCP', name: 'http' }]);
    expect(gray.spec.ports).toEqual([{ ...chart.spec.ports[0], targetPort: named?.containerPort }]);
  });
});

describe('infra/istio vs the Istio builders', () => {
  it('destination-rule.yaml has the name, host and subsets buildDestinationRule writes', () => {
    const file = yamlOf('infra/istio/destination-rule.yaml');
    new DestinationRule(file as never).validate();
    const gray = buildDestinationRule(service);
    expect(file.metadata.name).toBe(gray.metadata.name);
    expect(file.spec).toEqual(gray.spec);
  });

  it("each subset selects exactly its slot's chart Pods", () => {
    const subsets = (
      yamlOf('infra/istio/destination-rule.yaml').spec as { subsets: { name: Slot; labels: object }[] }
    ).subsets;
    for (const subset of subsets) {
      const other: Slot = subset.name === 'blue' ? 'green' : 'blue';
      expect(chartDeployment(subset.name).spec.template.metadata.labels).toMatchObject(subset.labels);
      expect(chartDeployment(other).spec.template.metadata.labels).not.toMatchObject(subset.labels);
    }
  });

  it('virtual-service.yaml is buildVirtualService at blue 100 / green 0: same name, host, route name', () => {
    const file = yamlOf('infra/istio/virtual-service.yaml');
    new VirtualService(file as never).validate();
    const gray = buildVirtualService(service, { blue: 100, green: 0 });
    expect(file.metadata.name).toBe(gray.metadata.name);
    expect(file.spec).toEqual(gray.spec);
    expect(readWeights(service, file)).toEqual({ blue: 100, green: 0 });
  });

  it("the seed's header-route file is gray's header route under the seed's route names", () => {
    const file = yamlOf('infra/istio/virtual-service-header-route.yaml');
    new VirtualService(file as never).validate();
    // The seed names its routes latest/current; gray's defaults are <svc>-latest/<svc>-http, so
    // adopting this file takes headerRouteName: latest and routeName: current in gray.config.yaml.
    const seedNames = { ...service, headerRouteName: 'latest', routeName: 'current' };
    const [latest, current] = (file.spec as { http: unknown[] }).http;
    expect(latest).toEqual(
      buildHeaderRoute(seedNames, { header: 'x-latest-version', values: ['true'], slot: 'green' }),
    );
    expect(readHeaderRoute(seedNames, file)).toEqual({
      header: 'x-latest-version',
      values: ['true'],
      slot: 'green',
    });
    expect(readWeights(seedNames, file)).toEqual({ blue: 100, green: 0 });
    expect(current).toEqual({
      name: 'current',
      route: [{ destination: { host: service.host, subset: 'blue' } }],
    });
    expect(readHeaderRoute(service, file)).toBeUndefined();
  });
});
