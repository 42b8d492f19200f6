import { expect } from 'chai';
import { compare } from 'mingo/util';
import { anyComponent, indexKey, indexKeyWith, keptAsKeyPart, MAX_NAME_BYTES, MAX_VALUE_BYTES, mayBeCutKeyPart, stringComponent } from './indexKey.js';

/** Values of every type an indexed field holds, with the edges of each type's order. */
const VALUES: unknown[] = [
  null, undefined, 0, -0, 1, -1, 0.5, -0.5, 1e300, -1e300, 2 ** 53, Number.MIN_VALUE,
  '', 'a', 'ab', 'a\u0000', 'a\u0001b', 'b', 'B', 'Z', 'é', 'e\u0301', '日本', 'a'.repeat(300), `${'a'.repeat(300)}b`,
  true, false, [1], ['a', 'b'], { a: 1 },
];

function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

/** Strings that probe the one-buffer path's edges: escapes, multi-byte and astral characters, lengths around the cuts. */
function awkwardStrings(): string[] {
  const pieces = ['a', 'é', '日', '😀', '\u0000', '\u0001', '\u0002', '\uffff', '/', 'Z'];
  const strings = ['', ...VALUES.filter((value): value is string => typeof value === 'string')];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  for (const length of [1, 2, 84, 85, 86, 128, 255, 256, 257, 341, 342, 343, 700, 1024, 1100]) {
    for (let sample = 0; sample < 6; sample += 1) {
      let text = '';
      while (text.length < length) text += sample === 0 ? 'x' : (pieces[next() % pieces.length] as string);
      strings.push(text.slice(0, length));
    }
  }
  return strings;
}

describe('indexKey', () => {
  it('should write an ascending string the one-buffer way with the same bytes as the general path, cut or not', () => {
    const differ: string[] = [];
    for (const text of awkwardStrings()) {
      if (!indexKey([[text, 1]]).equals(anyComponent(text, 1, MAX_VALUE_BYTES))) differ.push(`value ${JSON.stringify(text.slice(0, 40))}… (${text.length})`);
      if (!stringComponent(text).equals(anyComponent(text, 1, MAX_NAME_BYTES))) differ.push(`name ${JSON.stringify(text.slice(0, 40))}… (${text.length})`);
    }
    expect(differ).to.deep.equal([]);
    const prefix = Buffer.from('kp');
    const tail = stringComponent('projects/p1');
    expect(indexKeyWith(prefix, [['a', 1], [2, -1]], tail).equals(Buffer.concat([prefix, indexKey([['a', 1], [2, -1]]), tail]))).to.equal(true);
  });

  for (const direction of [1, -1] as const) {
    it(`should order keys as mingo orders the values (${direction === 1 ? 'ascending' : 'descending'}), then by name`, () => {
      const failures: string[] = [];
      for (const left of VALUES) {
        for (const right of VALUES) {
          // Values over 256 bytes are cut in keys: only their 256-byte prefix orders them.
          if (typeof left === 'string' && typeof right === 'string' && left.length > 256 && right.length > 256) continue;
          // Arrays and objects are keyed by their JSON text, not mingo's element-wise order: an index
          // that ever held one is multikey, and the store never walks it for order.
          if ((typeof left === 'object' && left !== null) || (typeof right === 'object' && right !== null)) continue;
          const byValue = sign(compare(left ?? null, right ?? null)) * direction;
          const byKey = sign(Buffer.compare(Buffer.concat([indexKey([[left, direction]]), stringComponent('n')]), Buffer.concat([indexKey([[right, direction]]), stringComponent('n')])));
          if (byValue !== byKey) failures.push(`${JSON.stringify(left)} vs ${JSON.stringify(right)}: mingo ${byValue}, key ${byKey}`);
        }
      }
      expect(failures).to.deep.equal([]);
    });
  }

  it('should order a shorter value before its extensions whatever the next component holds', () => {
    const shorter = Buffer.concat([indexKey([['ab', 1]]), stringComponent('zzz')]);
    const longer = Buffer.concat([indexKey([['abc', 1]]), stringComponent('a')]);
    expect(Buffer.compare(shorter, longer)).to.equal(-1);
    const shorterDescending = Buffer.concat([indexKey([['ab', -1]]), stringComponent('a')]);
    const longerDescending = Buffer.concat([indexKey([['abc', -1]]), stringComponent('zzz')]);
    expect(Buffer.compare(shorterDescending, longerDescending)).to.equal(1);
  });

  describe('keptAsKeyPart', () => {
    it('should keep a string a key part holds whole, and cut a longer one to the same bytes as its key', () => {
      for (const text of ['word', 'x'.repeat(MAX_NAME_BYTES), 'x'.repeat(MAX_NAME_BYTES + 1), `${'ü'.repeat(600)}z`, `${'x'.repeat(MAX_NAME_BYTES - 1)}€tail`, '😀'.repeat(300)]) {
        const kept = keptAsKeyPart(text);
        expect(stringComponent(kept).equals(stringComponent(text)), text.slice(0, 12)).to.equal(true);
        expect(text.startsWith(kept)).to.equal(true);
        const cut = kept !== text;
        expect(cut).to.equal(Buffer.byteLength(text) > MAX_NAME_BYTES);
        // A cut one is always recognised as possibly cut; a short one never.
        if (cut) expect(mayBeCutKeyPart(kept), text.slice(0, 12)).to.equal(true);
      }
      expect(mayBeCutKeyPart('word')).to.equal(false);
      expect(mayBeCutKeyPart('x'.repeat(MAX_NAME_BYTES - 4))).to.equal(false);
    });
  });
});
