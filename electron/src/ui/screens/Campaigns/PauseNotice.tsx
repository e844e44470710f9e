import type { CampaignLive } from '../../api/types';
import { Alert } from '../../components/Alert';

/** A title for each pause the runner makes, keyed by the stable word its reason starts with ('code: message'). */
const TITLES: Record<string, string> = {
  channel_error: 'Paused: the channel is not working',
  consecutive_failures: 'Paused: sends kept failing',
  wa_logged_out: 'Paused: WhatsApp logged this device out',
  internal_error: 'Paused: something went wrong inside the app',
  storage_full: 'Paused: the disk is full',
  storage_error: 'Paused: the app cannot write its data',
};

/** Reasons that are a bare word, said in full. */
const WORDS: Record<string, string> = {
  user: 'Paused by you.',
  storage_full: 'The disk holding the app\'s data is full. Free some space and sending resumes by itself.',
  storage_error: 'The app cannot write its data (a read-only or failing disk). Sending resumes once it can.',
};

/**
 * A pause reason in plain words: {title, text}. The runner stores 'channel_error: Could not connect to …'; the
 * code is for programs, so it becomes the title and the rest (the provider's own words) the text.
 */
export function pauseWords(reason: string): { title: string; text: string } {
  const coded = /^([a-z][a-z0-9_]*): ([\s\S]*)$/.exec(reason);
  const code = coded ? coded[1] : reason;
  const rest = coded ? coded[2] : '';
  const text = WORDS[reason] ?? (rest ? rest[0].toUpperCase() + rest.slice(1) : reason);
  return { title: TITLES[code] ?? 'Paused', text };
}

/** Why a paused campaign is paused, first on its screen: the thing to fix before Resume. */
export function PauseNotice({ campaign }: { campaign: CampaignLive }) {
  if (campaign.status !== 'paused' || !campaign.pause_reason) return null;
  const { title, text } = pauseWords(campaign.pause_reason);
  const byUser = campaign.pause_reason === 'user';
  return (
    <Alert tone={byUser || campaign.resume_at ? 'info' : 'error'} title={title}>
      <p className="cmp-pause" data-testid="pause-reason">{text}</p>
      {campaign.resume_at && <p className="small">Resumes automatically at {new Date(campaign.resume_at).toLocaleString()}.</p>}
      {!byUser && !campaign.resume_at && <p className="small">Fix it (Settings → Channels edits and tests the channel),
        then Resume: recipients not reached yet are still waiting.</p>}
    </Alert>
  );
}
