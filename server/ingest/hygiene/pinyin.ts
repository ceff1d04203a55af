/**
 * Pinyin recognition shared by the annotation stripper and the pinyin-run detector. A word counts
 * as pinyin only when it splits entirely into standard syllables, so English words (policy,
 * national) and acronyms (PCT, WIPO) do not.
 */

const INITIALS = ['zh', 'ch', 'sh', 'b', 'p', 'm', 'f', 'd', 't', 'n', 'l', 'g', 'k', 'h', 'j', 'q', 'x', 'r', 'z', 'c', 's', 'y', 'w', ''];
const FINALS = [
  'iang', 'iong', 'uang', 'ueng',
  'ang', 'eng', 'ing', 'ong', 'iao', 'ian', 'uai', 'uan', 'van', 'üan',
  'ai', 'ei', 'ao', 'ou', 'an', 'en', 'er', 'in', 'un', 'vn', 'ün', 'ia', 'ie', 'iu', 'ua', 'uo', 'ui', 'ue', 've', 'üe',
  'a', 'o', 'e', 'i', 'u', 'v', 'ü',
];

const SYLLABLE_RE = new RegExp(`^(?:${INITIALS.filter((i) => i !== '').join('|')})?(?:${FINALS.join('|')})`, 'u');

const TONE_MARKS = /[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]/u;

/** Removes tone marks (ā → a, ǖ → ü) and tone numbers so the syllable table applies. */
export function toneless(word: string): string {
  return word
    .toLowerCase()
    .replace(/[ǖǘǚǜ]/gu, 'ü')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/gu, '')
    .normalize('NFC')
    .replace(/[1-5]/gu, '');
}

/** True when the word has a tone mark or ends in a tone number (zhī, zhi1). */
export function hasTone(word: string): boolean {
  return TONE_MARKS.test(word) || /[a-zü][1-5]$/iu.test(word);
}

/** True when the whole word is one or more pinyin syllables (zhishi, chǎn, quan2). */
export function isPinyinWord(word: string): boolean {
  if (!/^[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ1-5]+$/u.test(word)) return false;
  // Acronyms (WIPO, PCT) are upper case; pinyin is lower case, at most capitalised.
  if (/[A-Z]/u.test(word.slice(1))) return false;
  let rest = toneless(word);
  if (rest === '' || rest.length > 24) return false;
  while (rest !== '') {
    const match = longestSyllable(rest);
    if (match === 0) return false;
    rest = rest.slice(match);
  }
  return true;
}

/**
 * Greedy with one step of backtracking: "xian" is one syllable but "xinan" must be xi-nan, so a
 * syllable whose remainder cannot start a new syllable is shortened.
 */
function longestSyllable(text: string): number {
  for (let end = Math.min(text.length, 6); end > 0; end -= 1) {
    const candidate = text.slice(0, end);
    const m = SYLLABLE_RE.exec(candidate);
    if (!m || m[0] !== candidate) continue;
    const rest = text.slice(end);
    if (rest === '' || SYLLABLE_RE.test(rest)) return end;
  }
  return 0;
}
