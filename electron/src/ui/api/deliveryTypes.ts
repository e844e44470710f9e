/**
 * Names for the "delivery truth" shapes (inbox, consent keywords, webhooks, reply and delivery counts), from the
 * generated OpenAPI types like every other shape in types.ts.
 */
import type { components } from '../../generated/openapi';
import type { Campaign, DoNotContactEntry } from './types';

type Schemas = components['schemas'];

export type MessageDirection = Schemas['InboxMessage']['direction'];
/** One conversation of GET /inbox: a (channel, contact) pair, newest first. */
export type Conversation = Schemas['ConversationSummary'];
/** GET /inbox */
export type InboxPage = Schemas['InboxPage'];
/** One message of a conversation. */
export type InboxMessage = Schemas['InboxMessage'];
/** GET /inbox/messages: the conversation's head and its messages, oldest first. */
export type InboxThread = Schemas['Conversation'];
/** The data of the `inbox` event of GET /inbox/events. */
export interface InboxState {
  unread: number;
  latest_id: number;
}
/** Why an address is on the consent list. */
export type ConsentSource = DoNotContactEntry['source'];
/** A do-not-contact entry with where it came from. */
export type ConsentEntry = DoNotContactEntry;
/** GET/PUT /consent/keywords */
export type ConsentKeywords = Schemas['ConsentKeywords'];
export type KeywordLists = Pick<ConsentKeywords, 'opt_out' | 'opt_in'>;
/** One receiving channel of GET /settings/webhooks. */
export type WebhookChannel = Schemas['WebhookChannel'];
/** GET and PUT /settings/webhooks */
export type WebhooksStatus = Schemas['WebhooksOverview'];
/** A campaign's counts, with the reply and undelivered counts. */
export type DeliveryCounts = Campaign['counts'];
