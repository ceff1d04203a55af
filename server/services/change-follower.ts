export type ProgressReporter = (progress: { done: number; total: number }) => void;

/**
 * One pass of a derived-data follower: read the watermark, apply every change after it in batches,
 * advance the watermark after each batch. Used for the search index and the matching engine, so a
 * crash between a store commit and the derived write is always repaired by the next pass.
 */
export async function followChanges({
  readWatermark,
  writeWatermark,
  changesSince,
  latestSeq,
  apply,
  batchSize,
  onProgress,
}: {
  readWatermark: () => Promise<number>;
  writeWatermark: (seq: number) => Promise<void>;
  changesSince: (input: { afterSeq: number; limit: number }) => Promise<{ id: string; seq: number }[]>;
  latestSeq: () => Promise<number>;
  apply: (ids: string[]) => Promise<void>;
  batchSize: number;
  onProgress?: ProgressReporter;
}): Promise<number> {
  let watermark = await readWatermark();
  const latest = await latestSeq();
  const startedAt = watermark;
  let applied = 0;
  for (;;) {
    const changes = await changesSince({ afterSeq: watermark, limit: batchSize });
    const last = changes.at(-1);
    if (!last) return applied;
    await apply(changes.map((c) => c.id));
    watermark = last.seq;
    await writeWatermark(watermark);
    applied += changes.length;
    onProgress?.({ done: Math.min(watermark, latest) - startedAt, total: Math.max(latest - startedAt, 1) });
  }
}
