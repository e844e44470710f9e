import { useState, type FormEvent } from 'react';

interface Props {
  disabled: boolean;
  onSubmit: (text: string) => void;
}

/** A text area for numbers pasted from anywhere: one per line, or separated by commas/semicolons. */
export function PasteNumbers({ disabled, onSubmit }: Props) {
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) onSubmit(text);
  };
  return (
    <form className="paste" onSubmit={submit}>
      <label htmlFor="paste-numbers">Or paste numbers</label>
      <textarea
        id="paste-numbers"
        rows={7}
        value={text}
        placeholder={'+44 7911 123456\n098765 43210\n(415) 555-2671'}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          // Ctrl/Cmd+Enter submits; plain Enter must stay a newline in a list of numbers.
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
        }}
      />
      <div className="paste__actions">
        <span className="muted small">One number per line, or separated by commas. Ctrl+Enter to check.</span>
        <button type="submit" className="btn" disabled={disabled || !text.trim()}>Check pasted numbers</button>
      </div>
    </form>
  );
}
