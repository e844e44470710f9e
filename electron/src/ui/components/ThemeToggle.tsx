import type { ThemeChoice } from '../hooks/useTheme';

interface Props {
  choice: ThemeChoice;
  effective: 'light' | 'dark';
  onChange: (choice: ThemeChoice) => void;
}

/** Switches between light and dark; the choice is remembered (system until the user picks). */
export function ThemeToggle({ choice, effective, onChange }: Props) {
  const next = effective === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="btn btn--ghost theme-toggle"
      onClick={() => onChange(next)}
      aria-label={`${effective === 'dark' ? 'Dark' : 'Light'} theme: switch to ${next} theme`}
      title={choice === 'system' ? `Following the system (${effective})` : `${effective} theme`}
    >
      <span aria-hidden="true">{effective === 'dark' ? '☾' : '☀'}</span>
      <span className="theme-toggle__text">{effective === 'dark' ? 'Dark' : 'Light'}</span>
    </button>
  );
}
