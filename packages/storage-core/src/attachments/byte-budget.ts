/**
 * Bytes a migration run may hold in memory at once, shared by all its workers: a worker
 * waits for its share before it reads a file into memory, and gives it back once the file is
 * sent. Waiters are served in order, so a large file is not starved by small ones.
 */
export class ByteBudget {
  private free: number;
  private readonly waiting: Array<{ bytes: number; go: () => void }> = [];

  /** @param total bytes in flight at most (at least the largest single request). */
  constructor(private readonly total: number) {
    this.free = total;
  }

  /** Waits until `bytes` (capped at the total) are free and takes them; the release function gives them back. */
  async take(bytes: number): Promise<() => void> {
    const share = Math.min(bytes, this.total);
    if (this.waiting.length > 0 || this.free < share)
      await new Promise<void>((go) => this.waiting.push({ bytes: share, go }));
    else this.free -= share;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += share;
      this.wake();
    };
  }

  /** Bytes taken right now. */
  get used(): number {
    return this.total - this.free;
  }

  private wake(): void {
    for (let next = this.waiting[0]; next && next.bytes <= this.free;) {
      this.waiting.shift();
      this.free -= next.bytes;
      next.go();
      next = this.waiting[0];
    }
  }
}
