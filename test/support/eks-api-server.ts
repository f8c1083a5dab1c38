/**
 * A loopback EKS control-plane API for tests: answers `GET /clusters/<name>` (DescribeCluster) in
 * the EKS REST-JSON shape, 404 ResourceNotFoundException for unknown clusters (error type in the
 * `x-amzn-errortype` header, as the SDK's restJson1 deserializer reads it), and counts calls.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One cluster the fake knows. `caData` is base64 of the CA PEM, as EKS returns it. */
export interface FakeEksCluster {
  name: string;
  endpoint: string;
  caData: string;
  /** Default ACTIVE. */
  status?: string;
}

/** A received DescribeCluster request. */
export interface EksApiRequest {
  clusterName: string;
  /** The SigV4 credential scope from the Authorization header, e.g. AKID/20250101/eu-west-1/eks/aws4_request. */
  credentialScope: string | undefined;
}

/** The running fake: its `endpoint` (http://127.0.0.1:<port>), the requests seen, and controls. */
export interface EksApiServer {
  endpoint: string;
  readonly requests: readonly EksApiRequest[];
  /** Adds or replaces a cluster. */
  setCluster(cluster: FakeEksCluster): void;
  close(): Promise<void>;
}

const ACCOUNT = '111122223333';

function describeClusterBody(cluster: FakeEksCluster, region: string): unknown {
  return {
    cluster: {
      name: cluster.name,
      arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${cluster.name}`,
      createdAt: 1_735_689_600.123,
      version: '1.31',
      endpoint: cluster.endpoint,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster-role`,
      resourcesVpcConfig: {
        subnetIds: ['subnet-0a1b2c3d'],
        securityGroupIds: [],
        clusterSecurityGroupId: 'sg-0a1b2c3d',
        vpcId: 'vpc-0a1b2c3d',
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        publicAccessCidrs: ['0.0.0.0/0'],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      identity: { oidc: { issuer: `https://oidc.eks.${region}.amazonaws.com/id/EXAMPLE` } },
      status: cluster.status ?? 'ACTIVE',
      certificateAuthority: { data: cluster.caData },
      platformVersion: 'eks.10',
      tags: {},
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: string, body: Record<string, unknown>): void {
  send(res, status, body, {
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.eks/`,
  });
}

/** Starts the fake on a free loopback port, serving `clusters` for `region` (default eu-west-1). */
export async function startEksApiServer(
  clusters: FakeEksCluster[],
  region = 'eu-west-1',
): Promise<EksApiServer> {
  const known = new Map(clusters.map((c) => [c.name, c]));
  const requests: EksApiRequest[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = path.match(/^\/clusters\/([^/]+)$/);
    if (req.method !== 'GET' || !match?.[1]) {
      sendError(res, 404, 'UnknownOperationException', { message: `no route for ${req.method} ${path}` });
      return;
    }
    const clusterName = decodeURIComponent(match[1]);
    const credentialScope = req.headers.authorization?.match(/Credential=([^,\s]+)/)?.[1];
    requests.push({ clusterName, credentialScope });
    const cluster = known.get(clusterName);
    if (!cluster) {
      sendError(res, 404, 'ResourceNotFoundException', {
        message: `No cluster found for name: ${clusterName}.`,
        clusterName,
      });
      return;
    }
    send(res, 200, describeClusterBody(cluster, region));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setCluster(cluster) {
      known.set(cluster.name, cluster);
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
