import { addMoney, formatMoney, type Money, money } from '../rating/money.ts';
import type { ChargeLine, ChargeLineKind } from '../rating/rating.ts';
import { parsePeriod } from './periods.ts';

/** What an invoice PDF shows; amounts in minor units of `currency`. */
export interface InvoiceDocument {
  readonly invoiceNumber: string;
  /** 'YYYY-MM'. */
  readonly period: string;
  readonly issuedAt: number;
  /** 'YYYY-MM-DD'. */
  readonly dueDate: string;
  /** null when billing does not know the customer's name: the invoice then says 'Customer <id>'. */
  readonly customer: {
    readonly name: string;
    readonly address: {
      street: string;
      postalCode: string;
      city: string;
      region: string | null;
      country: string;
    };
  } | null;
  readonly customerId: string;
  readonly currency: string;
  readonly calls: readonly {
    readonly callId: string;
    readonly startedAt: number;
    readonly endedAt: number;
    readonly lines: readonly ChargeLine[];
    readonly total: Money;
  }[];
  readonly total: Money;
}

const SELLER = 'Switchboard';
const LOCALE = 'en-GB';
const MARGIN = 50;
/** Lowest y of content; below it are the footer and the bottom margin. */
const FOOTER_SPACE = 30;
const ROW = 14;

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const INK = '#1a1a1a';
const MUTED = '#666666';
const RULE = '#bbbbbb';

const DESCRIPTIONS: Record<ChargeLineKind, string> = {
  PARTICIPANT_MINUTES: 'Participant minutes',
  TOLL_FREE_SURCHARGE: 'Toll-free surcharge (minutes)',
  RECORDING: 'Recording minutes',
  MINIMUM_CHARGE_TOP_UP: 'Minimum charge top-up',
};

/** Characters that Helvetica's WinAnsi encoding has beyond Latin-1. */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char);
}

/**
 * `text` in characters the built-in Helvetica can draw: pdfkit would otherwise write other
 * characters as garbage. Accented letters outside WinAnsi lose their accent ('ł' has none to lose
 * and becomes '?'); line breaks and tabs become spaces.
 */
function printable(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    if (isWinAnsi(char)) {
      out += char;
      continue;
    }
    if (/\s/u.test(char)) {
      out += ' ';
      continue;
    }
    const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
    out += base !== '' && [...base].every(isWinAnsi) ? base : '?';
  }
  return out;
}

interface WriteOptions {
  readonly width?: number;
  readonly align?: 'left' | 'right';
  readonly font?: string;
  readonly size?: number;
  readonly color?: string;
}

const isoDate = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);

const utcMinute = (epochMs: number): string =>
  `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** h:mm:ss, whole seconds. */
function duration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

function periodLabel(period: string): string {
  const parsed = parsePeriod(period);
  if (!parsed) return period;
  const month = new Intl.DateTimeFormat(LOCALE, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(Date.UTC(parsed.year, parsed.month - 1, 1));
  return `${month} (${period})`;
}

function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(LOCALE, { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Refuses an invoice whose printed figures would not add up: a line whose amount is not
 * quantity × unit price, a call whose total is not the sum of its lines, a total that is not the sum
 * of the calls, or an amount in another currency.
 */
function assertConsistent(invoice: InvoiceDocument): void {
  const where = `invoice ${invoice.invoiceNumber}`;
  let total = money(0, invoice.currency);
  for (const call of invoice.calls) {
    let callTotal = money(0, invoice.currency);
    for (const line of call.lines) {
      if (line.unitPrice.currency !== invoice.currency) {
        throw new RangeError(
          `${where}, call ${call.callId}: ${line.kind} is priced in ${line.unitPrice.currency}`,
        );
      }
      if (line.amount.amountMinor !== line.quantity * line.unitPrice.amountMinor) {
        throw new RangeError(
          `${where}, call ${call.callId}: ${line.kind} amount is not quantity × unit price`,
        );
      }
      callTotal = addMoney(callTotal, line.amount);
    }
    if (call.total.currency !== invoice.currency || call.total.amountMinor !== callTotal.amountMinor) {
      throw new RangeError(`${where}, call ${call.callId}: total is not the sum of its lines`);
    }
    total = addMoney(total, call.total);
  }
  if (invoice.total.currency !== invoice.currency || invoice.total.amountMinor !== total.amountMinor) {
    throw new RangeError(`${where}: total is not the sum of its calls`);
  }
}

/**
 * Renders the invoice as an A4 PDF: seller, customer, number, period, dates, one block per call
 * with its charge lines and subtotal, the total and when payment is due. The same invoice gives
 * the same bytes (the document's dates and id derive from `issuedAt`).
 *
 * Throws a RangeError rather than print figures that do not add up: a line amount other than
 * quantity × unit price, a call total other than the sum of its lines, an invoice total other than
 * the sum of the calls, or an amount in another currency than the invoice's.
 */
export async function renderInvoicePdf(invoice: InvoiceDocument): Promise<Buffer> {
  assertConsistent(invoice);
  if (!Number.isSafeInteger(invoice.issuedAt)) {
    throw new RangeError(`invoice ${invoice.invoiceNumber}: issuedAt is not an instant`);
  }
  const issued = new Date(invoice.issuedAt);
  // pdfkit (and the font tables it brings) is loaded by the first invoice, at the month-end close.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: printable(`Invoice ${invoice.invoiceNumber}`),
      Author: SELLER,
      Creator: `${SELLER} billing`,
      CreationDate: issued,
      ModDate: issued,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN;
  const right = doc.page.width - MARGIN;
  const width = right - left;
  const bottom = (): number => doc.page.height - MARGIN - FOOTER_SPACE;
  const columns = {
    description: { x: left, width: 215 },
    quantity: { x: left + 215, width: 60 },
    unitPrice: { x: left + 275, width: 95 },
    amount: { x: left + 370, width: width - 370 },
  };
  const style = (options: WriteOptions): void => {
    doc
      .font(options.font ?? FONT)
      .fontSize(options.size ?? 9)
      .fillColor(options.color ?? INK);
  };
  /** `text` cut to `maxWidth` with an ellipsis, in the current font. */
  const fit = (text: string, maxWidth: number): string => {
    if (doc.widthOfString(text) <= maxWidth) return text;
    let cut = text;
    while (cut !== '' && doc.widthOfString(`${cut}…`) > maxWidth) cut = cut.slice(0, -1);
    return `${cut.trimEnd()}…`;
  };
  /**
   * One line of text. Left-aligned text is cut to the width; right-aligned text (amounts,
   * numbers) is never cut, it would rather reach further left.
   */
  const write = (text: string, x: number, y: number, options: WriteOptions = {}): void => {
    style(options);
    const shown = printable(text);
    const boxWidth = options.width ?? width;
    if (options.align === 'right') {
      doc.text(shown, x + boxWidth - doc.widthOfString(shown), y, { lineBreak: false });
    } else {
      doc.text(fit(shown, boxWidth), x, y, { lineBreak: false });
    }
  };
  /** Text wrapped to the width; returns the height it took. */
  const writeWrapped = (text: string, x: number, y: number, options: WriteOptions = {}): number => {
    style(options);
    const shown = printable(text);
    const box = { width: options.width ?? width };
    doc.text(shown, x, y, box);
    return doc.heightOfString(shown, box);
  };
  const rule = (y: number, color = RULE): void => {
    doc.moveTo(left, y).lineTo(right, y).lineWidth(0.5).strokeColor(color).stroke();
  };
  const row = (
    y: number,
    cells: { description: string; quantity?: string; unitPrice?: string; amount: string },
    font = FONT,
  ): void => {
    write(cells.description, columns.description.x, y, { ...columns.description, font });
    if (cells.quantity !== undefined) {
      write(cells.quantity, columns.quantity.x, y, { ...columns.quantity, align: 'right', font });
    }
    if (cells.unitPrice !== undefined) {
      write(cells.unitPrice, columns.unitPrice.x, y, { ...columns.unitPrice, align: 'right', font });
    }
    write(cells.amount, columns.amount.x, y, { ...columns.amount, align: 'right', font });
  };
  const tableHeader = (y: number): number => {
    row(
      y,
      { description: 'Description', quantity: 'Quantity', unitPrice: 'Unit price', amount: 'Amount' },
      BOLD,
    );
    rule(y + 13, INK);
    return y + 20;
  };
  const quantity = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
  const formatAmount = (value: Money): string => formatMoney(value, LOCALE);

  // Seller and title.
  write(SELLER, left, MARGIN, { font: BOLD, size: 22 });
  write('Conference calling', left, MARGIN + 26, { color: MUTED });
  write('INVOICE', left, MARGIN, { align: 'right', font: BOLD, size: 22 });

  // Customer, left; invoice details, right.
  const blockTop = MARGIN + 70;
  write('Bill to', left, blockTop, { font: BOLD, color: MUTED, size: 8 });
  const customerLines: string[] = [];
  if (invoice.customer) {
    const { name, address } = invoice.customer;
    customerLines.push(name, ...address.street.split(/\r?\n/));
    customerLines.push(`${address.postalCode} ${address.city}`.trim());
    if (address.region) customerLines.push(address.region);
    customerLines.push(countryName(address.country));
  } else {
    customerLines.push(`Customer ${invoice.customerId}`);
  }
  let customerY = blockTop + 13;
  customerLines.forEach((text, index) => {
    customerY += writeWrapped(text, left, customerY, {
      width: 230,
      font: index === 0 ? BOLD : FONT,
      size: 10,
    });
  });

  const details: [string, string][] = [
    ['Invoice number', invoice.invoiceNumber],
    ['Period', periodLabel(invoice.period)],
    ['Issued', isoDate(invoice.issuedAt)],
    ['Due date', invoice.dueDate],
    ['Customer ID', invoice.customerId],
  ];
  let detailsY = blockTop;
  const labelX = left + 240;
  for (const [label, value] of details) {
    write(label, labelX, detailsY, { width: 75, color: MUTED });
    write(value, labelX + 75, detailsY, { width: right - labelX - 75, align: 'right' });
    detailsY += 14;
  }

  let y = tableHeader(Math.max(customerY, detailsY) + 25);

  if (invoice.calls.length === 0) {
    write('No calls in this period.', left, y, { color: MUTED });
    y += ROW;
  }
  for (const call of invoice.calls) {
    // A call's block (heading, lines, subtotal) is never split over two pages.
    const blockHeight = 18 + (call.lines.length + 1) * ROW + 8;
    if (y + blockHeight > bottom()) {
      doc.addPage();
      y = tableHeader(MARGIN);
    }
    const heading = `Call started ${utcMinute(call.startedAt)}, duration ${duration(call.endedAt - call.startedAt)}`;
    write(heading, left, y, { font: BOLD, size: 9.5 });
    write(`Call ID ${call.callId}`, left, y + 1.5, { size: 7.5, color: MUTED, align: 'right' });
    y += 18;
    for (const line of call.lines) {
      row(y, {
        description: DESCRIPTIONS[line.kind],
        quantity: quantity.format(line.quantity),
        unitPrice: formatAmount(line.unitPrice),
        amount: formatAmount(line.amount),
      });
      y += ROW;
    }
    doc
      .moveTo(columns.amount.x, y - 3)
      .lineTo(right, y - 3)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    row(y, { description: 'Call subtotal', amount: formatAmount(call.total) }, BOLD);
    y += ROW + 8;
  }

  if (y + 70 > bottom()) {
    doc.addPage();
    y = MARGIN;
  }
  rule(y, INK);
  y += 8;
  write('Invoice total', left, y, { font: BOLD, size: 12 });
  write(formatAmount(invoice.total), left, y, { font: BOLD, size: 12, align: 'right' });
  y += 30;
  writeWrapped(
    `Please pay ${formatAmount(invoice.total)} by ${invoice.dueDate}, quoting invoice number ${invoice.invoiceNumber}.`,
    left,
    y,
    { size: 9.5 },
  );

  // Footers, once the page count is known. Text without a width never breaks the page, so
  // writing below the bottom margin is safe.
  const pages = doc.bufferedPageRange();
  for (let index = 0; index < pages.count; index++) {
    doc.switchToPage(pages.start + index);
    write(
      `${SELLER} - Invoice ${invoice.invoiceNumber} - Page ${index + 1} of ${pages.count}`,
      left,
      doc.page.height - MARGIN,
      { size: 7.5, color: MUTED, align: 'right' },
    );
  }

  doc.end();
  return done;
}
