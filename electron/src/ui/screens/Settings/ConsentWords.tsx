import { useEffect, useState, type FormEvent } from 'react';
import { consentApi } from '../../api/client';
import type { ConsentKeywords, KeywordLists } from '../../api/deliveryTypes';
import { Alert } from '../../components/Alert';

/** One word or phrase per line, blank lines dropped. */
function words(text: string): string[] {
  return text.split('\n').map((w) => w.trim()).filter(Boolean);
}

/** The opt-out and opt-in words: a reply that is one of them puts the contact on the consent list or takes them off. */
export function ConsentWords() {
  const [saved, setSaved] = useState<ConsentKeywords | null>(null);
  const [optOut, setOptOut] = useState('');
  const [optIn, setOptIn] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = (k: ConsentKeywords) => {
    setSaved(k);
    setOptOut(k.opt_out.join('\n'));
    setOptIn(k.opt_in.join('\n'));
  };
  useEffect(() => {
    consentApi.keywords().then(show).catch((err: Error) => setError(`Could not read the opt-out words: ${err.message}`));
  }, []);

  const store = async (lists: KeywordLists, done: string) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      show(await consentApi.saveKeywords(lists));
      setNotice(done);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const lists = { opt_out: words(optOut), opt_in: words(optIn) };
    if (lists.opt_out.length === 0 || lists.opt_in.length === 0) {
      setError('Keep at least one opt-out word and one opt-in word.');
      return;
    }
    void store(lists, 'Opt-out words saved.');
  };

  return (
    <section className="card cmp-stack" aria-labelledby="consent-words-title" data-testid="consent-words">
      <h2 id="consent-words-title" className="cmp-title">Opt-out words</h2>
      <p className="muted small">
        A reply that is one of these words (any capitalisation) puts the contact on the consent list, so no campaign
        contacts them again; an opt-in word takes them off it.
      </p>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      <form className="cmp-stack" onSubmit={save}>
        <div className="cmp-grid">
          <label className="field">
            <span>Opt-out words, one per line</span>
            <textarea rows={6} value={optOut} disabled={!saved} onChange={(e) => setOptOut(e.target.value)} />
          </label>
          <label className="field">
            <span>Opt-in words, one per line</span>
            <textarea rows={6} value={optIn} disabled={!saved} onChange={(e) => setOptIn(e.target.value)} />
          </label>
        </div>
        <div className="screen__actions">
          <button type="submit" className="btn btn--primary" disabled={!saved || busy}>Save words</button>
          <button type="button" className="btn" disabled={!saved || busy}
            onClick={() => saved && void store(saved.defaults, 'Default words restored.')}>
            Restore defaults
          </button>
        </div>
        <p className="small" role="status">{notice}</p>
      </form>
    </section>
  );
}
