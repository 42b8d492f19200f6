import { expect } from 'chai';
import { TextIndex } from './textIndex.js';

const document = (name: string, title: string, description = ''): Record<string, string> => ({ name, title, description });

describe('TextIndex', () => {
  const build = (): TextIndex =>
    TextIndex.build(['name', 'title', 'description'], [
      document('projects/apollo', 'Apollo rocket', 'Moon landing, 1969'),
      document('projects/gemini', 'Gemini', 'Two-seat capsule'),
      document('projects/mercury', 'Mercury seven', 'First flights'),
    ]);

  describe('candidates', () => {
    it('should find documents by part of a word, case-insensitively, across the fields', () => {
      expect([...(build().candidates('POL') ?? [])]).to.deep.equal(['projects/apollo']);
      expect([...(build().candidates('seat caps') ?? [])]).to.deep.equal(['projects/gemini']);
      expect([...(build().candidates('projects') ?? [])].sort()).to.deep.equal(['projects/apollo', 'projects/gemini', 'projects/mercury']);
    });

    it('should need every word of the phrase', () => {
      expect([...(build().candidates('moon first') ?? [])]).to.deep.equal([]);
      expect([...(build().candidates('rocket moon') ?? [])]).to.deep.equal(['projects/apollo']);
    });

    it('should give no candidate set for a phrase without letters or digits (the caller scans)', () => {
      expect(build().candidates(' -, ')).to.equal(undefined);
    });
  });

  describe('having documents changed', () => {
    it('should forget the words of a removed version and learn those of the new one', () => {
      const index = build();
      const old = document('projects/gemini', 'Gemini', 'Two-seat capsule');
      index.remove(old);
      index.insert(document('projects/gemini', 'Gemini IV', 'Spacewalk'));
      expect([...(index.candidates('capsule') ?? [])]).to.deep.equal([]);
      expect([...(index.candidates('walk') ?? [])]).to.deep.equal(['projects/gemini']);
    });
  });
});
