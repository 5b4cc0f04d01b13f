/**
 * The small JSON-patch dialect of ChatGPT's delta v1 stream: ops add, replace, append,
 * truncate, remove and patch (a batch) addressed by JSON pointers into one document.
 */
import { createShortCache } from '../../short-cache.js';

export type JsonObject = Record<string, unknown>;

export interface DeltaOperation {
  path: string;
  op: string;
  value: unknown;
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Decoded pointers by text: a stream repeats the same few paths on every event. */
const decodedPointers = createShortCache<string, readonly string[]>(256);

function decodePointer(path: string): readonly string[] {
  let segments = decodedPointers.get(path, 0);
  if (segments) return segments;
  segments = path
    .split('/')
    .slice(1)
    .map((segment) => (segment.includes('~') ? segment.replace(/~1/g, '/').replace(/~0/g, '~') : segment));
  decodedPointers.set(path, segments, Infinity);
  return segments;
}

type Container = JsonObject | unknown[];

function childOf(container: Container, key: string): unknown {
  return Array.isArray(container) ? container[Number(key)] : container[key];
}

function setChild(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else container[key] = value;
}

function appended(current: unknown, value: unknown): unknown {
  if (typeof current === 'string' && typeof value === 'string') return current + value;
  if (Array.isArray(current)) return Array.isArray(value) ? [...current, ...value] : [...current, value];
  if (isJsonObject(current) && isJsonObject(value)) return { ...current, ...value };
  return current === undefined || current === null ? value : current;
}

function truncated(current: unknown, length: unknown): unknown {
  if (typeof length !== 'number') return current;
  if (typeof current === 'string' || Array.isArray(current)) return current.slice(0, length);
  return current;
}

/**
 * Applies one operation to `document` and returns the (possibly new) document. Intermediate
 * containers are created when missing so an out-of-order stream degrades instead of throwing.
 */
export function applyDeltaOperation(document: JsonObject, operation: DeltaOperation): JsonObject {
  const { path, op, value } = operation;
  if (op === 'patch') {
    let patched = document;
    for (const sub of Array.isArray(value) ? value : []) {
      if (!isJsonObject(sub)) continue;
      patched = applyDeltaOperation(patched, {
        path: typeof sub.p === 'string' ? sub.p : '',
        op: typeof sub.o === 'string' ? sub.o : 'append',
        value: sub.v,
      });
    }
    return patched;
  }
  const segments = decodePointer(path);
  const lastKey = segments.at(-1);
  if (lastKey === undefined) {
    if (op === 'add' || op === 'replace') return isJsonObject(value) ? value : document;
    if (op === 'append' && isJsonObject(value)) return { ...document, ...value };
    return document;
  }
  let container: Container = document;
  for (let at = 0; at < segments.length - 1; at++) {
    const segment = segments[at] as string;
    let next = childOf(container, segment);
    if (typeof next !== 'object' || next === null) {
      next = {};
      setChild(container, segment, next);
    }
    container = next as Container;
  }
  const current = childOf(container, lastKey);
  switch (op) {
    case 'add':
    case 'replace':
      setChild(container, lastKey, value);
      break;
    case 'append':
      setChild(container, lastKey, appended(current, value));
      break;
    case 'truncate':
      setChild(container, lastKey, truncated(current, value));
      break;
    case 'remove':
      if (Array.isArray(container)) container.splice(Number(lastKey), 1);
      else delete container[lastKey];
      break;
    default:
      break;
  }
  return document;
}
