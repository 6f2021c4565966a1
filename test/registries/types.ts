export interface User {
  username: string;
  password: string;
}

export interface TokenRequestRecord {
  time: string;
  method: 'GET' | 'POST';
  grantType?: string;
  clientId?: string;
  service: string;
  user: string;
  scopes: string[];
  granted: string[];
  status: number;
}

export interface TokenStats {
  tokenRequests: number;
  failedRequests: number;
  /** The last 200 token requests, oldest first. */
  recent: TokenRequestRecord[];
}

export interface RunningTokenServer {
  /** Base URL; the realm is `${url}/token`. */
  url: string;
  realm: string;
  service: string;
  issuer: string;
  /** PEM of the token-signing certificate (distribution's auth.token.rootcertbundle). */
  signingCertFile: string;
  tokenRequests(): Promise<number>;
  stats(): Promise<TokenStats>;
  resetStats(): Promise<void>;
  logFile: string;
  stop(): Promise<void>;
}

export interface RunningRegistry {
  kind: 'distribution' | 'refreg' | 'olareg';
  /** '127.0.0.1:PORT', as oras references write it. */
  host: string;
  /** 'http://127.0.0.1:PORT' or 'https://...'. */
  url: string;
  /** refreg and olareg serve GET /v2/<name>/referrers/<digest>; distribution answers 404. */
  referrersApi: boolean;
  /** refreg started with compliantReferrers (OCI-Subject, artifactType, filtering). */
  compliantReferrers?: boolean;
  tls?: { caFile: string };
  auth?: {
    kind: 'basic' | 'token';
    users: User[];
    tokenServer?: Pick<RunningTokenServer, 'url' | 'tokenRequests' | 'stats' | 'resetStats'>;
  };
  storageDir?: string;
  /** The server's own log (requests, errors); not printed to the test output. */
  logFile?: string;
  stop(): Promise<void>;
}
