import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, channelsApi } from '../../api/client';
import type { Answer, Channel } from '../../api/types';
import { ChannelForm } from '../Compose/ChannelForm';

type TestResult = Answer<'testChannel'>;

/** A test's outcome in words: what the provider said, or the details of the account it reached. */
function testText(channel: Channel, result: TestResult): string {
  if (!result.ok) return `Failed: ${result.error ?? result.code ?? 'no answer'}`;
  if (channel.type === 'dry_run') return 'Ready: a dry run writes each message to a file and sends nothing.';
  const details = Object.entries(result.details ?? {}).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${String(v)}`);
  return `Connected${details.length ? ` (${details.join(', ')})` : ''}.`;
}

/** ", and N campaigns running on it were paused" when the change paused any. */
function pausedText(paused: number[] | undefined): string {
  if (!paused?.length) return '';
  return `; ${paused.length} campaign${paused.length === 1 ? '' : 's'} running on it ${paused.length === 1 ? 'was' : 'were'} paused first (resume when ready)`;
}

/** One channel's row: test the connection, edit, archive or delete (an archived one is only listed). */
function ChannelRow({ channel, onEdit, onChanged }: { channel: Channel; onEdit: () => void;
  onChanged: (message: string) => void }) {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const test = async () => {
    setTesting(true);
    setResult(null);
    try {
      setResult(testText(channel, await channelsApi.test(channel.id)));
    } catch (err) {
      setResult(`Failed: ${(err as Error).message}`);
    } finally {
      setTesting(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Remove the channel “${channel.name}”? A channel that campaigns used is archived (their reports keep its name); an unused one is deleted with its secrets.`)) return;
    try {
      const answer = await channelsApi.remove(channel.id);
      onChanged(`“${channel.name}” ${answer.archived ? 'archived: campaigns that used it keep it in their reports' : 'deleted'}${pausedText(answer.paused_campaigns)}.`);
    } catch (err) {
      onChanged((err as Error).message);
    }
  };
  return (
    <tr data-channel-id={channel.id}>
      <th scope="row">{channel.name}</th>
      <td>{channel.type}{channel.archived && <span className="muted"> (archived)</span>}</td>
      <td className="small" role="status" data-testid="channel-test-result">{testing ? 'Testing…' : result}</td>
      <td className="cmp-actions">
        {!channel.archived && (
          <>
            <button type="button" className="btn btn--small" disabled={testing} onClick={() => void test()}>Test connection</button>
            <button type="button" className="btn btn--small" onClick={onEdit}>Edit</button>
            <button type="button" className="btn btn--small btn--ghost" onClick={() => void remove()}>Archive or delete</button>
          </>
        )}
      </td>
    </tr>
  );
}

/** Settings → Channels: every channel with a connection test, editing and archiving; archived ones on request. */
export function Channels() {
  const [channels, setChannels] = useState<Channel[] | null>(null); // null: not loaded (the sidecar may be away)
  const [showArchived, setShowArchived] = useState(false);
  const [editing, setEditing] = useState<Channel | null>(null);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const reload = useCallback(() => {
    (showArchived ? channelsApi.allWithArchived() : channelsApi.all()).then(setChannels, alreadyReported);
  }, [showArchived]);
  useEffect(reload, [reload]);
  const saved = (channel: Channel & { paused_campaigns?: number[] }) => {
    setNotice(`Saved “${channel.name}”${pausedText(channel.paused_campaigns)}.`);
    setEditing(null);
    setCreating(false);
    reload();
  };
  return (
    <section className="card cmp-stack" aria-labelledby="channels-title" data-testid="settings-channels">
      <div className="toolbar">
        <h2 id="channels-title" className="cmp-title">Channels</h2>
        <div className="settings-copy">
          <label className="settings-switch small">
            <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
            <span>Show archived</span>
          </label>
          <button type="button" className="btn btn--small" onClick={() => setCreating(true)}>New channel…</button>
        </div>
      </div>
      {notice && <p className="small" role="status" data-testid="channels-notice">{notice}</p>}
      {channels === null ? null : channels.length === 0 ? <p className="muted">No channels yet.</p> : (
        <table className="cmp-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Connection</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {channels.map((c) => (
              <ChannelRow key={c.id} channel={c} onEdit={() => setEditing(c)} onChanged={(m) => { setNotice(m); reload(); }} />
            ))}
          </tbody>
        </table>
      )}
      <ChannelForm open={creating || editing !== null} editing={editing} onSaved={saved}
        onClose={() => { setEditing(null); setCreating(false); }} />
    </section>
  );
}
