/**
 * The confusable skeleton of Unicode Technical Standard #39, section 4: two strings with the same
 * skeleton look alike (`аdmin` with a Cyrillic а and `admin`, `раураl` and `paypal`).
 */
import { CONFUSABLES } from './confusables-table.js';

let prototypes: Map<number, string> | undefined;

/** The mapping, parsed on first use: code point to prototype. */
function table(): Map<number, string> {
  if (prototypes) return prototypes;
  prototypes = new Map();
  for (const row of CONFUSABLES.split('\n')) {
    if (row === '') continue;
    const [from, ...to] = row.split(' ').map((hex) => Number.parseInt(hex, 16));
    prototypes.set(from!, String.fromCodePoint(...to));
  }
  return prototypes;
}

/**
 * The UTS #39 skeleton of `text`: NFD, each code point replaced by its prototype, NFD again.
 * Case is kept (the mapping itself sends some capitals to lower case, `I` to `l`).
 */
export function skeleton(text: string): string {
  const map = table();
  let out = '';
  for (const char of text.normalize('NFD')) out += map.get(char.codePointAt(0)!) ?? char;
  return out.normalize('NFD');
}
