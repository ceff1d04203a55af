import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { DomainError } from '../errors.js';

/** The encodings a text file may arrive in; each is named in the report, never assumed silently. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'big5';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** Set when the bytes began with a byte-order mark (dropped from `text`). */
  bom: boolean;
  /** Set when both legacy encodings decoded cleanly and the frequency score had to choose. */
  uncertain: boolean;
}

/**
 * The most frequent Chinese characters, simplified and traditional. Text in the right legacy
 * encoding is dense in them; the same bytes read as the other encoding give rare characters.
 */
const COMMON =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞' +
  '這為個國時來們於對會發動過說產種後學經進著電裡現實兩體機當點從業應開還義間樣與關線內數麼質氣變條沒結問無軍並題黨員總設長頭資邊級圖統較將組見計別論運農幾區強決幹戰則據處隊給門規熱領東導壓爭濟階術極聯認權證採轉單風帶場車務萬達積議聲報鬥類離華確張馬節話況溫傳許廣記觀織裝眾書覆兒須際驗連斷難礦備辦習響約勞團歷構稱準號維劃選標寫親養層卻專狀廠識適屬圓調滿縣參紅細聽該鐵價嚴龍飛' +
  '，。、；：？！“”《》（）〔〕';
const COMMON_SET = new Set([...COMMON]);

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function undecodable({ line, encoding, reason }: { line: number | null; encoding: string | null; reason?: string }): DomainError {
  const where = line === null ? '' : `第 ${line} 行`;
  return new DomainError({
    type: 'invalid',
    code: 'encoding_undecodable',
    message: `${where}无法解码${encoding ? `（按 ${encoding.toUpperCase()}）` : ''}：${reason ?? '含有不属于 UTF-8、GB18030 或 Big5 的字节'}。请用记事本或 Excel“另存为 UTF-8”后重新导入；未写入任何内容。`,
    details: { line, encoding },
  });
}

/** The bytes of each line (split at LF, which no supported multi-byte encoding uses inside a character). */
function byteLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  lines.push(bytes.subarray(start));
  return lines;
}

const isAscii = (line: Uint8Array) => line.every((b) => b < 0x80);

/** Validity is checked first: a failed fatal decode throws, and exceptions per line are slow on large files. */
function strictUtf8(line: Uint8Array): string | null {
  return isUtf8(line) ? UTF8.decode(line) : null;
}

/** A legacy decode that reports its first bad line instead of writing U+FFFD for it. */
function strictLegacy({ bytes, encoding }: { bytes: Uint8Array; encoding: 'gb18030' | 'big5' }): { text: string; badLine: number | null; score: number } {
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
  let score = 0;
  for (const ch of text) if (COMMON_SET.has(ch)) score += 1;
  if (!text.includes('\uFFFD')) return { text, badLine: null, score };
  // Only a failing decode is repeated line by line, to name the first line that breaks.
  const badIndex = byteLines(bytes).findIndex((line) => iconv.decode(Buffer.from(line.buffer, line.byteOffset, line.byteLength), encoding).includes('\uFFFD'));
  return { text, badLine: badIndex >= 0 ? badIndex + 1 : 1, score };
}

function decodeUtf16({ bytes, encoding }: { bytes: Uint8Array; encoding: 'utf-16le' | 'utf-16be' }): DecodedText {
  const body = bytes.subarray(2);
  try {
    if (body.length % 2 !== 0) throw new Error('odd length');
    return { text: new TextDecoder(encoding, { fatal: true }).decode(body), encoding, bom: true, uncertain: false };
  } catch {
    throw undecodable({ line: null, encoding, reason: '文件以 UTF-16 字节序标记开头，但内容不是完整的 UTF-16' });
  }
}

/**
 * Bytes to text: a byte-order mark decides (UTF-8, UTF-16); otherwise strict UTF-8; otherwise the
 * better of GB18030 (GBK, GB 2312) and Big5 by how many common Chinese characters each yields.
 * A file that none decodes is refused with the first bad line, so nothing is written as U+FFFD.
 */
export function decodeText({ bytes, declared }: { bytes: Uint8Array; declared?: TextEncoding }): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeUtf8({ bytes: bytes.subarray(3), bom: true });
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16({ bytes, encoding: 'utf-16le' });
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16({ bytes, encoding: 'utf-16be' });
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new DomainError({
      type: 'unsupported_media_type',
      code: 'not_text',
      message: `这不是文本文件（第 ${lineOf({ bytes, offset: nul })} 行含有二进制字节）。请另存为 UTF-8 纯文本后重新导入。`,
      details: { line: lineOf({ bytes, offset: nul }) },
    });
  }
  if (declared === 'gb18030' || declared === 'big5') return decodeLegacy({ bytes, only: declared });
  const whole = strictUtf8(bytes);
  if (whole !== null && (declared === 'utf-8' || !legacyInDisguise(whole))) return { text: whole, encoding: 'utf-8', bom: false, uncertain: false };
  if (whole !== null) {
    // A short GBK text can be valid UTF-8 by accident (通知 → two Hebrew/Greek points): Chinese wins if it reads as Chinese.
    const gb = strictLegacy({ bytes, encoding: 'gb18030' });
    if (gb.badLine === null && gb.score > 0) return { text: gb.text, encoding: 'gb18030', bom: false, uncertain: true };
    return { text: whole, encoding: 'utf-8', bom: false, uncertain: false };
  }
  if (declared === 'utf-8') return decodeUtf8({ bytes, bom: false });
  const lines = byteLines(bytes);
  const nonAscii = lines.filter((line) => !isAscii(line));
  const utf8Lines = nonAscii.filter((line) => strictUtf8(line) !== null).length;
  // Mostly valid UTF-8 with a few bad lines is a damaged UTF-8 file, not a legacy one: name the line.
  if (utf8Lines > 0 && utf8Lines * 2 >= nonAscii.length) return decodeUtf8({ bytes, bom: false });
  return decodeLegacy({ bytes });
}

/**
 * UTF-8 that no Chinese office writes: only two-byte sequences, at least one of them in the
 * combining, Greek, Cyrillic, Hebrew or Arabic blocks — which is what GBK bytes look like as UTF-8.
 */
function legacyInDisguise(text: string): boolean {
  let odd = false;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x800) return false;
    if (code >= 0x300) odd = true;
  }
  return odd;
}

function decodeUtf8({ bytes, bom }: { bytes: Uint8Array; bom: boolean }): DecodedText {
  const whole = strictUtf8(bytes);
  if (whole !== null) return { text: whole, encoding: 'utf-8', bom, uncertain: false };
  const lines = byteLines(bytes);
  const bad = lines.findIndex((line) => strictUtf8(line) === null);
  throw undecodable({ line: bad + 1, encoding: 'utf-8', reason: '含有无效的 UTF-8 字节' });
}

function decodeLegacy({ bytes, only }: { bytes: Uint8Array; only?: 'gb18030' | 'big5' }): DecodedText {
  if (only) {
    const result = strictLegacy({ bytes, encoding: only });
    if (result.badLine !== null) throw undecodable({ line: result.badLine, encoding: only, reason: `含有不属于 ${only.toUpperCase()} 的字节` });
    return { text: result.text, encoding: only, bom: false, uncertain: false };
  }
  const gb = strictLegacy({ bytes, encoding: 'gb18030' });
  const big5 = strictLegacy({ bytes, encoding: 'big5' });
  const gbClean = gb.badLine === null;
  const big5Clean = big5.badLine === null;
  if (gbClean && (!big5Clean || gb.score >= big5.score)) return { text: gb.text, encoding: 'gb18030', bom: false, uncertain: big5Clean && gb.score < big5.score * 2 + 3 };
  if (big5Clean) return { text: big5.text, encoding: 'big5', bom: false, uncertain: gbClean && big5.score < gb.score * 2 + 3 };
  // Neither decodes every line: the one that reads more like Chinese names the line that fails.
  const likelier = big5.score > gb.score ? { result: big5, encoding: 'big5' } : { result: gb, encoding: 'gb18030' };
  throw undecodable({ line: likelier.result.badLine, encoding: likelier.encoding });
}

function lineOf({ bytes, offset }: { bytes: Uint8Array; offset: number }): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** Charset labels as web pages and HTTP write them, mapped to the decoders above. */
export function encodingOfLabel(label: string): TextEncoding | null {
  const name = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (name === 'utf-8' || name === 'utf8') return 'utf-8';
  if (['gbk', 'gb2312', 'gb18030', 'gb_2312-80', 'x-gbk', 'cp936', 'euc-cn'].includes(name)) return 'gb18030';
  if (['big5', 'big5-hkscs', 'x-x-big5', 'cp950'].includes(name)) return 'big5';
  return null;
}
