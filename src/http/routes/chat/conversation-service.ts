import { createConversationService, type ConversationService } from '../../../chat/conversations.js';
import { ownTokenAccount } from '../../../chat/own-token.js';
import type { AppDeps } from '../../deps.js';

/** The conversation service over the app's parts (stateless, so each route area builds its own). */
export function conversationServiceFrom({ store, runtime, logger, config }: AppDeps): ConversationService {
  return createConversationService({
    store,
    pool: runtime.pool,
    providers: runtime.providers,
    resolveAccount: runtime.resolveAccount,
    ownTokenAccount: (accessToken) => ownTokenAccount(config, runtime.dispatchers, accessToken),
    logger: logger.child({ component: 'conversations' }),
  });
}
