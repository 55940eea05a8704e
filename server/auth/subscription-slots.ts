/** Caps on open subscriptions (graphql-ws and SSE alike): per credential, and for the whole instance. */
export class SubscriptionSlots {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(private readonly perCredential: number, private readonly overall: number) {}

  /** A release function for the slot taken, or undefined when a cap is reached. */
  acquire(id: string): (() => void) | undefined {
    const mine = this.open.get(id) ?? 0;
    if (mine >= this.perCredential || this.total >= this.overall) return undefined;
    this.open.set(id, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.open.get(id) ?? 1) - 1;
      if (left > 0) this.open.set(id, left);
      else this.open.delete(id);
    };
  }

  get size(): number {
    return this.total;
  }
}
