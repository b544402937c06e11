import { describe, expect, it } from 'vitest';
import { html, raw } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value, so event or trace text never becomes markup', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<td>${name}</td>`.text).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(html`<a title="${"' onmouseover='x"}">`.text).toBe('<a title="&#39; onmouseover=&#39;x">');
  });

  it('keeps markup it made itself, and lists', () => {
    const items = ['a', 'b<'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${raw('<hr>')}`.text).toBe('<ul><li>a</li><li>b&lt;</li></ul><hr>');
    expect(html`${undefined}${null}${false}${0}`.text).toBe('0');
  });
});
