import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/core/db/database.ts";
import { DomainEvents } from "../../src/core/events.ts";
import { createLogger } from "../../src/core/logging.ts";
import { openScratchDatabase } from "../support/database.ts";

/**
 * The domain event bus: reactions inside the publisher's transaction commit
 * or roll back with it; after-commit reactions run only for a commit; an
 * event published outside the bus's transaction is refused, not dropped.
 */

type TestEvent = { type: "thing.happened"; key: string } | { type: "thing.undone"; key: string };

let db: Database;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ db, dispose } = await openScratchDatabase("events"));
});

afterAll(async () => {
  await dispose?.();
});

function busWithReaction() {
  const committed: string[] = [];
  let commits = 0;
  const bus = new DomainEvents<TestEvent>({ prisma: db.prisma, log: createLogger("silent") })
    // The reaction writes a row in the publisher's transaction (a processed-delivery row is a plain keyed table).
    .on("thing.happened", async (tx, event) => {
      await tx.processedGitHubDelivery.create({ data: { deliveryId: event.key, event: "test", receivedAt: new Date() } });
    })
    .afterCommit(["thing.happened", "thing.undone"], (events) => committed.push(events.map((event) => `${event.type}:${event.key}`).join(",")))
    .afterEveryCommit(() => commits++);
  return { bus, committed, commits: () => commits };
}

const rowExists = async (key: string) =>
  (await db.prisma.processedGitHubDelivery.count({ where: { deliveryId: key } })) === 1;

describe("domain events", () => {
  it("a reaction commits with the change that published the event, and after-commit subscribers hear the commit once", async () => {
    const { bus, committed, commits } = busWithReaction();
    await bus.transaction(async (tx) => {
      await bus.publish(tx, { type: "thing.happened", key: "commit-1" });
      await bus.publish(tx, { type: "thing.undone", key: "commit-1" });
    });
    expect(await rowExists("commit-1")).toBe(true);
    expect(committed).toEqual(["thing.happened:commit-1,thing.undone:commit-1"]);
    expect(commits()).toBe(1);
  });

  it("every commit through the bus runs the commit listeners, even one that published nothing (queued posts go out at once)", async () => {
    const { bus, committed, commits } = busWithReaction();
    await bus.transaction(async (tx) => {
      await tx.processedGitHubDelivery.create({ data: { deliveryId: "quiet-1", event: "test", receivedAt: new Date() } });
    });
    expect(commits()).toBe(1);
    expect(committed).toEqual([]);
  });

  it("when the transaction fails, the reaction is rolled back and no after-commit subscriber runs", async () => {
    const { bus, committed, commits } = busWithReaction();
    await expect(
      bus.transaction(async (tx) => {
        await bus.publish(tx, { type: "thing.happened", key: "rollback-1" });
        throw new Error("the change failed after publishing");
      }),
    ).rejects.toThrow("the change failed after publishing");
    expect(await rowExists("rollback-1")).toBe(false);
    expect(committed).toEqual([]);
    expect(commits()).toBe(0);
  });

  it("a reaction that fails rolls the publisher's change back", async () => {
    const bus = new DomainEvents<TestEvent>({ prisma: db.prisma, log: createLogger("silent") }).on("thing.happened", async () => {
      throw new Error("the reaction failed");
    });
    await expect(
      bus.transaction(async (tx) => {
        await tx.processedGitHubDelivery.create({ data: { deliveryId: "publisher-1", event: "test", receivedAt: new Date() } });
        await bus.publish(tx, { type: "thing.happened", key: "publisher-1" });
      }),
    ).rejects.toThrow("the reaction failed");
    expect(await rowExists("publisher-1")).toBe(false);
  });

  it("refuses an event published on a transaction it did not open", async () => {
    const { bus, committed } = busWithReaction();
    await expect(
      db.prisma.$transaction((tx) => bus.publish(tx, { type: "thing.happened", key: "outside-1" })),
    ).rejects.toThrow(/outside DomainEvents.transaction/);
    expect(await rowExists("outside-1")).toBe(false);
    expect(committed).toEqual([]);
  });

  it("an after-commit subscriber that throws does not stop the others or undo the commit", async () => {
    const heard: string[] = [];
    const bus = new DomainEvents<TestEvent>({ prisma: db.prisma, log: createLogger("silent") })
      .afterCommit("thing.undone", () => {
        throw new Error("a view failed to refresh");
      })
      .afterCommit("thing.undone", (events) => heard.push(...events.map((event) => event.key)));
    await bus.transaction(async (tx) => {
      await tx.processedGitHubDelivery.create({ data: { deliveryId: "after-1", event: "test", receivedAt: new Date() } });
      await bus.publish(tx, { type: "thing.undone", key: "after-1" });
    });
    expect(heard).toEqual(["after-1"]);
    expect(await rowExists("after-1")).toBe(true);
  });
});
