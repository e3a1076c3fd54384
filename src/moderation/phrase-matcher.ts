/**
 * Finds every occurrence of a list of phrases in a text in one pass (Aho-Corasick), comparing
 * matching forms (phrase-normalise.ts) but reporting where each occurrence is in the original.
 * The text's form is never built: the scan reads the text, turns each code point into its part
 * of the form (a table for ASCII) and steps the automaton on it, so a clean ASCII line costs a
 * table lookup and a transition per character, whatever the number of phrases.
 *
 * The automaton's transitions on ASCII (the form's space, digits and lower-case letters) are a
 * complete table, states by symbols, in an Int32Array: no failure links to follow at run time.
 * Other units (Cyrillic, CJK, ... in a phrase's form) go through a map of the trie's edges and
 * failure links; a unit that is in no phrase resets the automaton without a lookup.
 */
import {
  ASCII_FORM,
  codePointForm,
  matchingForm,
  normalise,
  type NormalisedText,
} from './phrase-normalise.js';

/**
 * Told of each match: the phrase's index in the list, and the original text's UTF-16 range
 * `[start, end)` it covers. Returning true stops the scan.
 */
export type MatchVisitor = (phrase: number, start: number, end: number) => boolean | void;

/** Most automaton states (about the units in all phrases' forms): 30 MB of tables at most. */
export const MAX_STATES = 200_000;

const SPACE = 0x20;
/** Symbols of the complete table: 1 space, 2-11 digits, 12-37 letters (0 unused). */
const WIDTH = 38;
/** A form unit (ASCII) to its symbol. */
const SYMBOL = new Uint8Array(128);
SYMBOL[SPACE] = 1;
for (let c = 0x30; c <= 0x39; c++) SYMBOL[c] = c - 0x30 + 2;
for (let c = 0x61; c <= 0x7a; c++) SYMBOL[c] = c - 0x61 + 12;
/** A text's ASCII code to its symbol: 0 dropped, 1 separator, else a letter or digit. */
const TEXT_SYMBOL = new Uint8Array(128);
for (let c = 0; c < 128; c++) TEXT_SYMBOL[c] = SYMBOL[ASCII_FORM[c]!]!;

/** Key of a trie edge in a map: its state and its unit. */
const edge = (state: number, unit: number) => state * 0x10000 + unit;

/** An Aho-Corasick automaton over the matching forms of a list of phrases. */
export class PhraseMatcher {
  /** The phrases' matching forms, in the order given. */
  readonly forms: readonly string[];
  /**
   * Complete transitions on ASCII symbols, state by state (`WIDTH` a state), holding where the
   * next state's row begins (`state * WIDTH`), or its complement (`~row`, negative) for a state
   * where a phrase ends: the scan needs no multiplication, and no other table, per character.
   */
  private readonly jump: Int32Array;
  private readonly fail: Int32Array;
  /** Trie edges on non-ASCII units, by `edge(state, unit)`. */
  private readonly wide = new Map<number, number>();
  /** 1 for a non-ASCII unit that occurs in some phrase's form. */
  private readonly wideUnits = new Uint8Array(0x10000);
  /** 1 for a state where some phrase ends (its own or a suffix's). */
  private readonly terminal: Uint8Array;
  /** The first phrase whose form ends at a state, -1 for none; then `sameEnd` links the rest. */
  private readonly ending: Int32Array;
  private readonly sameEnd: Int32Array;
  /** The nearest state down the failure links where a phrase ends, or -1. */
  private readonly dictionary: Int32Array;
  private readonly lengths: Int32Array;
  private lastMatched: (NormalisedText & { text: string }) | undefined;

  /**
   * Compiles `phrases` (as written: their forms are made here).
   * @throws RangeError when a phrase has no letters or digits, or the list is too large
   */
  constructor(phrases: readonly string[]) {
    const forms = phrases.map((phrase, i) => {
      const form = matchingForm(phrase);
      if (form === '') throw new RangeError(`phrase ${i} has no letters or digits`);
      return form;
    });
    this.forms = forms;
    const trie = buildTrie(forms);
    const states = trie.order.length;
    this.jump = new Int32Array(states * WIDTH);
    this.fail = new Int32Array(states);
    this.terminal = new Uint8Array(states);
    this.ending = new Int32Array(states).fill(-1);
    this.sameEnd = new Int32Array(forms.length).fill(-1);
    this.dictionary = new Int32Array(states).fill(-1);
    this.lengths = Int32Array.from(forms, (form) => form.length);
    this.link(trie);
  }

  /** Fills the tables, states numbered breadth first (the shallow ones, used most, together). */
  private link(trie: Trie): void {
    // States first, rows and complements once every state is known to be terminal or not.
    const { jump: delta, fail, wide, dictionary, ending } = this;
    const id = new Int32Array(trie.order.length);
    trie.order.forEach((old, at) => (id[old] = at));
    for (let p = trie.ends.length - 1; p >= 0; p--) {
      // Backwards, so that each state's list is in the phrases' order.
      const s = id[trie.ends[p]!]!;
      this.sameEnd[p] = ending[s]!;
      ending[s] = p;
    }
    for (let s = 0; s < trie.order.length; s++) {
      const f = fail[s]!;
      if (s !== 0) dictionary[s] = ending[f]! >= 0 ? f : dictionary[f]!;
      this.terminal[s] = ending[s]! >= 0 || dictionary[s]! >= 0 ? 1 : 0;
      const row = s * WIDTH;
      // Missing ASCII transitions are the failure state's (complete already: it is shallower).
      if (s !== 0) delta.copyWithin(row, f * WIDTH, f * WIDTH + WIDTH);
      for (let old = trie.firstChild[trie.order[s]!]!; old >= 0; old = trie.sibling[old]!) {
        const child = id[old]!;
        const unit = trie.unit[old]!;
        if (unit < 0x80) {
          fail[child] = s === 0 ? 0 : delta[f * WIDTH + SYMBOL[unit]!]!;
          delta[row + SYMBOL[unit]!] = child;
        } else {
          fail[child] = s === 0 ? 0 : this.stepWide(f, unit);
          wide.set(edge(s, unit), child);
          this.wideUnits[unit] = 1;
        }
      }
    }
    const terminal = this.terminal;
    for (let at = 0; at < delta.length; at++) {
      const row = delta[at]! * WIDTH;
      delta[at] = terminal[delta[at]!] === 0 ? row : ~row;
    }
  }

  /** Where `state`'s row begins, complemented if a phrase ends there. */
  private rowOf(state: number): number {
    return this.terminal[state] === 0 ? state * WIDTH : ~(state * WIDTH);
  }

  /** The transition from `state` on a non-ASCII unit, following failure links. */
  private stepWide(state: number, unit: number): number {
    if (this.wideUnits[unit] === 0) return 0;
    for (let s = state; ; s = this.fail[s]!) {
      const next = this.wide.get(edge(s, unit));
      if (next !== undefined) return next;
      if (s === 0) return 0;
    }
  }

  /**
   * Tells `visit` of every occurrence of every phrase in `text`, in the order they end (at one
   * end, the longer first; one phrase listed twice, in the list's order), until it returns true.
   */
  scan(text: string, visit: MatchVisitor): void {
    const { jump } = this;
    const n = text.length;
    /** The state's row in `jump`. */
    let row = 0;
    /** Units of the form so far. */
    let units = 0;
    /** Where a pending run of separators began, or -1. */
    let run = -1;
    for (let i = 0; i < n;) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        const symbol = TEXT_SYMBOL[c]!;
        if (symbol > 1) {
          if (run >= 0) {
            // No phrase ends with a space: the row is never complemented after one.
            row = jump[row + 1]!;
            units++;
            run = -1;
          }
          const to = jump[row + symbol]!;
          units++;
          i++;
          if (to >= 0) row = to;
          else if (this.report(text, (row = ~to) / WIDTH, units, i, visit)) return;
        } else {
          if (symbol === 1 && run < 0 && units > 0) run = i;
          i++;
        }
        continue;
      }
      const codePoint = text.codePointAt(i)!;
      const next = i + (codePoint > 0xffff ? 2 : 1);
      const form = codePointForm(codePoint);
      for (let j = 0; j < form.length; j++) {
        const unit = form.charCodeAt(j);
        if (unit === SPACE) {
          if (run < 0 && units > 0) run = i;
          continue;
        }
        if (run >= 0) {
          row = jump[row + 1]!;
          units++;
          run = -1;
        }
        const to =
          unit < 0x80 ? jump[row + SYMBOL[unit]!]! : this.rowOf(this.stepWide(row / WIDTH, unit));
        units++;
        if (to >= 0) row = to;
        else if (this.report(text, (row = ~to) / WIDTH, units, next, visit)) return;
      }
      i = next;
    }
  }

  /**
   * Tells `visit` of the phrases ending at `state`, after `units` units of the form and at `end`
   * in the text; true when it says stop. Where a match starts is read from the text's form and
   * its map, made on a match only: the scan counts units exactly as normalise() makes them, and
   * keeps nothing per character.
   */
  private report(
    text: string,
    state: number,
    units: number,
    end: number,
    visit: MatchVisitor,
  ): boolean {
    const { starts } = this.normalised(text);
    for (let s = this.ending[state]! >= 0 ? state : this.dictionary[state]!; s >= 0;) {
      for (let p = this.ending[s]!; p >= 0; p = this.sameEnd[p]!) {
        const start = starts[units - this.lengths[p]!]!;
        if (visit(p, start, end) === true) return true;
      }
      s = this.dictionary[s]!;
    }
    return false;
  }

  /** The form and map of `text`, kept for the text that last had a match. */
  private normalised(text: string): NormalisedText {
    if (this.lastMatched?.text !== text) this.lastMatched = { text, ...normalise(text) };
    return this.lastMatched;
  }

  /** Whether any phrase occurs in `text`. */
  test(text: string): boolean {
    let found = false;
    this.scan(text, () => (found = true));
    return found;
  }
}

/** A trie of the forms, states numbered as made; `order` lists them breadth first. */
interface Trie {
  /** Per state: its first child, -1 for none; `sibling` the next child of the same parent. */
  firstChild: number[];
  sibling: number[];
  /** Per state: the unit on the edge into it. */
  unit: number[];
  /** Per phrase: the state where its form ends. */
  ends: number[];
  order: number[];
}

function buildTrie(forms: readonly string[]): Trie {
  const trie: Trie = { firstChild: [-1], sibling: [-1], unit: [0], ends: [], order: [0] };
  const edges = new Map<number, number>();
  for (const form of forms) {
    let state = 0;
    for (let j = 0; j < form.length; j++) {
      const unit = form.charCodeAt(j);
      let next = edges.get(edge(state, unit));
      if (next === undefined) {
        next = trie.unit.length;
        if (next >= MAX_STATES) {
          throw new RangeError(`the phrases are too long in all (at most ${MAX_STATES} states)`);
        }
        trie.unit.push(unit);
        trie.firstChild.push(-1);
        trie.sibling.push(trie.firstChild[state]!);
        trie.firstChild[state] = next;
        edges.set(edge(state, unit), next);
      }
      state = next;
    }
    trie.ends.push(state);
  }
  const { order } = trie;
  for (let at = 0; at < order.length; at++) {
    for (let c = trie.firstChild[order[at]!]!; c >= 0; c = trie.sibling[c]!) order.push(c);
  }
  return trie;
}
