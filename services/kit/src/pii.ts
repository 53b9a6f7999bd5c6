/**
 * Scrubs personal data and secrets out of free text before it reaches an audit row or a log
 * line: each finding becomes `[redacted:<kind>]`. The patterns find candidates; checksums and
 * parsers confirm them where a format has one (Luhn for cards, ISO 13616 for IBANs via
 * ibantools, node:net for IPv6), so order numbers and dates stay readable. Secrets go first,
 * because a token may contain what looks like a phone number or an IP.
 */
import { isIPv6 } from 'node:net';
import luhn from 'fast-luhn';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';

export const PII_KINDS = ['secret', 'jwt', 'email', 'iban', 'card', 'ssn', 'ip', 'phone', 'address'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

const mark = (kind: PiiKind): string => `[redacted:${kind}]`;

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  /** Confirms a candidate (a checksum, a parser); absent: the pattern is enough. */
  valid?: (match: string) => boolean;
  /** The replacement, when part of the match is kept (a header name, `password=`). */
  replace?: (match: string, ...groups: string[]) => string;
  /**
   * What every match contains (a digit, `@`…): a quick test that lets most texts skip the
   * pattern. It must hold for any text the pattern can match.
   */
  hint: RegExp;
}

const DIGIT = /\d/;

/**
 * Loopback and "any" addresses name this machine, not a person: logs keep them, so that
 * "listening on 127.0.0.1:3000" and "ECONNREFUSED 127.0.0.1:6379" stay readable.
 */
const NOBODYS_ADDRESS = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|::1?)$/;

const digits = (s: string): string => s.replace(/\D/g, '');

/** Issuer prefixes and lengths of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
const CARD_PREFIX = /^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|35\d{14,17}|6(?:011|5\d\d|4[4-9]\d)\d{12,15}|62\d{14,17})$/;

const DETECTORS: Detector[] = [
  { kind: 'jwt', hint: /eyJ/, pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  {
    kind: 'secret',
    hint: /bearer|basic|token/i,
    pattern: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, scheme) => `${scheme} ${mark('secret')}`,
  },
  {
    kind: 'secret',
    // Ours, OpenAI, Stripe, GitHub, Slack, AWS access key ids, Google API keys.
    hint: /_live_|sk-|_test_|gh[pousr]_|xox[abposr]-|AKIA|AIza/,
    pattern: /\b(?:oc_live_[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})/g,
  },
  {
    kind: 'secret',
    hint: /[:=]/,
    pattern: /\b(api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret|secret|token|password|passwd|pwd)(["']?\s*[:=]\s*["']?)([^\s"'&,;}]{4,})/gi,
    replace: (_m, name, sep) => `${name}${sep}${mark('secret')}`,
  },
  { kind: 'email', hint: /@/, pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  {
    kind: 'iban',
    hint: /[A-Z]{2}\d{2}/,
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    valid: (m) => isValidIBAN(electronicFormatIBAN(m) ?? ''),
  },
  {
    kind: 'card',
    hint: DIGIT,
    // Not glued to a hex digit: inside a hex id (trace, span, UUID) a run of 13+ digits passes
    // Luhn about one time in ten, and ids must stay whole.
    pattern: /(?<![0-9A-Fa-f-])\d(?:[ -]?\d){12,18}(?![0-9A-Fa-f-])/g,
    valid: (m) => CARD_PREFIX.test(digits(m)) && luhn(digits(m)),
  },
  // US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000.
  { kind: 'ssn', hint: /\d-\d/, pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  {
    kind: 'ip',
    hint: /:.*:/,
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g,
    valid: (m) => /[0-9A-Fa-f]/.test(m) && isIPv6(m) && !NOBODYS_ADDRESS.test(m),
  },
  {
    kind: 'ip',
    hint: /\d\./,
    pattern: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g,
    valid: (m) => !NOBODYS_ADDRESS.test(m),
  },
  {
    kind: 'phone',
    hint: DIGIT,
    // International (+ country code) or North American (3-3-4 with separators).
    pattern: /(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?![\w])/g,
    valid: (m) => digits(m).length >= 7 && digits(m).length <= 15,
  },
  {
    kind: 'address',
    hint: DIGIT,
    pattern: /\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][A-Za-z'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq)\b\.?/g,
  },
];

/** Any detector's hint, in one test: most texts (log messages, names) pass through on it alone. */
const ANY_HINT = new RegExp(DETECTORS.map((d) => `(?:${d.hint.source})`).join('|'), 'i');

/** The text with every finding replaced by `[redacted:<kind>]`. */
export function scrubPii(text: string): string {
  if (!ANY_HINT.test(text)) return text;
  let out = text;
  for (const d of DETECTORS) {
    if (!d.hint.test(out)) continue;
    out = out.replace(d.pattern, (match: string, ...rest: unknown[]) => {
      if (d.valid && !d.valid(match)) return match;
      const groups = rest.slice(0, -2) as string[];
      return d.replace ? d.replace(match, ...groups) : mark(d.kind);
    });
  }
  return out;
}
