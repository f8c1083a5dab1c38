// A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with node-forge. Key generation
// is the slow part, so the material is made once per process and shared by every server started in it.
import forge from 'node-forge';

/** PEM material for an HTTPS server and the CA a client must trust to reach it. */
export interface TlsMaterial {
  /** The CA certificate, PEM. Kubeconfig / EKS carry it base64-encoded as `certificate-authority-data`. */
  caPem: string;
  /** The server certificate (SAN IP 127.0.0.1, DNS localhost), PEM, signed by the CA. */
  certPem: string;
  /** The server's private key, PEM (PKCS#1). */
  keyPem: string;
}

let cached: Promise<TlsMaterial> | undefined;

/** Returns this process's CA + server certificate, generating them (RSA 2048) on first call only. */
export function getTlsMaterial(): Promise<TlsMaterial> {
  cached ??= generateKeyPair().then(async (caKeys) => makeMaterial(caKeys, await generateKeyPair()));
  return cached;
}

function generateKeyPair(): Promise<forge.pki.rsa.KeyPair> {
  // forge hands this to node:crypto's native generateKeyPair when it can, so it takes milliseconds.
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits: 2048, workers: -1 }, (err, keys) =>
      err ? reject(err) : resolve(keys),
    );
  });
}

function makeMaterial(caKeys: forge.pki.rsa.KeyPair, serverKeys: forge.pki.rsa.KeyPair): TlsMaterial {
  const caSubject = [{ name: 'commonName', value: 'gray-test-kubernetes-ca' }];
  const ca = newCertificate(caKeys.publicKey, '01', caSubject, caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = newCertificate(
    serverKeys.publicKey,
    '02',
    [{ name: 'commonName', value: 'kube-apiserver' }],
    caSubject,
  );
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

function newCertificate(
  publicKey: forge.pki.PublicKey,
  serial: string,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial;
  // Backdated a day so clock skew between test processes never makes the certificate "not yet valid".
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}
