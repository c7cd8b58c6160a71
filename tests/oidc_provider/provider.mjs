// A real OpenID Connect provider for the hub's sign-in tests (oidc-provider, the certified
// Node implementation), configured from one JSON argument:
//   {"port": 0, "clients": [{client_id, client_secret, redirect_uris}], "accounts": ["alice"],
//    "lifetime_s": 300, "jwks": {"keys": [private JWKs]}}
// (without "jwks", the provider signs with keys of its own making).
// It listens on 127.0.0.1 only, prints "listening <issuer>" once ready, and stops by itself:
// after lifetime_s, or as soon as its standard input closes (the test that started it is gone).
// Sign-in uses the provider's own login and consent pages (its development interactions):
// any password is accepted for a listed account, and an account not listed is refused.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = new Set(config.accounts ?? []);

const provider = new Provider(issuer, {
  clients: (config.clients ?? []).map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  async findAccount(ctx, id) {
    if (!accounts.has(id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@idp.test`, email_verified: true };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  pkce: { required: () => true },
  cookies: { keys: ['hub-test-provider-cookie-key-not-a-secret'] },
  features: { devInteractions: { enabled: true } },
  ...(config.jwks ? { jwks: config.jwks } : {}),
});
provider.proxy = false;

const lifetime = Number(config.lifetime_s ?? 300) * 1000;
setTimeout(() => process.exit(0), lifetime);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
