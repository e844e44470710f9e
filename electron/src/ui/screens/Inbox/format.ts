import type { Conversation } from '../../api/deliveryTypes';

/** The key of one conversation: its channel and the contact's address. */
export interface ConversationKey {
  channelId: number;
  address: string;
}

/** Whether C is the conversation KEY names. */
export function sameConversation(c: Conversation, key: ConversationKey | null): boolean {
  return key !== null && c.channel_id === key.channelId && c.address === key.address;
}

/** "Ana (+14155552671)", or the address alone. */
export function contactLabel(c: { name: string | null; address: string }): string {
  return c.name ? `${c.name} (${c.address})` : c.address;
}

/** A short local date and time. */
export function when(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
