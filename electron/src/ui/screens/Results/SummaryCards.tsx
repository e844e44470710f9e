import type { StatusFilter, Summary } from '../../api/types';

interface Props {
  summary: Summary;
  filter: StatusFilter;
  onFilter: (filter: StatusFilter) => void;
}

const CARDS: { filter: StatusFilter; label: string; count: (s: Summary) => number }[] = [
  { filter: 'all', label: 'Entries', count: (s) => s.entries },
  { filter: 'valid', label: 'Valid', count: (s) => s.valid },
  { filter: 'invalid', label: 'Invalid', count: (s) => s.invalid },
  { filter: 'duplicate', label: 'Duplicates', count: (s) => s.duplicates },
];

const numberFormat = new Intl.NumberFormat('en');

/** The import's totals; each card is also the filter tab for its rows. */
export function SummaryCards({ summary, filter, onFilter }: Props) {
  return (
    <div className="summary" role="group" aria-label="Filter rows by status">
      {CARDS.map((card) => (
        <button
          key={card.filter}
          type="button"
          aria-pressed={filter === card.filter}
          className={`summary__card summary__card--${card.filter}${filter === card.filter ? ' is-selected' : ''}`}
          onClick={() => onFilter(card.filter)}
          data-testid={`summary-${card.filter}`}
        >
          <span className="summary__count">{numberFormat.format(card.count(summary))}</span>
          <span className="summary__label">{card.label}</span>
        </button>
      ))}
    </div>
  );
}
