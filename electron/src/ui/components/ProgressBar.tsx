interface Props {
  label: string;
  /** 0..1, or null while the amount of work is unknown (server-side processing). */
  fraction: number | null;
}

/** A determinate or indeterminate progress bar with its label. */
export function ProgressBar({ label, fraction }: Props) {
  const percent = fraction === null ? undefined : Math.round(fraction * 100);
  return (
    <div className="progress">
      <div className="progress__label">
        <span>{label}</span>
        {percent !== undefined && <span>{percent}%</span>}
      </div>
      <progress className="progress__bar" max={100} value={percent} aria-label={label} />
    </div>
  );
}
