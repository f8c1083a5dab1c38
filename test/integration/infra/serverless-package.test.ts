// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings, not JavaScript templates
// `osls package --stage test` run once (offline, no credentials) on a copy of serverless.yml; every
// assertion reads the CloudFormation template or the zips it produced. While functions/sweeper.ts does
// not exist, the copy leaves the sweeper out and the sweeper's packaged checks are skipped by name.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { grayTableDefinition } from '../../../functions/store/table.js';
import { type CfnResource, type PackagedService, packageService } from './osls-package.js';
import { readZipEntries } from './zip-entries.js';

const root = join(import.meta.dirname, '..', '..', '..');
const SWEEPER_PRESENT = existsSync(join(root, 'functions', 'sweeper.ts'));
const SWEEPER_NOTE = SWEEPER_PRESENT ? '' : ' (skipped: functions/sweeper.ts does not exist yet)';
const FUNCTIONS = SWEEPER_PRESENT ? ['slack', 'worker', 'sweeper'] : ['slack', 'worker'];

const SIGNING_PARAM = '/gray/test/slack-signing-secret';
const BOT_PARAM = '/gray/test/slack-bot-token';
const sub = (value: string) => ({ 'Fn::Sub': value });
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const ssmArn = (name: string) =>
  sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`);
const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
const logs = (fn: string) => ({
  Sid: 'Logs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: getAtt(`${fn}LogGroup`),
});
const table = { Sid: 'Table', Effect: 'Allow', Action: TABLE_ACTIONS, Resource: getAtt('GrayTable') };
const decrypt = (sid: string, parameterArns: unknown) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  Condition: {
    StringEquals: {
      'kms:ViaService': sub('ssm.${AWS::Region}.amazonaws.com'),
      'kms:EncryptionContext:PARAMETER_ARN': parameterArns,
    },
  },
});
const describeCluster = {
  Sid: 'DescribeCluster',
  Effect: 'Allow',
  Action: 'eks:DescribeCluster',
  Resource: sub('arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/happyride'),
};
const botToken = {
  Sid: 'SlackBotToken',
  Effect: 'Allow',
  Action: 'ssm:GetParameter',
  Resource: ssmArn(BOT_PARAM),
};

let packaged: PackagedService;
const resource = (id: string): CfnResource => {
  const found = packaged.template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const ofType = (type: string) =>
  Object.entries(packaged.template.Resources).filter(([, r]) => r.Type === type);
const logicalId = (fn: string) => fn[0]?.toUpperCase() + fn.slice(1);
const statements = (roleId: string) =>
  (resource(roleId).Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );

beforeAll(async () => {
  packaged = await packageService(root);
  console.info(
    `osls package --stage test: ${packaged.seconds.toFixed(1)} s (functions: ${FUNCTIONS.join(', ')})`,
  );
}, 180_000);

afterAll(() => packaged?.cleanup());

describe(`serverless.yml packaged by osls (${FUNCTIONS.join(' + ')})`, () => {
  it('packages offline: no AWS credentials and not one network connection', () => {
    expect(packaged.networkAttempts).toEqual([]);
    expect(packaged.sweeperPackaged).toBe(SWEEPER_PRESENT);
  });

  it('declares each function on nodejs22.x arm64 with its own role and 30-day logs', () => {
    expect(ofType('AWS::Lambda::Function').map(([id]) => id)).toEqual(
      FUNCTIONS.map((fn) => `${logicalId(fn)}LambdaFunction`),
    );
    for (const fn of FUNCTIONS) {
      const props = resource(`${logicalId(fn)}LambdaFunction`).Properties;
      expect(props).toMatchObject({
        Handler: `functions/${fn}.handler`,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        FunctionName: `gray-test-${fn}`,
        Role: getAtt(`${logicalId(fn)}Role`),
      });
      expect(resource(`${logicalId(fn)}LogGroup`).Properties).toEqual({
        LogGroupName: `/aws/lambda/gray-test-${fn}`,
        RetentionInDays: 30,
      });
    }
    expect(packaged.template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('routes POST /slack/events from the HTTP API to the slack function (payload 2.0)', () => {
    expect(resource('HttpApiRoutePostSlackEvents').Properties.RouteKey).toBe('POST /slack/events');
    expect(resource('HttpApiIntegrationSlack').Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt('SlackLambdaFunction'),
      PayloadFormatVersion: '2.0',
    });
  });

  it('retries a failed worker job twice, then sends it to the SQS dead-letter queue', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(configs.find((c) => JSON.stringify(c.FunctionName) === '{"Ref":"WorkerLambdaFunction"}')).toEqual({
      FunctionName: { Ref: 'WorkerLambdaFunction' },
      Qualifier: '$LATEST',
      DestinationConfig: { OnFailure: { Destination: getAtt('WorkerDeadLetterQueue') } },
      MaximumEventAgeInSeconds: 1800,
      MaximumRetryAttempts: 2,
    });
    expect(resource('WorkerDeadLetterQueue').Properties).toEqual({
      QueueName: 'gray-test-worker-dlq',
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
  });

  it.skipIf(!SWEEPER_PRESENT)(`runs the sweeper every minute without retries${SWEEPER_NOTE}`, () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules).toEqual([
      {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [{ Arn: getAtt('SweeperLambdaFunction'), Id: expect.any(String) }],
      },
    ]);
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    expect(
      configs.find((c) => JSON.stringify(c.FunctionName) === '{"Ref":"SweeperLambdaFunction"}'),
    ).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('declares the sweeper with rate(1 minute) in serverless.yml itself (static, runs without sweeper.ts)', () => {
    const config = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'));
    expect(config.functions.sweeper).toMatchObject({
      handler: 'functions/sweeper.handler',
      role: 'SweeperRole',
      maximumRetryAttempts: 0,
      events: [{ schedule: { rate: 'rate(1 minute)' } }],
    });
  });

  it('creates the table exactly as grayTableDefinition, with PITR, deletion protection and SSE', () => {
    const { createTable, timeToLive } = grayTableDefinition('gray-test');
    const table = resource('GrayTable');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toEqual({
      TableName: createTable.TableName,
      BillingMode: createTable.BillingMode,
      AttributeDefinitions: createTable.AttributeDefinitions,
      KeySchema: createTable.KeySchema,
      GlobalSecondaryIndexes: createTable.GlobalSecondaryIndexes,
      TimeToLiveSpecification: timeToLive.TimeToLiveSpecification,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('gives functions secret parameter NAMES only, never secret values', () => {
    const common = {
      NODE_OPTIONS: '--enable-source-maps',
      GRAY_TABLE_NAME: 'gray-test',
      GRAY_CONFIG: '/var/task/gray.config.yaml',
      GRAY_DISPATCH: 'lambda',
      GRAY_WORKER_FUNCTION: 'gray-test-worker',
      SLACK_BOT_TOKEN_PARAM: BOT_PARAM,
    };
    const env = (fn: string) =>
      (resource(`${logicalId(fn)}LambdaFunction`).Properties.Environment as { Variables: object }).Variables;
    expect(env('slack')).toEqual({ ...common, SLACK_SIGNING_SECRET_PARAM: SIGNING_PARAM });
    expect(env('worker')).toEqual(common);
    if (SWEEPER_PRESENT) expect(env('sweeper')).toEqual(common);
    const text = JSON.stringify(packaged.template);
    expect(text).not.toMatch(/xox[abpr]-|SLACK_SIGNING_SECRET"|SLACK_BOT_TOKEN"/);
  });

  it('grants the slack role exactly invoking the worker and reading the signing secret (no table, no bot token)', () => {
    expect(statements('SlackRole')).toEqual([
      logs('Slack'),
      {
        Sid: 'InvokeWorker',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: getAtt('WorkerLambdaFunction'),
      },
      {
        Sid: 'SlackSigningSecret',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: ssmArn(SIGNING_PARAM),
      },
      decrypt('DecryptSlackSigningSecret', ssmArn(SIGNING_PARAM)),
    ]);
  });

  it('grants the worker role exactly the table, DescribeCluster on one cluster, the bot token and the DLQ', () => {
    expect(statements('WorkerRole')).toEqual([
      logs('Worker'),
      table,
      describeCluster,
      botToken,
      decrypt('DecryptSlackBotToken', ssmArn(BOT_PARAM)),
      {
        Sid: 'DeadLetterQueue',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: getAtt('WorkerDeadLetterQueue'),
      },
    ]);
  });

  it.skipIf(!SWEEPER_PRESENT)(
    `grants the sweeper role the worker's table rights plus Query on gsi1${SWEEPER_NOTE}`,
    () => {
      expect(statements('SweeperRole')).toEqual([
        logs('Sweeper'),
        table,
        {
          Sid: 'DueIndex',
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: sub('${GrayTable.Arn}/index/gsi1'),
        },
        describeCluster,
        botToken,
        {
          'Fn::If': [
            'QueriesManagedPrometheus',
            {
              Sid: 'ManagedPrometheusQuery',
              Effect: 'Allow',
              Action: 'aps:QueryMetrics',
              Resource: sub('arn:${AWS::Partition}:aps:${AWS::Region}:${AWS::AccountId}:workspace/none'),
            },
            { Ref: 'AWS::NoValue' },
          ],
        },
        decrypt('DecryptSlackBotToken', ssmArn(BOT_PARAM)),
      ]);
    },
  );

  it.skipIf(!SWEEPER_PRESENT)(
    `grants aps:QueryMetrics only when a Managed Prometheus workspace is given${SWEEPER_NOTE}`,
    () => {
      expect(packaged.template.Conditions?.QueriesManagedPrometheus).toEqual({
        'Fn::Not': [{ 'Fn::Equals': ['none', 'none'] }],
      });
    },
  );

  it('uses no wildcard resource except KMS keys held to SSM and the exact parameters', () => {
    const roles = ofType('AWS::IAM::Role').map(([id]) => id);
    expect(roles).toEqual(FUNCTIONS.map((fn) => `${logicalId(fn)}Role`));
    type Statement = { Action: unknown; Resource: unknown; Condition?: { StringEquals: object } };
    // A conditional statement (Fn::If: [condition, statement, AWS::NoValue]) counts by its statement.
    const all = roles
      .flatMap((role) => statements(role) as (Statement | { 'Fn::If': [string, Statement, unknown] })[])
      .map((s) => ('Fn::If' in s ? s['Fn::If'][1] : s));
    expect(all.filter((s) => JSON.stringify(s.Action).includes('*'))).toEqual([]);
    const wildcard = all.filter((s) => JSON.stringify(s.Resource).includes('*'));
    expect(wildcard.map((s) => [s.Action, Object.keys(s.Condition?.StringEquals ?? {})])).toEqual(
      roles.map(() => ['kms:Decrypt', ['kms:ViaService', 'kms:EncryptionContext:PARAMETER_ARN']]),
    );
  });

  it('maps the worker (and sweeper) role to gray-operators, the group rbac.yaml binds', () => {
    const entries = ofType('AWS::EKS::AccessEntry').map(([, r]) => r.Properties);
    expect(entries).toEqual(
      FUNCTIONS.filter((fn) => fn !== 'slack').map((fn) => ({
        ClusterName: 'happyride',
        PrincipalArn: getAtt(`${logicalId(fn)}Role`),
        Type: 'STANDARD',
        KubernetesGroups: ['gray-operators'],
      })),
    );
    const rbac = parseAllDocuments(readFileSync(join(root, 'infra', 'kubernetes', 'rbac.yaml'), 'utf8')).map(
      (d) => d.toJS(),
    );
    const binding = rbac.find((doc) => doc.kind === 'RoleBinding');
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'gray-operators' },
    ]);
  });

  it('alarms on every function error and throttle and on any message in the DLQ', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const summary = alarms.map((a) => {
      const dimension = (a.Dimensions as { Value: unknown }[])[0]?.Value;
      return `${a.Namespace} ${a.MetricName} ${JSON.stringify(dimension)} ${a.ComparisonOperator} ${a.Threshold}`;
    });
    expect(summary.sort()).toEqual(
      [
        ...FUNCTIONS.flatMap((fn) =>
          ['Errors', 'Throttles'].map(
            (metric) =>
              `AWS/Lambda ${metric} {"Ref":"${logicalId(fn)}LambdaFunction"} GreaterThanThreshold 0`,
          ),
        ),
        'AWS/SQS ApproximateNumberOfMessagesVisible {"Fn::GetAtt":["WorkerDeadLetterQueue","QueueName"]} GreaterThanThreshold 0',
      ].sort(),
    );
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('ships each function as one ESM bundle plus gray.config.yaml, importing only the runtime AWS SDK', () => {
    const config = readFileSync(join(root, 'gray.config.yaml'));
    for (const fn of FUNCTIONS) {
      const zip = readZipEntries(join(packaged.artifacts, `${fn}.zip`));
      expect([...zip.keys()].sort()).toEqual([
        `functions/${fn}.mjs`,
        `functions/${fn}.mjs.map`,
        'gray.config.yaml',
      ]);
      expect(zip.get('gray.config.yaml')).toEqual(config);
      const bundle = zip.get(`functions/${fn}.mjs`)?.toString('utf8') ?? '';
      expect(bundle.split('\n')[0]).toBe(
        "import { createRequire as __grayCreateRequire } from 'node:module'; const require = __grayCreateRequire(import.meta.url);",
      );
      expect(bundle).toMatch(/^export\s*\{[^}]*\bhandler\b[^}]*\};?$/m);
      const specifiers = [...bundle.matchAll(/^import\s(?:[^;'"]*?\sfrom\s*)?["']([^"']+)["'];?$/gm)].map(
        (m) => m[1],
      );
      const external = [...new Set(specifiers)].filter(
        (s) => s !== undefined && !s.startsWith('node:') && !builtinModules.includes(s),
      );
      expect(external.every((s) => s?.startsWith('@aws-sdk/'))).toBe(true);
      // The document client and its client come from the same runtime release, never one bundled and one not.
      // The slack function loads no SDK client at all (signed fetches; functions/aws/signed-fetch.ts).
      if (fn === 'slack') expect(external).toEqual([]);
      if (fn === 'worker') {
        expect(external).toEqual(
          expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']),
        );
      }
    }
  });
});
