/**
 * The exact source text of one top-level member of a JSON object, as the client wrote it.
 *
 * RTT must echo `beginTime` unchanged (rule 4.9). Parsing loses what JavaScript numbers cannot
 * hold (`1732700000123456789` becomes `1732700000123456800`, `1.0` becomes `1`), so the echo
 * copies the client's own text instead.
 *
 * @param text a JSON object that has already parsed successfully
 * @param key the member name
 * @returns the value's text (the last occurrence, as JSON.parse keeps), or undefined
 */
export function rawMember(text: string, key: string): string | undefined {
  let i = text.indexOf('{') + 1;
  let found: string | undefined;
  const n = text.length;
  while (i < n) {
    i = skipSpace(text, i);
    if (text[i] !== '"') break; // `}` of an empty object, or the end
    const keyEnd = stringEnd(text, i);
    const rawKey = text.slice(i, keyEnd);
    const name = rawKey.includes('\\') ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipSpace(text, keyEnd) + 1; // past ':'
    const start = skipSpace(text, i);
    const end = valueEnd(text, start);
    if (name === key) found = text.slice(start, end);
    i = skipSpace(text, end);
    if (text[i] !== ',') break;
    i++;
  }
  return found;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index just past the string that starts at `i` (on its opening quote). */
function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return text.length;
}

/** Index just past the value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return stringEnd(text, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = stringEnd(text, i);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
      i++;
    }
    return i;
  }
  // A number or a literal: up to the next delimiter.
  while (i < text.length) {
    const c = text[i];
    if (
      c === ',' ||
      c === '}' ||
      c === ']' ||
      c === ' ' ||
      c === '\n' ||
      c === '\r' ||
      c === '\t'
    ) {
      break;
    }
    i++;
  }
  return i;
}
