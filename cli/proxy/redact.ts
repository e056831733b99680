// What a cassette and a report never hold: credentials. Field names come from the ricloud spec (key `token`,
// session `password`, 2FA `code`, webhook `secret`, storage `credentials`), signed urls lose their signature, and
// every secret value seen is also scrubbed wherever else it appears (an echoed token, a url in a message).
// Optionally, personal data (names, Apple ID identifiers, emails, phone numbers, message text) is replaced with
// fakes seeded from `--seed` and the original value, so the same person gets the same fake throughout.
import { createHash } from 'node:crypto';
import { en, Faker } from '@faker-js/faker';
import { isSecretField, REDACTED } from '../../server/control/journal.ts';

/** Names the journal's rule misses that a recorded exchange holds: signed-url signatures and S3's signing parts. */
const SIGNING_NAME =
  /signature|^sig$|^x-amz-credential$|^awsaccesskeyid$|^key-pair-id$|^policy$|session_key/i;

/** Whether a field, header or query parameter name holds a secret: the journal's rule, plus signing parts. */
export function isSecretName(name: string): boolean {
  return isSecretField(name) || SIGNING_NAME.test(name);
}

/** Headers never recorded verbatim. Authorization keeps its scheme (`Token [REDACTED]`). */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-mock-control-token|x-amz-security-token|x-api-key)$|token|secret|signature/i;

/** Collects every secret value redacted in a session, so that a copy of it elsewhere is scrubbed too. */
export class Redactor {
  /** Secret values seen, longest first when scrubbing (bounded: a long session keeps the newest 1,000). */
  private readonly secrets = new Set<string>();

  private remember(value: string): void {
    // Very short values ("1", "ok") would scrub unrelated text; a real credential is longer.
    if (value.length < 4) return;
    this.secrets.add(value);
    if (this.secrets.size > 1000) this.secrets.delete(this.secrets.values().next().value as string);
  }

  /** A header's recorded value. */
  header(name: string, value: string): string {
    if (/^(authorization|proxy-authorization)$/i.test(name)) {
      const m = /^(\S+)\s+(.+)$/.exec(value.trim());
      this.remember(m ? (m[2] as string) : value.trim());
      return m ? `${m[1]} ${REDACTED}` : REDACTED;
    }
    if (SECRET_HEADER.test(name)) {
      this.remember(value);
      return REDACTED;
    }
    if (/^(location|content-location|link)$/i.test(name)) return this.text(value);
    return value;
  }

  /** A query parameter's recorded value. */
  param(name: string, value: string): string {
    if (!isSecretName(name)) return value;
    this.remember(value);
    return REDACTED;
  }

  /** A url with its secret query parameters redacted (the rest of it byte for byte). */
  url(raw: string): string {
    // A capability in the path (the mock's signed urls, `/_signed/<token>`) is a credential too.
    const url = raw.replace(/(\/_signed\/)([^/?#\s"']+)/, (_m, prefix: string, token: string) => {
      this.remember(token);
      return `${prefix}${REDACTED}`;
    });
    const q = url.indexOf('?');
    if (q < 0) return url;
    const hash = url.indexOf('#', q);
    const query = url.slice(q + 1, hash < 0 ? undefined : hash);
    const parts = query.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = safeDecode(pair.slice(0, eq));
      const value = safeDecode(pair.slice(eq + 1));
      return isSecretName(name)
        ? `${pair.slice(0, eq)}=${encodeURIComponent(this.param(name, value))}`
        : pair;
    });
    return `${url.slice(0, q + 1)}${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
  }

  /** A JSON value with secret fields redacted and urls in strings stripped of their signatures. */
  json(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.json(v));
    if (typeof value === 'string') return this.text(value);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretName(k) && v !== null && v !== undefined && v !== '') {
        this.collect(v);
        out[k] = REDACTED;
      } else {
        out[k] = this.json(v);
      }
    }
    return out;
  }

  private collect(value: unknown): void {
    if (typeof value === 'string') this.remember(value);
    else if (typeof value === 'number') this.remember(String(value));
    else if (value && typeof value === 'object') for (const v of Object.values(value)) this.collect(v);
  }

  /** Free text: urls in it lose their signatures, and every secret value seen so far is replaced. */
  text(value: string): string {
    let out = /https?:\/\/\S*\?/.test(value)
      ? value.replace(/https?:\/\/[^\s"'<>]+/g, (u) => this.url(u))
      : value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Fields whose string values are personal: names, Apple ID identifiers, contact details, message text. */
const PERSONAL_FIELD =
  /^(name|display_name|first_name|last_name|full_name|nickname|identifier|email|phone|phone_number|text|body|message_body)$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** International numbers only (`+44 20…`): a bare run of digits and dashes is as often a date or an id. */
const PHONE = /\+\d[\d ()-]{6,}\d/g;
const IS_EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;
const IS_PHONE = /^\+\d[\d ()-]{6,}\d$/;

/**
 * Replaces personal data with fakes. Each fake is seeded from the seed and the original value, so the same
 * input always gives the same fake (deterministic, whatever the order of the exchanges).
 */
export class PersonalDataFaker {
  private readonly faker = new Faker({ locale: [en] });
  constructor(private readonly seed: string) {}

  private seeded(kind: string, original: string): Faker {
    const digest = createHash('sha256').update(`${this.seed}\0${kind}\0${original}`).digest();
    this.faker.seed(digest.readUInt32BE(0));
    return this.faker;
  }

  private fakeOf(field: string, original: string): string {
    if (IS_EMAIL.test(original)) return this.emails(original);
    if (IS_PHONE.test(original.trim())) return this.phones(original);
    const f = this.seeded(field, original);
    if (/name/i.test(field)) return f.person.fullName();
    if (/identifier/i.test(field)) return f.internet.email({ provider: 'example.com' });
    return f.lorem.sentence();
  }

  private emails(text: string): string {
    return text.replace(EMAIL, (m) => this.seeded('email', m).internet.email({ provider: 'example.com' }));
  }

  private phones(text: string): string {
    return text.replace(PHONE, (m) => this.seeded('phone', m).phone.number({ style: 'international' }));
  }

  /** A JSON value with personal fields faked, and emails and phone numbers in any string replaced. */
  json(value: unknown, field = ''): unknown {
    if (Array.isArray(value)) return value.map((v) => this.json(v, field));
    if (typeof value === 'string') {
      if (PERSONAL_FIELD.test(field) && value !== '' && value !== REDACTED) return this.fakeOf(field, value);
      return this.phones(this.emails(value));
    }
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.json(v, k);
    return out;
  }
}
