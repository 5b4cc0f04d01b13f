/** Server-side ChatGPT conversation memory: a tree of messages per conversation. */
import { randomUUID } from 'node:crypto';

export interface StoredMessage {
  id: string;
  role: 'system' | 'user' | 'assistant';
  text: string;
  createTime: number;
  model?: string;
  finishType?: 'stop' | 'max_tokens';
  /** Text a `continue` would send, for a reply cut off at max_tokens. */
  remainder?: string;
  /** A `continue` reply: part of the same turn as its parent. */
  continuation?: boolean;
}

export interface ConversationNode {
  id: string;
  parent: string | null;
  children: string[];
  message: StoredMessage | null;
}

export interface Conversation {
  id: string;
  ownerKey: string;
  title: string | null;
  createTime: number;
  updateTime: number;
  visible: boolean;
  nodes: Map<string, ConversationNode>;
  currentNode: string;
}

const nowSeconds = (): number => Date.now() / 1000;

export class ConversationStore {
  private readonly byId = new Map<string, Conversation>();

  create(ownerKey: string, rootId: string): Conversation {
    const time = nowSeconds();
    const conversation: Conversation = {
      id: randomUUID(),
      ownerKey,
      title: null,
      createTime: time,
      updateTime: time,
      visible: true,
      nodes: new Map(),
      currentNode: rootId,
    };
    conversation.nodes.set(rootId, { id: rootId, parent: null, children: [], message: null });
    const system = this.append(conversation, rootId, {
      id: randomUUID(),
      role: 'system',
      text: '',
      createTime: time,
    });
    conversation.currentNode = system.id;
    this.byId.set(conversation.id, conversation);
    return conversation;
  }

  /** The conversation if it exists, is visible and belongs to this account. */
  get(id: string, ownerKey: string): Conversation | undefined {
    const conversation = this.byId.get(id);
    return conversation && conversation.visible && conversation.ownerKey === ownerKey
      ? conversation
      : undefined;
  }

  list(ownerKey: string): Conversation[] {
    return [...this.byId.values()]
      .filter((c) => c.ownerKey === ownerKey && c.visible)
      .sort((a, b) => b.updateTime - a.updateTime);
  }

  append(conversation: Conversation, parentId: string, message: StoredMessage): ConversationNode {
    const node: ConversationNode = { id: message.id, parent: parentId, children: [], message };
    conversation.nodes.get(parentId)?.children.push(message.id);
    conversation.nodes.set(message.id, node);
    conversation.currentNode = message.id;
    conversation.updateTime = nowSeconds();
    return node;
  }

  /** Number of assistant replies on the branch ending at `nodeId`. */
  assistantTurnsUpTo(conversation: Conversation, nodeId: string): number {
    let count = 0;
    let node = conversation.nodes.get(nodeId);
    while (node) {
      if (node.message?.role === 'assistant' && !node.message.continuation) count += 1;
      node = node.parent === null ? undefined : conversation.nodes.get(node.parent);
    }
    return count;
  }
}
