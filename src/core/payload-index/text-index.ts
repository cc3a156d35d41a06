/**
 * `text`: an inverted index from token to the points whose text holds it. Serves
 * `match.text` (all query tokens: intersection), `match.text_any` (any: union) and
 * `match.phrase` (all tokens: intersection; the order is checked by the evaluator).
 * With the `prefix` tokenizer a query token stands for every indexed token it starts.
 *
 * Answers are supersets: the index knows a point's tokens across all its strings, while
 * the evaluator requires them within one string.
 */
import type { FieldTest, FullTextTokenizer } from '../filter/index.js';
import type { InternalId } from '../types.js';
import type { FieldIndex, IndexQuery } from './field-index.js';
import { textIndexOptions, type PayloadFieldSchema } from './schema.js';
import { IdBitset, insertSorted, intersectSorted, removeSorted, unionSorted } from './sorted-ids.js';
import { createTokenizer } from './tokenizer.js';

export class TextIndex implements FieldIndex {
  readonly tokenizer: FullTextTokenizer;
  private readonly postings = new Map<string, number[]>();
  private readonly points = new IdBitset();

  constructor(readonly schema: PayloadFieldSchema) {
    this.tokenizer = createTokenizer(textIndexOptions(schema));
  }

  get pointCount(): number {
    return this.points.size;
  }

  private tokensOf(values: readonly unknown[]): Set<string> {
    const tokens = new Set<string>();
    for (const value of values) {
      if (typeof value === 'string') for (const token of this.tokenizer.tokenize(value)) tokens.add(token);
    }
    return tokens;
  }

  add(id: InternalId, values: readonly unknown[]): void {
    const tokens = this.tokensOf(values);
    for (const token of tokens) {
      let list = this.postings.get(token);
      if (list === undefined) {
        list = [];
        this.postings.set(token, list);
      }
      insertSorted(list, id);
    }
    if (tokens.size > 0) this.points.add(id);
  }

  remove(id: InternalId, values: readonly unknown[]): void {
    const tokens = this.tokensOf(values);
    for (const token of tokens) {
      const list = this.postings.get(token);
      if (list !== undefined && removeSorted(list, id) && list.length === 0) this.postings.delete(token);
    }
    if (tokens.size > 0) this.points.delete(id);
  }

  query(test: FieldTest): IndexQuery | undefined {
    let text: string;
    let all: boolean;
    if (test.type === 'match_text') [text, all] = [test.text, true];
    else if (test.type === 'match_phrase') [text, all] = [test.phrase, true];
    else if (test.type === 'match_text_any') [text, all] = [test.text, false];
    else return undefined;
    // A query without tokens matches nothing (see match-filter.ts), hence no lists at all.
    const tokenLists = [...new Set(this.tokenizer.tokenize(text))].map((token) => this.listsFor(token));
    const total = this.pointCount;
    const sizes = tokenLists.map((lists) => Math.min(total, lists.reduce((sum, list) => sum + list.length, 0)));
    let max: number;
    let expected: number;
    if (tokenLists.length === 0) {
      max = 0;
      expected = 0;
    } else if (all) {
      max = Math.min(...sizes);
      expected = total === 0 ? 0 : sizes.reduce((product, size) => product * (size / total), total);
    } else {
      max = Math.min(total, sizes.reduce((sum, size) => sum + size, 0));
      expected = total === 0 ? 0 : total * (1 - sizes.reduce((product, size) => product * (1 - size / total), 1));
    }
    return {
      estimate: { min: 0, expected, max },
      ids: () => {
        if (tokenLists.length === 0) return new Uint32Array(0);
        const perToken = tokenLists.map((lists) => (lists.length === 0 ? new Uint32Array(0) : unionSorted(lists)));
        if (!all) return unionSorted(perToken);
        return perToken.reduce((result, ids) => intersectSorted(result, ids));
      },
    };
  }

  save(): unknown {
    return { type: 'text', postings: [...this.postings] };
  }

  /** The posting lists a query token stands for: its own, or with `prefix`, every token it starts. */
  private listsFor(token: string): number[][] {
    if (!this.tokenizer.prefixMatch) {
      const list = this.postings.get(token);
      return list === undefined ? [] : [list];
    }
    const lists: number[][] = [];
    for (const [indexed, list] of this.postings) if (indexed.startsWith(token)) lists.push(list);
    return lists;
  }
}
