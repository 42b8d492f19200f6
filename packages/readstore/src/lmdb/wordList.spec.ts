import { expect } from 'chai';
import { keptAsKeyPart } from './indexKey.js';
import { WordList } from './wordList.js';

describe('WordList', () => {
  it('should find every word containing a part, each once, whatever chunk it is in', () => {
    const words = Array.from({ length: 40_000 }, (_, index) => `w${index}x`);
    const list = WordList.of(words);
    list.add('apollo');
    list.add('polo');
    expect([...list.containing('pol')].sort()).to.deep.equal(['apollo', 'polo']);
    expect(list.containing('w3999x').size).to.equal(1);
    expect([...list.containing('w1234')].sort()).to.deep.equal(['w1234x', ...Array.from({ length: 10 }, (_, digit) => `w1234${digit}x`)].sort());
    expect(list.containing('o').has('apollo')).to.equal(true);
    expect(list.containing('zzz').size).to.equal(0);
    expect(list.containing('').size).to.equal(0);
  });

  it('should say it is stale once most of its words were removed', () => {
    const list = WordList.of(Array.from({ length: 40_000 }, (_, index) => `w${index}`));
    for (let index = 0; index < 19_000; index += 1) list.remove();
    expect(list.stale).to.equal(false);
    for (let index = 0; index < 2_000; index += 1) list.remove();
    expect(list.stale).to.equal(true);
  });

  it('should count a word cut to what a key holds among the words containing anything', () => {
    // What the index keeps of a word of 1,500 letters: its first MAX_NAME_BYTES bytes.
    const cut = keptAsKeyPart(`${'k'.repeat(1_500)}tail`);
    const list = WordList.of(['apollo', cut, 'k'.repeat(40)]);
    expect([...list.containing('tail')]).to.deep.equal([cut]);
    expect([...list.containing('pol')].sort()).to.deep.equal(['apollo', cut].sort());
    expect([...list.containing('kk')].sort()).to.deep.equal([cut, 'k'.repeat(40)].sort());
  });
});
