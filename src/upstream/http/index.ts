export { createDispatcherRegistry } from './dispatchers.js';
export type { DispatcherRegistry, DispatcherRegistryOptions } from './dispatchers.js';
export { parseProxyUrl, describeProxy, ProxyUrlError } from './proxy-url.js';
export type { ParsedProxyUrl, ProxyProtocol } from './proxy-url.js';
export {
  classifyTransportError,
  describeTransportError,
  parseRetryAfter,
  type TransportFailureKind,
} from './transport-errors.js';
