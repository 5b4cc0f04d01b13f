import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A readable, unique id for this process: host, pid and a random suffix (never a `/`). */
export function createInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
  return `${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
