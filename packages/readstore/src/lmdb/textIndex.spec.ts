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
    });

    it('should need every word of the phrase', () => {
      expect([...(build().candidates('moon first') ?? [])]).to.deep.equal([]);
      expect([...(build().candidates('rocket moon') ?? [])]).to.deep.equal(['projects/apollo']);
    });

    it('should give no candidate set for a phrase without letters or digits, or with only common words (the caller walks the kind)', () => {
      expect(build().candidates(' -, ')).to.equal(undefined);
      const many = TextIndex.build(['title'], Array.from({ length: 300 }, (_unused, number) => document(`projects/p${number}`, `Project ${number}`)));
      expect(many.candidates('project')).to.equal(undefined);
      expect(many.candidates('project 7')?.size).to.equal(Array.from({ length: 300 }, (_unused, number) => String(number)).filter((text) => text.includes('7')).length);
    });

    it('should start from the rarest word and may stop narrowing there (the condition decides)', () => {
      const index = TextIndex.build(['title'], Array.from({ length: 40 }, (_unused, number) => document(`projects/p${number}`, `Project ${number}`)));
      expect([...(index.candidates('ject 17') ?? [])]).to.deep.equal(['projects/p17']);
      expect([...(index.candidates('ject 3') ?? [])].sort()).to.deep.equal(['projects/p13', 'projects/p23', 'projects/p3', 'projects/p30', 'projects/p31', 'projects/p32', 'projects/p33', 'projects/p34', 'projects/p35', 'projects/p36', 'projects/p37', 'projects/p38', 'projects/p39'].sort());
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
