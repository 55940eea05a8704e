import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

/**
 * A real JWT issuer for tests: an ES256 key pair whose public half is served as a JWKS document
 * over HTTP (as an identity provider's /.well-known/jwks.json), and a function signing tokens.
 */
export async function startJwtIssuer(): Promise<{ jwksUrl: string; sign(claims: JWTPayload, options?: { expiresIn?: string }): Promise<string>; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (claims, options = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test-key' }).setIssuedAt().setExpirationTime(options.expiresIn ?? '5m').sign(privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
