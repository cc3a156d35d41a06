/**
 * Tokenizers of the full-text index, after Qdrant's (lib/segment/.../full_text_index/
 * tokenizers): `word` splits on every character that is not alphanumeric, `whitespace` on
 * white space, `prefix` tokenizes like `word` and lets a query token match every document
 * token it starts, `multilingual` uses Unicode word segmentation (Intl.Segmenter, standing
 * in for Qdrant's charabia). Each token is then lowercased, optionally ASCII-folded, dropped
 * if a stopword, and dropped when shorter than `min_token_len` or longer than
 * `max_token_len` (for `prefix`, cut to `max_token_len` instead: Qdrant indexes prefixes up
 * to that length, so longer words still match by their prefix).
 */
import type { FullTextTokenizer } from '../filter/index.js';
import type { TextIndexOptions } from './schema.js';

const WORD = /[\p{Alphabetic}\p{N}]+/gu;
const WHITESPACE = /\s+/u;
const COMBINING_MARKS = /\p{M}+/gu;
/** Letters that do not decompose under NFD but have a customary ASCII spelling. */
const FOLDED: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', þ: 'th', Þ: 'Th', ı: 'i' };
const FOLDABLE = new RegExp(`[${Object.keys(FOLDED).join('')}]`, 'gu');

function foldToAscii(token: string): string {
  return token.normalize('NFD').replace(COMBINING_MARKS, '').replace(FOLDABLE, (letter) => FOLDED[letter]);
}

function codePointLength(token: string): number {
  let length = 0;
  for (const _ of token) length++;
  return length;
}

function splitWords(tokenizer: TextIndexOptions['tokenizer']): (text: string) => string[] {
  switch (tokenizer) {
    case 'whitespace':
      return (text) => text.split(WHITESPACE).filter((token) => token.length > 0);
    case 'multilingual':
      if (typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function') {
        const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
        return (text) => {
          const words: string[] = [];
          for (const segment of segmenter.segment(text)) if (segment.isWordLike === true) words.push(segment.segment);
          return words;
        };
      }
      return (text) => text.match(WORD) ?? [];
    case 'word':
    case 'prefix':
      return (text) => text.match(WORD) ?? [];
  }
}

/**
 * Builds the tokenizer of a text index. The same function tokenizes documents (at index
 * time and when a filter is evaluated) and queries, so both sides normalise alike.
 * @example createTokenizer(textIndexOptions({ type: 'text' })).tokenize('Hello, World!') // ['hello', 'world']
 */
export function createTokenizer(options: TextIndexOptions): FullTextTokenizer {
  const split = splitWords(options.tokenizer);
  const normalize = (token: string): string => {
    let result = options.lowercase ? token.toLowerCase() : token;
    if (options.asciiFolding) result = foldToAscii(result);
    return result;
  };
  const stopwords = new Set(options.stopwords.map(normalize));
  const min = options.minTokenLength ?? 0;
  const max = options.maxTokenLength ?? Infinity;
  const isPrefix = options.tokenizer === 'prefix';
  const limited = min > 0 || max !== Infinity;
  return {
    prefixMatch: isPrefix,
    tokenize(text: string): string[] {
      const tokens: string[] = [];
      for (const word of split(text)) {
        let token = normalize(word);
        if (token.length === 0 || stopwords.has(token)) continue;
        if (!limited) {
          tokens.push(token);
          continue;
        }
        const length = codePointLength(token);
        if (length < min) continue;
        if (length > max) {
          if (!isPrefix) continue;
          token = [...token].slice(0, max).join('');
          if (token.length === 0) continue;
        }
        tokens.push(token);
      }
      return tokens;
    },
  };
}
