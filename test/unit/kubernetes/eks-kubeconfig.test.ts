import type { RequestOptions } from 'node:https';
import { describe, expect, it } from 'vitest';
import { EKS_CONTEXT, kubeConfigFromConnection } from '../../../functions/kubernetes/eks-kubeconfig.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const CONNECTION = {
  server: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
  caData: Buffer.from(PEM).toString('base64'),
  token: 'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v',
};

describe('kubeConfigFromConnection', () => {
  it('puts the EKS server, CA and bearer token into one current context', () => {
    const kubeConfig = kubeConfigFromConnection(CONNECTION, 'happyride');

    expect(kubeConfig.getCurrentContext()).toBe(EKS_CONTEXT);
    expect(kubeConfig.getCurrentCluster()).toEqual({
      name: EKS_CONTEXT,
      server: CONNECTION.server,
      caData: CONNECTION.caData,
      skipTLSVerify: false,
    });
    expect(kubeConfig.getCurrentUser()).toEqual({ name: EKS_CONTEXT, token: CONNECTION.token });
    expect(kubeConfig.getContextObject(EKS_CONTEXT)?.namespace).toBe('happyride');
  });

  it('leaves the namespace unset when none is given', () => {
    expect(kubeConfigFromConnection(CONNECTION).getContextObject(EKS_CONTEXT)?.namespace).toBeUndefined();
  });

  it('makes client-node send the token as a Bearer header and trust the decoded CA', async () => {
    const options: RequestOptions = {};

    await kubeConfigFromConnection(CONNECTION).applyToHTTPSOptions(options);

    expect(options.headers).toEqual({ Authorization: `Bearer ${CONNECTION.token}` });
    expect(String(options.ca)).toBe(PEM);
  });
});
