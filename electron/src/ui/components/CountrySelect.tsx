import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { RegionOption } from '../hooks/useRegions';

interface Props {
  label: string;
  options: RegionOption[];
  value: string;
  onChange: (code: string) => void;
  disabled?: boolean;
}

/** How well an option matches: 0 exact code or name start, 1 word start, 2 anywhere, 3 calling code; -1 none. */
function rank(option: RegionOption, q: string): number {
  const name = option.name.toLowerCase();
  if (option.code.toLowerCase() === q || name.startsWith(q)) return 0;
  if (name.includes(' ' + q)) return 1;
  if (name.includes(q)) return 2;
  return String(option.calling_code).startsWith(q) ? 3 : -1;
}

/** Options matching what the user typed, best matches first (so "ind" offers India before British Indian…). */
function matching(options: RegionOption[], query: string): RegionOption[] {
  const q = query.trim().toLowerCase().replace(/^\+/, '');
  if (!q) return options;
  return options
    .map((option) => ({ option, score: rank(option, q) }))
    .filter((m) => m.score >= 0)
    .sort((a, b) => a.score - b.score)
    .map((m) => m.option);
}

/** How a country reads in the closed field. */
function label(option: RegionOption | undefined, code: string): string {
  return option ? `${option.name} (+${option.calling_code})` : code;
}

/** A searchable country combobox (ARIA 1.2 combobox + listbox), keyboard first. */
export function CountrySelect({ label: fieldLabel, options, value, onChange, disabled }: Props) {
  const id = useId();
  const listId = `${id}-list`;
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const open = query !== null;
  // After closing, the field shows the chosen country selected, so typing again starts a new search. Done in a
  // layout effect, right after the field shows the country and before the next key is handled: a frame later
  // (requestAnimationFrame), keys typed meanwhile were appended to the country's name or lost.
  const wasOpen = useRef(open);
  useLayoutEffect(() => {
    if (wasOpen.current && !open && document.activeElement === inputRef.current) inputRef.current?.select();
    wasOpen.current = open;
  }, [open]);
  const selected = options.find((o) => o.code === value);
  const shown = useMemo(() => matching(options, query ?? ''), [options, query]);

  const close = () => setQuery(null);
  const choose = (option: RegionOption | undefined) => {
    if (option) onChange(option.code);
    close();
  };
  const move = (to: number) => {
    const next = Math.max(0, Math.min(shown.length - 1, to));
    setActive(next);
    listRef.current?.children[next]?.scrollIntoView({ block: 'nearest' });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => (open ? move(active + 1) : openList('')),
      ArrowUp: () => open && move(active - 1),
      PageDown: () => open && move(active + 8),
      PageUp: () => open && move(active - 8),
      Enter: () => open && choose(shown[active]),
      Escape: () => open && close(),
    };
    const action = keys[event.key];
    if (action && (open || event.key === 'ArrowDown')) {
      event.preventDefault();
      event.stopPropagation();
      action();
    }
  };
  // Opening without a search starts on the chosen country, so Enter (or Tab) keeps it rather than picking the
  // first country of the list by surprise; typing starts on the best match.
  const openList = (text: string) => {
    setQuery(text);
    const current = text ? 0 : Math.max(0, options.findIndex((o) => o.code === value));
    setActive(current);
    if (!text) requestAnimationFrame(() => listRef.current?.children[current]?.scrollIntoView({ block: 'nearest' }));
  };

  return (
    <div className="country-select">
      <label htmlFor={id}>{fieldLabel}</label>
      <input
        id={id}
        ref={inputRef}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && shown[active] ? `${id}-${shown[active].code}` : undefined}
        autoComplete="off"
        spellCheck={false}
        disabled={disabled}
        placeholder="Search countries"
        value={open ? query : label(selected, value)}
        onFocus={(e) => { openList(''); e.currentTarget.select(); }}
        onClick={() => !open && openList('')}
        onChange={(e) => openList(e.target.value)}
        onBlur={() => setQuery(null)}
        onKeyDown={onKeyDown}
      />
      {open && (
        <ul className="country-select__list" role="listbox" id={listId} ref={listRef} aria-label={fieldLabel}>
          {shown.length === 0 && <li className="country-select__empty">No country matches “{query}”</li>}
          {shown.map((option, index) => (
            <li
              key={option.code}
              id={`${id}-${option.code}`}
              role="option"
              aria-selected={option.code === value}
              className={index === active ? 'is-active' : undefined}
              // mousedown, not click: the input's blur would close the list before a click lands.
              onMouseDown={(e) => { e.preventDefault(); choose(option); }}
              onMouseEnter={() => setActive(index)}
            >
              <span>{option.name}</span>
              <span className="muted">{option.code} · +{option.calling_code}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
