import { describe, expect, it } from 'vitest';
import {
  createEksToken,
  type EksCredentials,
  stsEndpointForRegion,
} from '../../../functions/kubernetes/eks-token.js';
import { ConfigError } from '../../../functions/release/errors.js';
import {
  checkEksToken,
  computePresignedSignature,
  decodeEksToken,
} from '../../support/eks-token-verifier.js';

const NOW = new Date('2025-03-04T05:06:07.000Z');
const LONG_TERM: EksCredentials = {
  accessKeyId: 'AKIDEXAMPLE00000000',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SESSION: EksCredentials = {
  accessKeyId: 'ASIAEXAMPLE0000000000',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def=',
};
const TOKEN_SHAPE = /^k8s-aws-v1\.[A-Za-z0-9_-]+$/;

function rawBase64(token: string): string {
  return Buffer.from(decodeEksToken(token).href, 'utf8').toString('base64');
}

describe('createEksToken', () => {
  it.each([
    ['long-term credentials', LONG_TERM],
    ['session credentials', SESSION],
  ])('makes an aws-iam-authenticator token from %s', async (_label, credentials) => {
    const { token, expiresAt } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials,
      now: NOW,
    });

    expect(token).toMatch(TOKEN_SHAPE);
    const url = decodeEksToken(token);
    expect(url.href.startsWith('https://sts.eu-west-1.amazonaws.com/?')).toBe(true);
    expect(url.href).toContain('Action=GetCallerIdentity');
    expect(url.href).toContain('Version=2011-06-15');
    expect(url.href).toContain('X-Amz-Expires=60');
    expect(url.href).toContain('X-Amz-SignedHeaders=host%3Bx-k8s-aws-id');
    expect(url.href).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20250304T050607Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      `${credentials.accessKeyId}/20250304/eu-west-1/sts/aws4_request`,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken ?? null);
    expect(url.href.includes('X-Amz-Security-Token')).toBe(credentials.sessionToken !== undefined);
    expect(expiresAt).toEqual(new Date(NOW.getTime() + 14 * 60_000));
  });

  it.each([
    ['long-term credentials', LONG_TERM],
    ['session credentials', SESSION],
  ])('signs with SigV4 as an independent computation does (%s)', async (_label, credentials) => {
    const { token } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials,
      now: NOW,
    });
    const url = decodeEksToken(token);

    const signature = computePresignedSignature(url, 'prod', credentials.secretAccessKey);

    expect(url.searchParams.get('X-Amz-Signature')).toBe(signature);
    expect(computePresignedSignature(url, 'staging', credentials.secretAccessKey)).not.toBe(signature);
    const verifying = { clusterName: 'prod', stsHost: 'sts.eu-west-1.amazonaws.com', now: NOW.getTime() };
    expect(
      checkEksToken(token, { ...verifying, secretAccessKey: credentials.secretAccessKey }),
    ).toBeUndefined();
    expect(checkEksToken(token, { ...verifying, secretAccessKey: 'another-secret' })).toMatch(/signature/);
  });

  it('never pads the base64url, whatever the URL length needs (0, 1 or 2 "=")', async () => {
    const found = new Map<number, { token: string; raw: string }>();
    // The cluster name is a signed header, not part of the URL, so the session token's length is
    // what moves the URL length through its residues mod 3.
    for (let extra = 0; found.size < 3 && extra < 12; extra++) {
      const credentials = { ...SESSION, sessionToken: `${SESSION.sessionToken}${'A'.repeat(extra)}` };
      const { token } = await createEksToken({
        clusterName: 'prod',
        region: 'us-east-1',
        credentials,
        now: NOW,
      });
      const raw = rawBase64(token);
      const padding = raw.length - raw.replace(/=+$/, '').length;
      if (!found.has(padding)) found.set(padding, { token, raw });
    }

    expect([...found.keys()].sort()).toEqual([0, 1, 2]);
    for (const [padding, { token, raw }] of found) {
      const encoded = token.slice('k8s-aws-v1.'.length);
      expect(token).toMatch(TOKEN_SHAPE);
      expect(token.includes('=')).toBe(false);
      expect(raw.length % 4).toBe(0);
      expect(encoded.length % 4).toBe([0, 3, 2][padding]);
      expect(encoded).toBe(raw.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'));
    }
  });

  it('signs for the China partition host in cn-north-1', async () => {
    const { token } = await createEksToken({
      clusterName: 'prod',
      region: 'cn-north-1',
      credentials: LONG_TERM,
      now: NOW,
    });

    const url = decodeEksToken(token);
    expect(url.host).toBe('sts.cn-north-1.amazonaws.com.cn');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      computePresignedSignature(url, 'prod', LONG_TERM.secretAccessKey),
    );
  });

  it('expires with the credentials when they expire within 14 minutes', async () => {
    const expiration = new Date(NOW.getTime() + 10 * 60_000);

    const { expiresAt } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: async () => ({ ...SESSION, expiration }),
      now: NOW,
    });

    expect(expiresAt).toEqual(expiration);
  });
});

describe('stsEndpointForRegion', () => {
  it.each([
    ['us-east-1', 'aws', 'sts.us-east-1.amazonaws.com'],
    ['eu-west-1', 'aws', 'sts.eu-west-1.amazonaws.com'],
    ['cn-northwest-1', 'aws-cn', 'sts.cn-northwest-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'sts.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'sts.us-iso-east-1.c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sts.us-isob-east-1.sc2s.sgov.gov'],
    ['us-isof-south-1', 'aws-iso-f', 'sts.us-isof-south-1.csp.hci.ic.gov'],
    ['eu-isoe-west-1', 'aws-iso-e', 'sts.eu-isoe-west-1.cloud.adc-e.uk'],
    ['eusc-de-east-1', 'aws-eusc', 'sts.eusc-de-east-1.amazonaws.eu'],
  ])('maps %s to partition %s, host %s', (region, partition, host) => {
    expect(stsEndpointForRegion(region)).toEqual({ partition, host });
  });

  it('refuses a malformed region with a ConfigError', () => {
    expect(() => stsEndpointForRegion('Europe')).toThrow(ConfigError);
    expect(() => stsEndpointForRegion('eu-west-1.evil.example')).toThrow(/not an AWS region/);
  });
});
