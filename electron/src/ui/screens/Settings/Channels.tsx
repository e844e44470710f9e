import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, channelsApi } from '../../api/client';
import type { Answer, Channel } from '../../api/types';
import { ChannelForm } from '../Compose/ChannelForm';

type TestResult = Answer<'testChannel'>;

/** A test's outcome in words: what the provider said, or the details of the account it reached. */
function testText(result: TestResult): string {
  if (!result.ok) return `Failed: ${result.error ?? result.code ?? 'no answer'}`;
  const details = Object.entries(result.details ?? {}).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${String(v)}`);
  return `Connected${details.length ? ` (${details.join(', ')})` : ''}.`;
}

/** One channel's row: test the connection, edit, archive or delete. */
function ChannelRow({ channel, onEdit, onChanged }: { channel: Channel; onEdit: () => void;
  onChanged: (message: string) => void }) {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const test = async () => {
    setTesting(true);
    setResult(null);
    try {
      setResult(testText(await channelsApi.test(channel.id)));
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
      onChanged(`“${channel.name}” ${answer.archived ? "archived: its campaigns keep it in their reports" : "deleted"}.`);
    } catch (err) {
      onChanged((err as Error).message);
    }
  };
  return (
    <tr data-channel-id={channel.id}>
      <th scope="row">{channel.name}</th>
      <td>{channel.type}</td>
      <td className="small" role="status" data-testid="channel-test-result">{testing ? 'Testing…' : result}</td>
      <td className="cmp-actions">
        {channel.type !== 'whatsapp_web' && channel.type !== 'dry_run' && (
          <button type="button" className="btn btn--small" disabled={testing} onClick={() => void test()}>Test connection</button>
        )}
        <button type="button" className="btn btn--small" onClick={onEdit}>Edit</button>
        <button type="button" className="btn btn--small btn--ghost" onClick={() => void remove()}>Archive or delete</button>
      </td>
    </tr>
  );
}

/** Settings → Channels: every channel with a connection test, editing and archiving. */
export function Channels() {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [editing, setEditing] = useState<Channel | null>(null);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const reload = useCallback(() => { channelsApi.all().then(setChannels, alreadyReported); }, []);
  useEffect(reload, [reload]);
  const saved = (channel: Channel) => {
    setNotice(editing ? `Saved “${channel.name}”. Campaigns running on it were paused first; resume them when ready.`
      : `Saved “${channel.name}”.`);
    setEditing(null);
    setCreating(false);
    reload();
  };
  return (
    <section className="card cmp-stack" aria-labelledby="channels-title" data-testid="settings-channels">
      <div className="toolbar">
        <h2 id="channels-title" className="cmp-title">Channels</h2>
        <button type="button" className="btn btn--small" onClick={() => setCreating(true)}>New channel…</button>
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
