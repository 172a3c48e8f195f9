import { randomUUID } from "node:crypto";
import { isStorageError } from "../errors.js";
import type {
  AttachmentRecord,
  HeldLock,
  RefMove,
} from "./attachment-index.js";
import { placement, type AttachmentsContext } from "./context.js";
import { ByteBudget } from "./byte-budget.js";
import {
  BatchKeys,
  IN_MEMORY_LIMIT,
  STREAMED_PROOFS,
  copyToTarget,
  planCopy,
  toFreshKey,
  type PlannedCopy,
} from "./copy-object.js";
import { isForcedToDatabase } from "./force-database.js";
import { collectRefs, sweepGarbage } from "./garbage.js";
import type {
  MigrateOptions,
  MigrationItem,
  MigrationReport,
} from "./migration-types.js";
import { parseRef, refLocation } from "./refs.js";
import { MIGRATION_LOCK } from "./settings.js";
import type { AttachmentLocation } from "./store-router.js";

/** What a run moves: rows of these locations, each to where `desired` says (or nowhere). */
export interface MovePlan {
  target: string;
  sources: readonly string[];
  desired(record: AttachmentRecord): AttachmentLocation | undefined;
}

function schemeOf(record: AttachmentRecord): string | undefined {
  try {
    return parseRef(record.ref).scheme;
  } catch {
    return undefined;
  }
}

/** The plan of `migrate`: local files (and, when asked, database files) to where they belong. */
export async function migrationPlan(
  ctx: AttachmentsContext,
  includeDatabase: boolean,
): Promise<MovePlan> {
  const settings = await ctx.settings();
  const sources: string[] = [];
  if (settings.location !== "file") sources.push("file");
  if (
    includeDatabase &&
    settings.location !== "db" &&
    settings.location !== "file"
  )
    sources.push("db");
  // Fail fast, before the lock, when the location has no write store (E_NOT_CONFIGURED).
  if (sources.length > 0) ctx.router.writeTarget(settings.location);
  const desired = (
    record: AttachmentRecord,
  ): AttachmentLocation | undefined => {
    const want = placement(settings, false, record.mimetype, record.size);
    return want === schemeOf(record) ? undefined : want;
  };
  return { target: settings.location, sources, desired };
}

/** The plan of `forceDatabase`: files the force-DB rule keeps in the database, from anywhere. */
export async function forceDatabasePlan(
  ctx: AttachmentsContext,
): Promise<MovePlan> {
  const { forceDatabase, forceDatabaseCeiling } = await ctx.settings();
  const sources = (await ctx.index.stats())
    .map((s) => s.location)
    .filter((l) => l !== "db");
  const desired = (r: AttachmentRecord): AttachmentLocation | undefined =>
    isForcedToDatabase(forceDatabase, r.mimetype, r.size, forceDatabaseCeiling)
      ? "db"
      : undefined;
  if (sources.length > 0) ctx.router.writeTarget("db");
  return { target: "db", sources, desired };
}

/** A report of a migration that moved nothing (yet). */
export function emptyReport(target: string, dryRun: boolean): MigrationReport {
  return {
    status: "done",
    dryRun,
    target,
    moved: 0,
    skipped: 0,
    failed: [],
    bytes: 0,
    durationMs: 0,
    filesPerSecond: 0,
    bytesPerSecond: 0,
    collected: 0,
  };
}

function finish(report: MigrationReport, started: number): MigrationReport {
  report.durationMs = Math.round(performance.now() - started);
  const seconds = Math.max(report.durationMs, 1) / 1000;
  report.filesPerSecond = Math.round((report.moved / seconds) * 10) / 10;
  report.bytesPerSecond = Math.round(report.bytes / seconds);
  return report;
}

/** Runs a plan: one runner at a time, batch by batch, old bytes collected after each commit. */
export async function runPlan(
  ctx: AttachmentsContext,
  plan: MovePlan,
  options: MigrateOptions,
): Promise<MigrationReport> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  const report = emptyReport(plan.target, dryRun);
  let lock: HeldLock | undefined;
  if (!dryRun) {
    lock = await ctx.index.acquireLock(
      MIGRATION_LOCK,
      options.holder ?? "migrate",
    );
    if (!lock)
      return finish(
        {
          ...report,
          status: "already-running",
          reason: "another process holds the migration lock",
        },
        started,
      );
  }
  const signals = [options.signal, lock?.signal].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  const signal = AbortSignal.any(signals);
  try {
    if (!dryRun) report.collected += (await sweepGarbage(ctx, signal)).deleted;
    const counts = await ctx.index.stats();
    const total = counts
      .filter((c) => plan.sources.includes(c.location))
      .reduce((sum, c) => sum + c.count, 0);
    const run = new Run(ctx, plan, options, report, total, signal);
    if (plan.sources.length > 0) await (dryRun ? run.dryRun() : run.move());
    if (!dryRun) report.collected += (await sweepGarbage(ctx, signal)).deleted;
  } catch (error) {
    if (!signal.aborted) throw error;
    report.status = "aborted";
    report.reason =
      lock?.signal.aborted === true
        ? "the migration lock was lost"
        : "aborted by the caller";
  } finally {
    await lock?.release();
  }
  return finish(report, started);
}

/** One claimed batch on its way through a run. */
interface Batch {
  rows: readonly AttachmentRecord[];
  /** The ref change of each row copied so far. */
  moves: Map<string, RefMove>;
  /** Refs failed copies may have left bytes under: collected once the claim ends. */
  leftovers: string[];
  /** Copies not finished yet. */
  left: number;
}

class Run {
  private done = 0;
  constructor(
    private readonly ctx: AttachmentsContext,
    private readonly plan: MovePlan,
    private readonly options: MigrateOptions,
    private readonly report: MigrationReport,
    private readonly total: number,
    private readonly signal: AbortSignal,
  ) {
    this.budget = new ByteBudget(
      Math.max(options.bytesInFlight ?? 32 * 1024 * 1024, IN_MEMORY_LIMIT),
    );
  }

  private readonly budget: ByteBudget;
  private readonly proofs = new ByteBudget(STREAMED_PROOFS);

  private progress(
    record: AttachmentRecord,
    to: string,
    status: MigrationItem["status"],
    reason?: string,
  ): void {
    this.done += 1;
    const item: MigrationItem = {
      id: record.id,
      name: record.name,
      size: record.size,
      from: record.ref,
      to,
      status,
    };
    if (reason !== undefined) item.reason = reason;
    this.options.onProgress?.({
      item,
      done: this.done,
      total: this.total,
      bytes: this.report.bytes,
    });
  }

  async dryRun(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      this.signal.throwIfAborted();
      const limit = this.options.batchSize ?? 100;
      const rows = await this.ctx.index.list(
        after === undefined
          ? { locations: this.plan.sources, limit }
          : { locations: this.plan.sources, after, limit },
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        const want = this.plan.desired(row);
        if (want === undefined) {
          this.report.skipped += 1;
          this.progress(row, refLocationOf(row), "skipped");
          continue;
        }
        this.report.moved += 1;
        this.report.bytes += row.size;
        this.progress(row, want, "planned");
      }
      after = rows.at(-1)?.id;
    }
  }

  /**
   * claim → reserve → copy → commit, batch by batch, the batches overlapping: the next batch
   * is claimed while the last files of one are still copying, and a batch commits while the
   * next one copies, so the workers never wait for the index (on PostgreSQL a batch's
   * claim, reservations and commit are some 200 statements) nor for a batch's slowest file.
   * Invariants: a claimed row is a committed lease (no transaction is open while bytes move);
   * every ref a copy may write is reserved in the index before the write, so no collection
   * deletes it before the commit (a ref being collected at that moment is not used: the row
   * goes to a fresh key); two copies in flight never write other bytes under one key, in one
   * batch or two; the source is proven before the target is touched; old bytes are collected
   * only after the commit. When anything fails or the run is aborted, no further file
   * starts, no batch commits after that, and every claim still open is released.
   */
  async move(): Promise<void> {
    const { index } = this.ctx;
    const claimant = randomUUID();
    const limit = this.options.batchSize ?? 100;
    const concurrency = Math.max(1, this.options.concurrency ?? 4);
    const queue: Array<{ plan: PlannedCopy; batch: Batch }> = [];
    /** Claimed and not yet committed, in claim order. */
    const open: Batch[] = [];
    let after: string | undefined;
    let exhausted = false;
    let claiming: Promise<void> | undefined;
    let stopped: { error: unknown } | undefined;
    let commits: Promise<void> = Promise.resolve();
    // Idle workers wait for a change: a batch claimed or committed, the run stopped.
    let wake = (): void => undefined;
    let changed = new Promise<void>((resolve) => (wake = resolve));
    const notify = (): void => {
      const woken = wake;
      changed = new Promise<void>((resolve) => (wake = resolve));
      woken();
    };
    const stop = (error: unknown): void => {
      stopped ??= { error };
      notify();
    };

    const commit = async (batch: Batch): Promise<void> => {
      if (stopped) return;
      const moves = [...batch.moves.values()];
      const ids = batch.rows.map((r) => r.id);
      const applied = await index.commitClaim(claimant, ids, moves);
      open.splice(open.indexOf(batch), 1);
      // Committed: the index now holds every ref these copies wrote.
      for (const move of moves) this.keys.release(move.to);
      notify();
      await this.committed(batch, new Set(applied));
    };
    const copied = (batch: Batch): void => {
      commits = commits.then(() => commit(batch)).catch(stop);
    };
    const claim = async (): Promise<void> => {
      const query =
        after === undefined
          ? { locations: this.plan.sources, limit }
          : { locations: this.plan.sources, after, limit };
      // We hold the migration lock: any other claim is a lost run's.
      const rows = await index.claimRows(query, { claimant, takeOver: true });
      if (rows.length === 0) {
        exhausted = true;
        return;
      }
      after = rows.at(-1)?.id;
      const batch: Batch = {
        rows,
        moves: new Map(),
        leftovers: [],
        left: 0,
      };
      open.push(batch);
      const planned = this.planAll(rows);
      const busy = new Set(
        await index.reserveRefs(
          claimant,
          planned.map((p) => ({ id: p.record.id, ref: p.target.ref(p.key) })),
        ),
      );
      for (const p of planned)
        queue.push({
          plan: busy.has(p.target.ref(p.key)) ? toFreshKey(p, this.keys) : p,
          batch,
        });
      batch.left = planned.length;
      if (batch.left === 0) copied(batch);
    };
    // The next batch is claimed once the queue holds fewer files than there are workers;
    // at most three batches are open (one copying, one starting, one committing).
    const refill = (): void => {
      if (
        stopped ||
        exhausted ||
        claiming !== undefined ||
        queue.length >= concurrency ||
        open.length >= 3
      )
        return;
      claiming = claim()
        .catch(stop)
        .finally(() => {
          claiming = undefined;
          notify();
        });
    };
    const worker = async (): Promise<void> => {
      try {
        for (;;) {
          this.signal.throwIfAborted();
          if (stopped) return;
          refill();
          const next = queue.shift();
          if (next === undefined) {
            if (exhausted && claiming === undefined) return;
            // A claim under way, or three batches open (one commits first).
            await changed;
            continue;
          }
          await this.copyOne(next.plan, next.batch);
          next.batch.left -= 1;
          if (next.batch.left === 0) copied(next.batch);
        }
      } catch (error) {
        stop(error);
      }
    };
    // Every worker settles, and every commit started ends, before the run returns or
    // releases its claims: nothing keeps copying or committing after.
    await Promise.all(Array.from({ length: concurrency }, worker));
    await claiming;
    await commits;
    if (stopped) {
      await Promise.all(
        open.map((batch) =>
          index
            .releaseClaim(
              claimant,
              batch.rows.map((r) => r.id),
            )
            .catch(() => undefined),
        ),
      );
      throw stopped.error;
    }
  }

  private readonly keys = new BatchKeys();

  /** The rows to move, each with its target and key; the others are reported skipped. */
  private planAll(rows: readonly AttachmentRecord[]): PlannedCopy[] {
    const plans: PlannedCopy[] = [];
    for (const row of rows) {
      const want = this.plan.desired(row);
      if (want === undefined) {
        this.report.skipped += 1;
        this.progress(row, refLocationOf(row), "skipped");
        continue;
      }
      try {
        plans.push(planCopy(row, this.ctx.router.writeTarget(want), this.keys));
      } catch (error) {
        this.fail(row, want, error);
      }
    }
    return plans;
  }

  private async copyOne(plan: PlannedCopy, batch: Batch): Promise<void> {
    try {
      batch.moves.set(
        plan.record.id,
        await copyToTarget(this.ctx, plan, {
          verify: this.options.verify ?? "size",
          keys: this.keys,
          leftovers: batch.leftovers,
          budget: this.budget,
          proofs: this.proofs,
          signal: this.signal,
        }),
      );
    } catch (error) {
      if (this.signal.aborted) throw error;
      this.fail(plan.record, plan.target.location, error);
    }
  }

  private fail(row: AttachmentRecord, to: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = isStorageError(error)
      ? { id: row.id, ref: row.ref, code: error.code, reason }
      : { id: row.id, ref: row.ref, reason };
    this.report.failed.push(failure);
    this.progress(row, to, "failed", reason);
  }

  private async committed(
    batch: Batch,
    applied: ReadonlySet<string>,
  ): Promise<void> {
    // The claim has ended: what failed copies left is collected unless something uses it.
    const unused: string[] = [...batch.leftovers];
    for (const row of batch.rows) {
      const move = batch.moves.get(row.id);
      if (!move) continue;
      if (!applied.has(row.id)) {
        // Deleted or moved meanwhile: drop our copy unless something uses it.
        unused.push(move.to);
        this.report.skipped += 1;
        this.progress(row, move.to, "skipped", "changed while it was copied");
        continue;
      }
      if (move.collect) unused.push(move.from);
      this.report.moved += 1;
      this.report.bytes += row.size;
      this.progress(row, move.to, "moved");
    }
    // One transaction for the whole batch; what fails stays queued for the final sweep.
    const result = await collectRefs(this.ctx, unused).catch(() => undefined);
    this.report.collected += result?.deleted.length ?? 0;
  }
}

function refLocationOf(record: AttachmentRecord): string {
  try {
    return refLocation(parseRef(record.ref));
  } catch {
    return record.ref;
  }
}
