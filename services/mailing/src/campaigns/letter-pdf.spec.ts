import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { addressLines, renderLetterPdf, toWinAnsi } from './letter-pdf.ts';

const address = {
  name: 'Muster GmbH',
  street: 'Hauptstr. 1\nHinterhaus',
  postalCode: '10115',
  city: 'Berlin',
  region: null,
  country: 'DE',
};

describe('renderLetterPdf', () => {
  it('prints the address block, then the body', async () => {
    const pdf = await renderLetterPdf({
      address,
      body: 'Dear Muster GmbH,\n\nour offer for you: 20 % off. Grüße aus Köln – €5',
      title: 'Spring offer',
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
    expect(text).toContain('Muster GmbH\nHauptstr. 1\nHinterhaus\n10115 Berlin\nGERMANY');
    expect(text).toContain('our offer for you: 20 % off. Grüße aus Köln – €5');
    expect(text.indexOf('GERMANY')).toBeLessThan(text.indexOf('Dear Muster GmbH'));
  });

  it('flows a long letter onto further pages', async () => {
    const body = Array.from({ length: 150 }, (_, i) => `Paragraph ${i + 1}.`).join('\n\n');
    const pdf = await renderLetterPdf({ address, body, title: 'Long' });
    const document = await getDocumentProxy(new Uint8Array(pdf));
    expect(document.numPages).toBeGreaterThan(1);
    const { text } = await extractText(document, { mergePages: true });
    expect(text).toContain('Paragraph 150.');
  });
});

describe('addressLines', () => {
  it('adds the region where there is one and names the country', () => {
    expect(addressLines({ ...address, street: 'Ring 2', region: 'Tirol', country: 'AT' })).toEqual([
      'Muster GmbH',
      'Ring 2',
      '10115 Berlin',
      'Tirol',
      'AUSTRIA',
    ]);
  });
});

describe('toWinAnsi', () => {
  it('keeps what Helvetica shows and maps the rest to base letters or ?', () => {
    expect(toWinAnsi('Müller – “€” Œuvre')).toBe('Müller – “€” Œuvre');
    expect(toWinAnsi('Łódź Őrség')).toBe('Lódz Orség');
    expect(toWinAnsi('東京\tx')).toBe('??    x');
  });
});
