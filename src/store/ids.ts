/**
 * Time-ordered ids (UUID version 7, RFC 9562) for conversations and turns: each insert lands at
 * the end of the primary-key and foreign-key indexes instead of on a random page, so a batch of
 * turns dirties a few index pages rather than one per id. Built on `crypto.randomUUID()`, which
 * Node serves from a pre-filled random buffer; the `uuid` package's v7 asked the system for fresh
 * random bytes on every call, a measurable share of a request's CPU.
 */
import { randomUUID } from 'node:crypto';

/** The id's first 15 characters (time, version) for the last millisecond asked: ids come in bursts. */
let prefixMs = -1;
let prefix = '';

/** 48-bit Unix milliseconds, version 7, then randomUUID's 74 random bits and its variant. */
export function timeOrderedId(now: number = Date.now()): string {
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixMs = now;
  }
  // From its 16th character on, a v4 UUID is `xxx-Vxxx-xxxxxxxxxxxx`: random bits and the variant.
  return prefix + randomUUID().slice(15);
}
