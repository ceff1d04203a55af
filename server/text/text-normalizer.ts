/**
 * Text normalisation shared by indexing and querying, so that a Traditional, full-width or
 * upper-case query meets the same tokens as a Simplified, half-width, lower-case document.
 *
 * The output always has the same UTF-16 length as the input, character for character: search
 * highlights are found in the normalised body and painted onto the original one by offset.
 *
 * What was found about opencc-js 1.4 (checked against its dictionaries):
 * - The `t`/`tw`/`hk` → `cn` phrase tables (TSPhrases, *VariantsRevPhrases) map phrases to phrases
 *   of the same number of code points. The only UTF-16 length changes come from characters that
 *   map between the BMP and the astral planes (219 TSCharacters entries such as 㗲 → 𠵾, and the
 *   phrase 二噁英 → 二𫫇英).
 * - The vocabulary tables used by `twp`/`hkp` (軟體 → 软件, 伊利諾 → 伊利諾伊) change length in
 *   about 250 entries and also rewrite Simplified text that happens to share the Traditional form
 *   (下发文件 → 下发文档), so they are not used.
 * Rather than calling the ready-made converter and hoping, the conversion walks opencc's own tries
 * and accepts a dictionary match only when its replacement has the source's length; otherwise
 * the matched span is converted character by character, keeping any character whose mapping would
 * change length.
 *
 * Which dictionaries: `{ from: 't', to: 'cn' }` alone leaves Taiwan/Hong Kong variant glyphs
 * alone (Taiwan writes 著 for the particle 着, Hong Kong writes 綫 for 線), so Taiwan and Hong Kong
 * texts of the same Simplified word disagreed in about 990 of the ~347,000 Simplified words of
 * jieba's dictionary. Chaining the Taiwan and Hong Kong variant tables before TSPhrases/
 * TSCharacters lowers that to about 300 (the rest are genuinely one-to-many characters such as
 * 鍾 → 钟/锺) while leaving Simplified text untouched except for a handful of rare variants
 * (枱 → 台, 么 → 幺); the Simplified words in {@link KEEP_ZHU} are pinned so that 显著 does not
 * become 显着.
 */
import * as OpenCC from 'opencc-js';

/**
 * The Taiwan variant table turns every lone 著 into 着 and lists exceptions only in Traditional
 * form (顯著, 著稱); these are their Simplified spellings, which it would otherwise rewrite.
 */
const KEEP_ZHU = [
  '著作',
  '著作权',
  '著名',
  '著称',
  '著述',
  '著录',
  '著者',
  '著书',
  '显著',
  '昭著',
  '卓著',
  '名著',
  '巨著',
  '原著',
  '专著',
  '编著',
  '合著',
  '论著',
  '译著',
  '遗著',
  '新著',
  '土著',
  '拙著',
];

const FULL_WIDTH_FIRST = 0xff01;
const FULL_WIDTH_LAST = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;

/** Full-width ASCII, the ideographic space, CJK compatibility ideographs and upper-case letters. */
const CHARACTER_FOLDS = /[\uFF01-\uFF5E\u3000\uF900-\uFAFF\p{Lu}]/gu;

function localeGroups({ side, locale }: { side: 'from' | 'to'; locale: string }): readonly OpenCC.DictGroup[] {
  const groups = OpenCC.Locale[side][locale];
  if (!groups) throw new Error(`opencc-js has no ${side}.${locale} dictionaries`);
  return groups;
}

function buildTrie({ groups, keep = [] }: { groups: readonly OpenCC.DictGroup[]; keep?: string[] }): OpenCC.Trie {
  const trie = new OpenCC.Trie();
  for (const group of groups) trie.loadDictGroup(group);
  for (const word of keep) trie.addWord(word, word);
  return trie;
}

/** Applied in order: Taiwan variants, Hong Kong variants, then Traditional → Simplified. */
const CONVERSION_CHAIN: OpenCC.Trie[] = [
  buildTrie({ groups: localeGroups({ side: 'from', locale: 'tw' }), keep: KEEP_ZHU }),
  buildTrie({ groups: localeGroups({ side: 'from', locale: 'hk' }) }),
  buildTrie({ groups: localeGroups({ side: 'to', locale: 'cn' }) }),
];

function foldCharacter(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x3000) return ' ';
  if (code >= FULL_WIDTH_FIRST && code <= FULL_WIDTH_LAST) {
    return String.fromCharCode(code - FULL_WIDTH_OFFSET).toLowerCase();
  }
  // Both NFC (compatibility ideographs) and lower-casing (İ → i̇) may change length.
  const folded = code >= 0xf900 && code <= 0xfaff ? char.normalize('NFC') : char.toLowerCase();
  return folded.length === char.length ? folded : char;
}

function convertCharacters({ trie, span }: { trie: OpenCC.Trie; span: string }): string {
  let out = '';
  for (const char of span) {
    const match = trie.matchPrefix(char, 0);
    out += match !== null && match.end === char.length && match.value.length === char.length ? match.value : char;
  }
  return out;
}

function convertKeepingLength({ trie, text }: { trie: OpenCC.Trie; text: string }): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const match = trie.matchPrefix(text, i);
    if (match === null) {
      i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      continue;
    }
    const sameLength = match.value.length === match.end - i;
    if (!sameLength || !text.startsWith(match.value, i)) {
      const replacement = sameLength ? match.value : convertCharacters({ trie, span: text.slice(i, match.end) });
      out += text.slice(copiedUpTo, i) + replacement;
      copiedUpTo = match.end;
    }
    i = match.end;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * Folds full-width ASCII to half-width, U+3000 to a space, Traditional (including Taiwan and Hong
 * Kong variants) to Simplified Chinese and upper-case letters to lower case. The result has the
 * input's UTF-16 length, so offsets found in it are offsets in the input.
 */
export function normalizeText(text: string): string {
  let folded = text.replace(CHARACTER_FOLDS, foldCharacter);
  for (const trie of CONVERSION_CHAIN) folded = convertKeepingLength({ trie, text: folded });
  return folded;
}
