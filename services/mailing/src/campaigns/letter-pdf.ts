/** Whom a letter goes to, as printed in the envelope window. */
export interface LetterAddress {
  readonly name: string;
  readonly street: string;
  readonly postalCode: string;
  readonly city: string;
  readonly region: string | null;
  /** ISO-3166 alpha-2. */
  readonly country: string;
}

export interface Letter {
  readonly address: LetterAddress;
  /** The rendered letter template: plain text, paragraphs separated by blank lines. */
  readonly body: string;
  /** Document title (the campaign's name). */
  readonly title: string;
}

const MM = 72 / 25.4;
/** Where DIN 5008 (form B) puts the address field, so it shows in a window envelope. */
const ADDRESS = { x: 25 * MM, y: 45 * MM, width: 85 * MM };
const BODY_TOP = 98 * MM;
const MARGIN = 25 * MM;

const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** Characters of Windows-1252 beyond Latin-1, which Helvetica's WinAnsi encoding also covers. */
const CP1252_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
/** Letters without a decomposition to a base letter. */
const BASE_LETTERS: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  ı: 'i',
  Ħ: 'H',
  ħ: 'h',
};

function inWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    char === '\n' ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xff) ||
    CP1252_EXTRAS.has(char)
  );
}

/**
 * Text as Helvetica can show it: a character outside WinAnsi becomes its base letter when it has
 * one (`ő` → `o`, `Ł` → `L`), otherwise `?` — rather than the unrelated glyphs PDF viewers would
 * show for its bytes.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const char of text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ')) {
    if (inWinAnsi(char)) out += char;
    else {
      const base = BASE_LETTERS[char] ?? char.normalize('NFKD').replace(/\p{M}/gu, '');
      out += [...base].every(inWinAnsi) && base !== '' ? base : '?';
    }
  }
  return out;
}

/** The address block's lines: name, street (maybe several lines), postal code and city, region, country. */
export function addressLines(address: LetterAddress): string[] {
  return [
    address.name,
    ...address.street.split(/\r?\n/),
    `${address.postalCode} ${address.city}`,
    ...(address.region ? [address.region] : []),
    (countryNames.of(address.country) ?? address.country).toUpperCase(),
  ].filter((line) => line.trim() !== '');
}

/**
 * Lays a letter out as an A4 PDF in Helvetica: the address block where a window envelope shows it,
 * then the body text, flowing onto further pages as needed. Helvetica is one of the PDF standard
 * fonts, so nothing is embedded; it covers Western European text (WinAnsi), not other scripts.
 */
export async function renderLetterPdf(letter: Letter): Promise<Buffer> {
  // pdfkit (and the font tables it brings) is loaded by the first letter: most runs print none.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    info: { Title: toWinAnsi(letter.title), Producer: 'Switchboard mailing', Creator: 'Switchboard mailing' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica').fontSize(10);
  doc.text(toWinAnsi(addressLines(letter.address).join('\n')), ADDRESS.x, ADDRESS.y, {
    width: ADDRESS.width,
    lineGap: 1,
  });
  doc.fontSize(11);
  doc.text(toWinAnsi(letter.body).trim(), MARGIN, BODY_TOP, {
    width: doc.page.width - 2 * MARGIN,
    lineGap: 2,
    paragraphGap: 4,
  });
  doc.end();
  return await done;
}
