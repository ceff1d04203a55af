import { Inflate } from 'fflate';
import { refuse } from '../ingest-errors.js';

export interface ZipLimits {
  /** Total uncompressed bytes of the parts that are read. */
  maxUnzippedBytes: number;
  /** Uncompressed ÷ compressed for the whole archive: real documents stay far below it. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxUnzippedBytes: 100 * 1024 * 1024, maxRatio: 100 };

interface Entry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const malformed = (reason: string) => refuse.malformed({ format: 'Word（.docx）', reason });

/** The central directory: every entry's name, sizes and flags, read before anything is inflated. */
function centralDirectory(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i -= 1) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw malformed('压缩包结构不完整');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw refuse.archiveBomb({ reason: 'ZIP64 超大压缩包', details: {} });
  const entries: Entry[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw malformed('压缩包目录损坏');
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    entries.push({
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The parts of a .docx that `wanted` names, inflated under the limits. The declared sizes are
 * checked first (a bomb is refused without inflating a byte); the inflation itself counts real
 * output too, so an archive that lies about its sizes is stopped at the same limit.
 */
export function readZipParts({ bytes, wanted, limits }: { bytes: Uint8Array; wanted: (name: string) => boolean; limits: ZipLimits }): Map<string, Uint8Array> {
  const entries = centralDirectory(bytes);
  if (entries.some((e) => (e.flags & 0x1) !== 0)) throw refuse.encrypted({ format: 'Word' });
  const declared = entries.reduce((sum, e) => sum + e.size, 0);
  const compressed = Math.max(entries.reduce((sum, e) => sum + e.compressedSize, 0), 1);
  const details = { declaredBytes: declared, compressedBytes: compressed, maxUnzippedBytes: limits.maxUnzippedBytes, maxRatio: limits.maxRatio };
  if (declared > limits.maxUnzippedBytes) throw refuse.archiveBomb({ reason: `声明 ${Math.round(declared / 1024 / 1024)} MB，上限 ${Math.round(limits.maxUnzippedBytes / 1024 / 1024)} MB`, details });
  if (declared / compressed > limits.maxRatio && declared > 1024 * 1024) throw refuse.archiveBomb({ reason: `压缩比 ${Math.round(declared / compressed)}:1`, details });

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = new Map<string, Uint8Array>();
  let total = 0;
  const budget = Math.min(limits.maxUnzippedBytes, Math.max(compressed * limits.maxRatio, 1024 * 1024));
  for (const entry of entries) {
    if (!wanted(entry.name)) continue;
    const local = entry.localOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw malformed(`部件 ${entry.name} 损坏`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      total += data.length;
      if (total > budget) throw refuse.archiveBomb({ reason: '解压内容超过上限', details });
      parts.set(entry.name, data);
      continue;
    }
    if (entry.method !== 8) throw malformed(`部件 ${entry.name} 使用了不支持的压缩方式`);
    const chunks: Uint8Array[] = [];
    let over = false;
    const inflater = new Inflate((chunk) => {
      total += chunk.length;
      if (total > budget) over = true;
      else chunks.push(chunk);
    });
    try {
      for (let offset = 0; offset < data.length && !over; offset += 64 * 1024) {
        inflater.push(data.subarray(offset, offset + 64 * 1024), offset + 64 * 1024 >= data.length);
      }
    } catch {
      throw malformed(`部件 ${entry.name} 无法解压`);
    }
    if (over) throw refuse.archiveBomb({ reason: '实际解压内容超过上限', details });
    parts.set(entry.name, concat(chunks));
  }
  return parts;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
