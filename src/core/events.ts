import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Logger } from "./logging.ts";
import type { Transaction } from "./scheduler/types.ts";

/**
 * Domain events, published inside the transaction that causes them.
 *
 * A capability that must react in the same commit (paging on activation, the
 * resolved notice on resolve) subscribes with `on`: its handler runs in the
 * publisher's transaction, so the change and every reaction to it commit
 * together or not at all; a handler that throws rolls the whole change back.
 * A reaction that only refreshes a view of the data (the status page cache,
 * App Homes) subscribes with `afterCommit`: it runs once the transaction has
 * committed, and never for one that rolled back, with the events of its
 * types that transaction published (once per commit, so a resolve that
 * publishes two events refreshes a view once).
 *
 * Publishing is only possible inside `transaction`, which knows when the
 * commit happened; publishing on any other transaction throws, so an event
 * can never be silently dropped.
 */

type EventOf<E extends { type: string }, T extends E["type"]> = Extract<E, { type: T }>;
type InTransaction<E> = (tx: Transaction, event: E) => Promise<void>;
type AfterCommit<E> = (events: readonly E[]) => void;

export class DomainEvents<E extends { type: string }> {
  private readonly inTransaction = new Map<string, InTransaction<E>[]>();
  private readonly committed: { types: ReadonlySet<string>; handler: AfterCommit<E> }[] = [];
  private readonly open = new WeakMap<Transaction, E[]>();
  private readonly commitListeners: (() => void)[] = [];

  constructor(private readonly deps: { prisma: PrismaClient; log: Logger }) {}

  /**
   * Runs after every commit of `transaction`, whether or not it published an
   * event (the timer engine's wake-up: a page queued by a transaction that
   * publishes nothing must still go out at once).
   */
  afterEveryCommit(listener: () => void): this {
    this.commitListeners.push(listener);
    return this;
  }

  /** Reacts inside the publisher's transaction. */
  on<T extends E["type"]>(type: T, handler: InTransaction<EventOf<E, T>>): this {
    push(this.inTransaction, type, handler as InTransaction<E>);
    return this;
  }

  /**
   * Reacts once a transaction that published any of `types` has committed,
   * with those events in order. Failures are logged, never thrown.
   */
  afterCommit<T extends E["type"]>(types: T | readonly T[], handler: AfterCommit<EventOf<E, T>>): this {
    this.committed.push({ types: new Set(typeof types === "string" ? [types] : types), handler: handler as AfterCommit<E> });
    return this;
  }

  /** Runs `work` in one transaction; events it publishes reach after-commit subscribers once it commits. */
  async transaction<R>(work: (tx: Transaction) => Promise<R>): Promise<R> {
    let published: E[] = [];
    const result = await this.deps.prisma.$transaction(async (tx) => {
      published = [];
      this.open.set(tx, published);
      try {
        return await work(tx);
      } finally {
        this.open.delete(tx);
      }
    });
    for (const listener of this.commitListeners) listener();
    for (const { types, handler } of this.committed) {
      const relevant = published.filter((event) => types.has(event.type));
      if (relevant.length > 0) this.deliverCommitted(handler, relevant);
    }
    return result;
  }

  /** Publishes inside a transaction opened by `transaction`. */
  async publish(tx: Transaction, event: E): Promise<void> {
    const published = this.open.get(tx);
    if (!published) {
      throw new Error(`${event.type} was published outside DomainEvents.transaction: its after-commit subscribers would never run`);
    }
    published.push(event);
    for (const handler of this.inTransaction.get(event.type) ?? []) await handler(tx, event);
  }

  private deliverCommitted(handler: AfterCommit<E>, events: readonly E[]): void {
    try {
      handler(events);
    } catch (error) {
      this.deps.log.error({ err: error, events: events.map((event) => event.type) }, "after-commit subscriber failed");
    }
  }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
