/**
 * A progress line for long jobs: redrawn in place on a terminal, printed every few seconds when the
 * output goes to a log file so the log stays readable.
 */
export function createProgressBar({ label, stream = process.stderr }: { label: string; stream?: NodeJS.WriteStream }) {
  const startedAt = Date.now();
  let lastPrinted = 0;
  const render = ({ done, total, extra }: { done: number; total: number | null; extra?: string }) => {
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const tail = `${done}${total ? `/${total}` : ''} · ${rate}/s · ${seconds.toFixed(1)}s${extra ? ` · ${extra}` : ''}`;
    if (!total) return `${label} ${tail}`;
    const ratio = Math.min(done / total, 1);
    const width = 28;
    const filled = Math.round(ratio * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${tail}`;
  };
  return {
    update(progress: { done: number; total: number | null; extra?: string }) {
      if (stream.isTTY) {
        stream.write(`\r${render(progress)}\x1b[K`);
        return;
      }
      if (Date.now() - lastPrinted < 2000) return;
      lastPrinted = Date.now();
      stream.write(`${render(progress)}\n`);
    },
    finish(progress: { done: number; total: number | null; extra?: string }) {
      stream.write(`${stream.isTTY ? '\r' : ''}${render(progress)}${stream.isTTY ? '\x1b[K' : ''}\n`);
    },
  };
}
