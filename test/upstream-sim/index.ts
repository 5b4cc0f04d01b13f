/** The upstream simulator: plays ChatGPT web, its auth and the OpenAI API for tests and demos. */
import type { AddressInfo } from 'node:net';
import { startServer } from './server.js';
import { DEFAULT_API_MODELS, SimState } from './state.js';
import type { SimAccount, SimFault, SimOptions, SimRequestLog, UpstreamSim } from './types.js';

export type { SimAccount, SimFault, SimOptions, SimRequestLog, UpstreamSim } from './types.js';
export { SIM_CUTOFF_MARKER, simulatedReply, simulatedTitle } from './reply.js';

export async function startUpstreamSim(options: SimOptions = {}): Promise<UpstreamSim> {
  const state = new SimState(options);
  const running = await startServer(state);
  const address = running.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  state.url = url;
  state.options.port = address.port;
  let closed: Promise<void> | undefined;
  return {
    url,
    chatgptBaseUrl: `${url}/backend-api`,
    openaiBaseUrl: `${url}/v1`,
    authBaseUrl: url,
    oauthTokenUrl: `${url}/oauth/token`,
    addAccount: (account: SimAccount) => void state.addAccount(account),
    addApiKey: (key: string, models: string[] = DEFAULT_API_MODELS) =>
      void state.apiKeys.set(key, new Set(models)),
    setFault: (key: string, fault: SimFault | null, times?: number) => state.faults.set(key, fault, times),
    expireToken: (accessToken: string) => void state.expired.add(accessToken),
    setOptions: (changes: Partial<SimOptions>) => {
      const { host: _host, port: _port, ...rest } = changes;
      Object.assign(
        state.options,
        Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      );
    },
    get log(): SimRequestLog[] {
      return state.log;
    },
    get aborted(): number {
      return state.aborted;
    },
    close: () => (closed ??= running.close()),
  };
}
