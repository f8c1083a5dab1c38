/**
 * SSM GetParameter (JSON 1.1 protocol) over a signed fetch, for the Slack secrets of every function:
 * the SDK's SSM client (through Powertools parameters) cost ~120 ms of import on every cold start,
 * for one call per container.
 */

import { type AwsCredentials, awsEndpoint, signedFetch } from '../aws/signed-fetch.js';
import { ConfigError } from '../release/errors.js';

/** Where and as whom to ask SSM. */
export interface SsmOptions {
  region: string;
  credentials: AwsCredentials;
  /** Base URL of SSM; default `https://ssm.<region>.amazonaws.com` (the SDK's AWS_ENDPOINT_URL_SSM locally). */
  endpoint?: string;
}

/**
 * Reads one parameter with decryption (a SecureString's plain value). `envName` is the variable that
 * named it, for the message. Throws ConfigError naming the parameter when SSM refuses or it is empty —
 * the same words as resolveSlackSecrets.
 */
export async function getDecryptedParameter(
  name: string,
  envName: string,
  options: SsmOptions,
): Promise<string> {
  let value: string | undefined;
  try {
    const response = await signedFetch({
      service: 'ssm',
      region: options.region,
      credentials: options.credentials,
      url: `${(options.endpoint ?? awsEndpoint('ssm', options.region)).replace(/\/+$/, '')}/`,
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameter',
      },
      body: JSON.stringify({ Name: name, WithDecryption: true }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      Parameter?: { Value?: string };
      message?: string;
      Message?: string;
      __type?: string;
    };
    if (!response.ok) {
      throw new Error(body.message ?? body.Message ?? `${response.status} ${body.__type ?? ''}`.trim());
    }
    value = body.Parameter?.Value;
  } catch (error) {
    throw new ConfigError(
      `cannot read SSM parameter ${name} (${envName}): ${(error as Error).message}; create it as a SecureString in this region and let the function's role ssm:GetParameter it`,
      { cause: error },
    );
  }
  if (!value) {
    throw new ConfigError(`SSM parameter ${name} (${envName}) is empty; put the Slack app's value in it`);
  }
  return value;
}
