import { useCallback, useEffect, useRef, useState } from 'react';
import { alreadyReported, campaignsApi, channelsApi, draftApi, listsApi, templatesApi, type ApiError } from '../../api/client';
import type { Answer, Attachment, Channel, ChannelType, ComposePreview, ListContact, SavedList, Template } from '../../api/types';
import { Alert } from '../../components/Alert';
import { useDebounced } from '../../hooks/useDebounced';
import { PLACEHOLDER_BUILTINS } from '../../../generated/constants';
import '../Campaigns/campaigns.css';
import { ChannelForm } from './ChannelForm';
import { DEFAULT_PACING, PacingFields, pacingBody, pacingForType, type PacingForm } from './PacingFields';
import { WhatsAppLink } from './WhatsAppLink';
import { AttachmentPicker } from './AttachmentPicker';
import { ComposePlan } from './ComposePlan';
import { PlaceholderError, renamePlaceholder, unknownPlaceholders } from './PlaceholderError';

type TypeDefaults = Partial<Record<ChannelType, Record<string, unknown>>>;

/** Loads the lists, channels and templates the compose form picks from. */
function useChoices() {
  const [lists, setLists] = useState<SavedList[]>([]);
  const [channels, setChannels] = useState<Channel[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [pacingDefaults, setPacingDefaults] = useState<TypeDefaults>({});
  const [loaded, setLoaded] = useState(false);
  // Why the choices could not be loaded (the form is useless without them), shown with a way to try again.
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    const [l, c, t] = await Promise.all([listsApi.all(), channelsApi.catalog(), templatesApi.all()]);
    setLists(l);
    setChannels(c.channels);
    setPacingDefaults(Object.fromEntries(Object.entries(c.types).map(([type, spec]) => [type, spec.default_pacing])));
    setTemplates(t);
    setLoaded(true);
    setError(null);
  }, []);
  const load = useCallback(() => { reload().catch((err: Error) => setError(err.message)); }, [reload]);
  useEffect(load, [load]);
  return { lists, channels, templates, pacingDefaults, loaded, error, load, reload };
}

/** The live preview: the rendered message for one contact, empty-placeholder warnings and SMS segments. */
function PreviewPanel({ preview, blocked, isEmail, contacts, contactId, onContact }: {
  preview: ComposePreview | null; blocked: boolean; isEmail: boolean; contacts: ListContact[]; contactId: number | null;
  onContact: (id: number | null) => void;
}) {
  // An earlier render would show a message the current text no longer produces.
  if (blocked) {
    return <div className="card muted" data-testid="compose-preview">The preview is back once the placeholders are fixed.</div>;
  }
  if (!preview) return <div className="card muted">Pick a list and write a message to see a preview.</div>;
  const warnings = preview.warnings;
  return (
    <div className="card cmp-stack" data-testid="compose-preview">
      <label className="field"><span>Preview for</span>
        <select aria-label="Preview for" value={contactId ?? ''} onChange={(e) => onContact(e.target.value ? Number(e.target.value) : null)}>
          <option value="">First contact</option>
          {contacts.map((c) => <option key={c.id} value={c.id}>{c.name || c.number || c.email}</option>)}
        </select>
      </label>
      {preview.preview && (
        <div className="cmp-message">
          {isEmail && <p className="cmp-message__subject" data-testid="preview-subject">{preview.preview.subject}</p>}
          <p className="cmp-message__body" data-testid="preview-body">{preview.preview.body}</p>
        </div>
      )}
      {!isEmail && (
        <p className="small" data-testid="sms-stats">
          {preview.sms.characters} characters · {preview.sms.encoding} · {preview.sms.segments} SMS segment
          {preview.sms.segments === 1 ? '' : 's'} ({preview.sms.per_segment} per segment)
        </p>
      )}
      {warnings && warnings.recipients_with_empty > 0 && (
        <Alert tone="info" title={`${warnings.recipients_with_empty} recipients have empty placeholders`}>
          <ul className="small" data-testid="empty-warnings">
            {warnings.examples.slice(0, 10).map((w) => (
              <li key={w.contact_id}>{w.name || '(no name)'} <span className="mono">{w.address ?? (isEmail ? w.email : w.number)}</span>: {w.missing.join(', ')}</li>
            ))}
          </ul>
          <p className="small">Add a fallback like {'{{City|your city}}'} to fill them.</p>
        </Alert>
      )}
    </div>
  );
}

type Reach = Answer<'composeReach'>;

/**
 * Keep the compose form as the sidecar's draft: restored once the choices it names have loaded (a list or channel
 * deleted since is dropped), then saved a moment after each change, so it survives screens and restarts.
 * Whether the draft has been restored (or found absent).
 */
function useComposeDraft(ready: boolean, form: Record<string, unknown>, restore: (draft: Record<string, unknown>) => void): boolean {
  const [restored, setRestored] = useState(false);
  const restoreRef = useRef(restore);
  restoreRef.current = restore;
  const current = JSON.stringify(form);
  const untouched = useRef(current);  // the form as mounted: typing before the draft arrives wins over it
  const typed = useRef(false);
  typed.current = current !== untouched.current;
  useEffect(() => {
    if (!ready || restored) return;
    draftApi.load()
      .then((draft) => { if (draft && !typed.current) restoreRef.current(draft); })
      .catch(alreadyReported)
      .finally(() => setRestored(true));
  }, [ready, restored]);
  const saved = useDebounced(current, 500);
  const first = useRef(true);
  useEffect(() => {
    if (!restored) return;
    // The first run may still hold the form as mounted (older than a restore): never worth writing over the draft.
    // A form typed before the draft arrived is, even when its debounce fired before: nothing else would save it.
    const stale = first.current && saved === untouched.current;
    first.current = false;
    if (!stale) draftApi.save(JSON.parse(saved) as Record<string, unknown>).catch(alreadyReported);
  }, [saved, restored]);
  return restored;
}

/** Who the chosen channel reaches on the chosen list, and who it skips and why (opted out included). */
function ReachLine({ reach }: { reach: Reach | null }) {
  if (!reach) return null;
  const what = reach.address === 'email' ? 'email address' : 'phone number';
  const has = reach.with_address === 1 ? 'has' : 'have';
  const parts = [`${reach.contacts} contacts`, `${reach.with_address} ${has} ${reach.address === 'email' ? 'an' : 'a'} ${what}`];
  if (reach.no_address) parts.push(`${reach.no_address} will be skipped (no ${what})`);
  if (reach.do_not_contact) parts.push(`${reach.do_not_contact} opted out`);
  if (reach.duplicates) parts.push(`${reach.duplicates} duplicate${reach.duplicates === 1 ? '' : 's'}`);
  return (
    <p className="small" role="status" data-testid="compose-reach">
      {parts.join(', ')}: <strong>{reach.will_send} will get the message</strong>.
    </p>
  );
}

/** Compose a campaign: list, channel, message with placeholders and a live preview, pacing. */
export function ComposeScreen({ onCreated }: { onCreated: (campaignId: number) => void }) {
  const choices = useChoices();
  const [listId, setListId] = useState<number | null>(null);
  const [channelId, setChannelId] = useState<number | null>(null);
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('Hi {{name|there}},\n');
  const [templateName, setTemplateName] = useState('');
  const [templateParams, setTemplateParams] = useState('');
  const [pacing, setPacing] = useState<PacingForm>(DEFAULT_PACING);
  const [attachment, setAttachment] = useState<Attachment | null>(null);
  const [contacts, setContacts] = useState<ListContact[]>([]);
  const [contactId, setContactId] = useState<number | null>(null);
  const [preview, setPreview] = useState<ComposePreview | null>(null);
  const [reach, setReach] = useState<Reach | null>(null);
  const [channelOpen, setChannelOpen] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  // The sidecar's refusals, shown at the field they are about.
  const [placeholderError, setPlaceholderError] = useState<ReturnType<typeof unknownPlaceholders>>(null);
  const [subjectError, setSubjectError] = useState<string | null>(null);
  const [listFields, setListFields] = useState<string[]>([]); // the list's columns, kept while a message is refused
  const subjectRef = useRef<HTMLInputElement>(null);
  const params = templateParams.split('\n').map((p) => p.trim()).filter(Boolean);
  const channel = choices.channels.find((c) => c.id === channelId) ?? null;
  const isEmail = channel?.address === 'email';
  // With the channel, the preview checks the message as Create will and names warned recipients by its address;
  // an email's missing subject is flagged at the field instead, so the preview keeps rendering while one types.
  const previewChannel = isEmail && !subject.trim() ? null : channelId;
  const previewParams = channel?.type === 'whatsapp' ? params : [];
  // A string key, so the debounce only restarts when the inputs really change.
  const debouncedKey = useDebounced(JSON.stringify({ listId, subject, body, contactId, channelId: previewChannel,
    params: previewParams }), 300);
  // A channel type with its own safe pacing (WhatsApp Web's ban-safety defaults) fills the pacing fields.
  const channelType = channel?.type ?? null;
  const typeDefaults = channelType ? choices.pacingDefaults[channelType] : undefined;
  // A restored draft brings its own pacing: the channel it also restores must not reset it to the defaults.
  const keepPacing = useRef(false);
  useEffect(() => {
    if (keepPacing.current) { keepPacing.current = false; return; }
    setPacing(pacingForType(typeDefaults));
  }, [channelType, typeDefaults]);
  const restore = (draft: Record<string, unknown>) => {
    const known = <T,>(value: unknown, ok: (v: unknown) => boolean, fallback: T): T => (ok(value) ? value as T : fallback);
    const isText = (v: unknown) => typeof v === 'string';
    const isId = (v: unknown) => typeof v === 'number';
    const restoredChannel = known<number | null>(draft.channelId, (v) => isId(v) && choices.channels.some((c) => c.id === v), null);
    setListId(known<number | null>(draft.listId, (v) => isId(v) && choices.lists.some((l) => l.id === v), null));
    keepPacing.current = restoredChannel !== null && draft.pacing !== undefined;
    setChannelId(restoredChannel);
    setName(known(draft.name, isText, ''));
    setSubject(known(draft.subject, isText, ''));
    setBody(known(draft.body, isText, body));
    setTemplateParams(known(draft.templateParams, isText, ''));
    if (draft.pacing && typeof draft.pacing === 'object') setPacing({ ...DEFAULT_PACING, ...(draft.pacing as Partial<PacingForm>) });
  };
  const restored = useComposeDraft(choices.loaded, { listId, channelId, name, subject, body, templateParams, pacing }, restore);

  useEffect(() => {
    if (listId === null) { setContacts([]); return; }
    listsApi.contacts(listId, '', 0, 100).then((p) => setContacts(p.contacts), alreadyReported);
    setContactId(null);
  }, [listId]);
  useEffect(() => {
    setReach(null);
    if (listId === null || channelId === null) return;
    templatesApi.reach({ list_id: listId, channel_id: channelId }).then(setReach, alreadyReported);
  }, [listId, channelId]);
  /** Show a refusal where it belongs: a placeholder at the message, a missing subject at the subject, else on top. */
  const showError = (err: Error, focus = false) => {
    const unknown = unknownPlaceholders(err);
    if (unknown) {
      setPlaceholderError(unknown);
      setListFields(unknown.columns);
    } else if ((err as ApiError).code === 'subject_required') {
      setSubjectError(err.message);
      if (focus) subjectRef.current?.focus();
    } else {
      setNotice({ tone: 'error', text: err.message });
    }
  };
  useEffect(() => {
    const debounced = JSON.parse(debouncedKey) as { listId: number | null; subject: string; body: string;
      contactId: number | null; channelId: number | null; params: string[] };
    if (!debounced.body.trim()) { setPlaceholderError(null); return; } // nothing to check (nor to create)
    let current = true;
    templatesApi.preview({ body: debounced.body, subject: debounced.subject, list_id: debounced.listId ?? undefined,
      contact_id: debounced.contactId ?? undefined, channel_id: debounced.channelId ?? undefined,
      template_params: debounced.params })
      .then((p) => {
        if (!current) return;
        setPreview(p);
        setListFields(p.fields);
        setPlaceholderError(null);
        setNotice(null);
      })
      .catch((err: Error) => { if (current) showError(err); });
    return () => { current = false; }; // an older answer arriving late must not undo a newer one
  }, [debouncedKey]); // showError only sets state: the key alone decides when to ask again
  const rename = (wrong: string, right: string) => {
    setBody((text) => renamePlaceholder(text, wrong, right));
    setSubject((text) => renamePlaceholder(text, wrong, right));
    setTemplateParams((text) => renamePlaceholder(text, wrong, right));
    setPlaceholderError((shown) => {
      const left = shown ? shown.unknown.filter((name) => name !== wrong) : [];
      return shown && left.length ? { ...shown, unknown: left } : null;
    });
  };

  const insert = (placeholder: string) => setBody(`${body}{{${placeholder}}}`);
  const useTemplate = (id: string) => {
    const template = choices.templates.find((t) => t.id === Number(id));
    if (template) { setSubject(template.subject); setBody(template.body); }
  };
  const saveTemplate = async () => {
    try {
      await templatesApi.create({ name: templateName.trim() || 'Template', subject, body });
      setNotice({ tone: 'success', text: 'Template saved.' });
      setTemplateName('');
      await choices.reload();
    } catch (err) {
      setNotice({ tone: 'error', text: (err as Error).message });
    }
  };
  const create = async () => {
    if (listId === null || channelId === null) return; // the button is disabled until both are chosen
    try {
      const campaign = await campaignsApi.create({ name: name.trim() || 'Campaign', list_id: listId,
        channel_id: channelId, subject, body, pacing: pacingBody(pacing),
        ...(channel?.type === 'whatsapp' && params.length ? { options: { template_params: params } } : {}),
        ...(channel?.type === 'whatsapp_web' && attachment ? { options: { attachment: { id: attachment.id } } } : {}) });
      await draftApi.forget().catch(alreadyReported);
      onCreated(campaign.id);
    } catch (err) {
      showError(err as Error, true);
    }
  };
  const fields = [...PLACEHOLDER_BUILTINS, ...listFields];

  return (
    // Busy until the saved draft is in the fields: a restore landing mid-edit would mix the two (the untouched
    // check cannot see an edit the browser has begun but not yet delivered).
    <section className="screen" aria-labelledby="compose-title" aria-busy={!restored && choices.error === null}>
      <header className="screen__header">
        <div>
          <h1 id="compose-title">Compose a campaign</h1>
          <p className="muted">One personalised message to everyone on a saved list, through one channel, at a safe pace.</p>
        </div>
      </header>
      {notice && <Alert tone={notice.tone} onDismiss={() => setNotice(null)}>{notice.text}</Alert>}
      {choices.error !== null && (
        <Alert tone="error" title="Your lists, channels and templates could not be loaded.">
          <p data-testid="choices-error">{choices.error}</p>
          <button type="button" className="btn btn--small" onClick={choices.load}>Try again</button>
        </Alert>
      )}
      <div className="cmp-grid">
        <div className="card cmp-stack">
          <label className="field"><span>Campaign name</span>
            <input aria-label="Campaign name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field"><span>List</span>
            <select aria-label="List" value={listId ?? ''} onChange={(e) => setListId(e.target.value ? Number(e.target.value) : null)}>
              <option value="">Choose a saved list…</option>
              {choices.lists.map((l) => <option key={l.id} value={l.id}>{l.name} ({l.count})</option>)}
            </select>
          </label>
          <div className="cmp-inline-form">
            <label className="field"><span>Channel</span>
              <select aria-label="Channel" value={channelId ?? ''} onChange={(e) => setChannelId(e.target.value ? Number(e.target.value) : null)}>
                <option value="">Choose a channel…</option>
                {choices.channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
              </select>
            </label>
            <button type="button" className="btn btn--small" onClick={() => setChannelOpen(true)}>New channel…</button>
          </div>
          <ReachLine reach={reach} />
          {channel?.type === 'whatsapp_web' && <WhatsAppLink channelId={channel.id} />}
          <label className="field"><span>Start from a template</span>
            <select aria-label="Start from a template" value="" onChange={(e) => useTemplate(e.target.value)}>
              <option value="">—</option>
              {choices.templates.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
          </label>
          {isEmail && (
            <label className="field"><span>Subject (required; placeholders allowed)</span>
              <input ref={subjectRef} aria-label="Subject" required aria-invalid={!subject.trim() || subjectError !== null}
                aria-describedby="subject-error" value={subject}
                onChange={(e) => { setSubject(e.target.value); setSubjectError(null); }} />
              {/* The sidecar's refusal once Create was pressed; before that, a quiet hint. */}
              {subjectError
                ? <span id="subject-error" className="small form-error" role="alert" data-testid="subject-error">{subjectError}</span>
                : !subject.trim() && <span id="subject-error" className="small form-error">An email needs a subject.</span>}
            </label>
          )}
          <label className="field"><span>Message</span>
            <textarea aria-label="Message" rows={6} value={body} onChange={(e) => setBody(e.target.value)}
              aria-invalid={placeholderError !== null} aria-describedby={placeholderError ? 'placeholder-error' : undefined} />
          </label>
          {placeholderError && <PlaceholderError id="placeholder-error" error={placeholderError} onRename={rename} />}
          {channel?.type === 'whatsapp_web' && <AttachmentPicker value={attachment} onChange={setAttachment} />}
          {channel?.type === 'whatsapp' && (
            <label className="field"><span>WhatsApp template parameters, one per line (placeholders allowed)</span>
              <textarea aria-label="WhatsApp template parameters" rows={3} value={templateParams}
                onChange={(e) => setTemplateParams(e.target.value)} />
            </label>
          )}
          {channel?.type === 'whatsapp' && params.length > 0 && (
            <ol className="small" aria-label="Template parameters" data-testid="template-params">
              {params.map((p, i) => {
                // What the sidecar rendered for the previewed contact (absent until a list is chosen).
                const rendered = preview?.preview?.template_params[i];
                return (
                  <li key={i}><span className="mono">{`{{${i + 1}}}`}</span> = {p}
                    {rendered !== undefined && rendered !== p && <> → <strong>{rendered}</strong></>}</li>
                );
              })}
            </ol>
          )}
          <div className="cmp-chips" role="group" aria-label="Insert a placeholder">
            {fields.map((f) => (
              <button key={f} type="button" className="btn btn--small btn--ghost" onClick={() => insert(f)}>{`{{${f}}}`}</button>
            ))}
          </div>
          <div className="cmp-inline-form">
            <input aria-label="Template name" placeholder="Template name" value={templateName}
              onChange={(e) => setTemplateName(e.target.value)} />
            <button type="button" className="btn btn--small" disabled={!body.trim()} onClick={saveTemplate}>Save as template</button>
          </div>
        </div>
        <PreviewPanel preview={preview} blocked={placeholderError !== null} isEmail={isEmail} contacts={contacts}
          contactId={contactId} onContact={setContactId} />
      </div>
      {typeDefaults && Object.keys(typeDefaults).length > 0 && (
        <p className="muted">The pacing below starts from this channel's ban-safety defaults: random gaps, bursts then breaks,
          and a daily cap that grows while a newly linked number warms up.</p>
      )}
      <PacingFields value={pacing} onChange={setPacing} />
      {listId !== null && channelId !== null && <ComposePlan listId={listId} channelId={channelId} pacing={pacingBody(pacing)} />}
      <div className="screen__actions">
        <button type="button" className="btn btn--primary" disabled={listId === null || channelId === null || !body.trim()}
          onClick={create}>Create campaign</button>
      </div>
      <ChannelForm open={channelOpen} onClose={() => setChannelOpen(false)} onSaved={(c) => {
        setChannelOpen(false);
        void choices.reload().then(() => setChannelId(c.id));
      }} />
    </section>
  );
}
