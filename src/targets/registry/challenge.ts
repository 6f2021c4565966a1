/** One challenge of a `WWW-Authenticate` header (RFC 7235): scheme in lower case, params by lower-case name. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses every challenge of one or more `WWW-Authenticate` values. Registries send several
 * challenges in one header or several headers, and quoted values may hold commas and escaped
 * quotes (`scope="repository:a:pull,push"`), so a split on commas is not enough.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const v of values) out.push(...parseOne(v));
  return out;
}

function parseOne(s: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = s.length;
  const skipWs = () => {
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < n && TOKEN.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  // Unquoted values are tokens by the RFC, but registries send bare URLs (realm=https://...).
  const readBare = () => {
    const start = i;
    while (i < n && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    return s.slice(start, i);
  };
  const readQuoted = () => {
    // at the opening quote
    i++;
    let v = '';
    while (i < n && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < n) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote (or end)
    return v;
  };

  let current: Challenge | undefined;
  while (i < n) {
    skipWs();
    if (s[i] === ',') {
      i++;
      continue;
    }
    const tok = readToken();
    if (!tok) {
      i++; // stray character: skip rather than loop forever
      continue;
    }
    skipWs();
    if (s[i] === '=' && s[i + 1] !== '=') {
      i++;
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readBare();
      // a param before any scheme is malformed and dropped
      if (current) current.params[tok.toLowerCase()] = value;
      continue;
    }
    current = { scheme: tok.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

/** The challenge to answer: Bearer when offered (it scopes access), else Basic. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
