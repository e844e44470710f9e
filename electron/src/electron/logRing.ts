/** A fixed-size buffer of the sidecar's most recent output lines, for the error screen. */
export class LogRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity = 200) {}

  /** Add a chunk of raw output; complete lines are kept, a trailing fragment waits for its newline. */
  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** Add one whole line (used for the app's own notes about the sidecar). */
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  /** The kept lines, oldest first, including an unfinished last line. */
  snapshot(): string[] {
    const all = this.partial ? [...this.lines, this.partial] : [...this.lines];
    return all.slice(-this.capacity);
  }
}
