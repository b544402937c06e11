import { describe, expect, it } from 'vitest';
import { checkTemplate, compileTemplate, type TemplateData, templateFields } from './templates.ts';

const data: TemplateData = {
  customer: {
    name: 'Muster GmbH',
    email: 'office@muster.example',
    phone: null,
    address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', region: null, country: 'DE' },
    segment: 'SMALL_BUSINESS',
  },
  campaign: { name: 'Spring offer', expectedDeliveryDate: '15 December 2026' },
};

const ok = (source: string) => expect(checkTemplate('letter.template', source)).toEqual([]);

describe('checkTemplate', () => {
  it('accepts every field contacts have, in blocks too', () => {
    ok(
      'Dear {{customer.name}},\n{{customer.address.street}}\n{{customer.address.postalCode}} {{customer.address.city}}',
    );
    ok(
      '{{customer.email}} {{customer.phone}} {{customer.segment}} {{customer.address.region}} {{customer.address.country}}',
    );
    ok('{{campaign.name}} arrives around {{campaign.expectedDeliveryDate}}');
    ok('{{#if customer.phone}}Call {{customer.phone}}{{else}}Write to {{customer.email}}{{/if}}');
    ok('{{#unless customer.address.region}}no region{{/unless}}');
    ok('{{#with customer.address}}{{city}} ({{../customer.name}}){{/with}}');
    ok('{{#each customer.address}}{{@key}}: {{this}}{{#if @last}}.{{/if}}{{/each}}');
    ok('{{@root.customer.name}} {{{customer.name}}} {{! a comment }}');
  });

  it('rejects a field contacts do not have, naming it and where it is', () => {
    const problems = checkTemplate(
      'notice.template',
      'Hello {{customer.name}},\nyour VAT number {{customer.vatNumber}}',
    );
    expect(problems).toEqual([
      {
        field: 'notice.template',
        templateField: 'customer.vatNumber',
        line: 2,
        column: 19,
        message: 'unknown field "customer.vatNumber" (line 2, column 19)',
      },
    ]);
  });

  it('finds unknown fields inside {{#if}}, {{#each}} and {{#with}}, and in block conditions', () => {
    const fields = (source: string) => checkTemplate('letter.template', source).map((p) => p.templateField);
    expect(fields('{{#if customer.name}}{{customer.vatNumber}}{{/if}}')).toEqual(['customer.vatNumber']);
    expect(fields('{{#if customer.name}}x{{else}}{{campaign.budget}}{{/if}}')).toEqual(['campaign.budget']);
    expect(fields('{{#each customer.address}}{{this}}{{../customer.vatNumber}}{{/each}}')).toEqual([
      'customer.vatNumber',
    ]);
    expect(fields('{{#with customer.address}}{{street}}{{zip}}{{/with}}')).toEqual(['customer.address.zip']);
    expect(fields('{{#if customer.vatNumber}}x{{/if}}')).toEqual(['customer.vatNumber']);
    expect(fields('{{#each customer.address}}{{this.street}}{{/each}}')).toEqual(['this.street']);
    // A relative name at the top is not a field either.
    expect(fields('Dear {{name}}')).toEqual(['name']);
    expect(fields('{{customer.constructor}}')).toEqual(['customer.constructor']);
  });

  it('reports a syntax error with where it is and the parser’s message', () => {
    const [problem, ...rest] = checkTemplate('notice.subject', 'Hello {{customer.name}');
    expect(rest).toEqual([]);
    expect(problem?.field).toBe('notice.subject');
    expect(problem?.line).toBe(1);
    expect(problem?.message).toMatch(/^not a valid template: Parse error on line 1/);
    expect(checkTemplate('letter.template', '{{#if customer.name}}open')[0]?.message).toContain(
      'Parse error',
    );
  });

  it('rejects partials, helpers other than the four blocks, and sections', () => {
    const messages = (source: string) => checkTemplate('letter.template', source).map((p) => p.message);
    expect(messages('{{> footer}}')).toEqual(['partials are not supported (line 1, column 1)']);
    expect(messages('{{#> layout}}x{{/layout}}')[0]).toMatch(/^partials are not supported/);
    expect(messages('{{lookup customer "name"}}')[0]).toMatch(/^helper "lookup" is not supported/);
    expect(messages('{{#customer}}x{{/customer}}')[0]).toMatch(/^"\{\{#customer\}\}" is not supported/);
    expect(messages('{{#if (eq customer.segment "ENTERPRISE")}}x{{/if}}')[0]).toMatch(
      /^helper calls are not supported/,
    );
    expect(messages('{{#each customer.address as |line|}}{{line}}{{/each}}')[0]).toMatch(/block parameters/);
    expect(messages('{{@index}}')[0]).toMatch(/exists only inside \{\{#each\}\}/);
  });

  it('rejects printing a group of fields, which would print [object Object]', () => {
    const [problem] = checkTemplate('letter.template', '{{customer.address}}');
    expect(problem?.templateField).toBe('customer.address');
    expect(problem?.message).toContain('customer.address.city');
  });
});

describe('compileTemplate', () => {
  it('renders plain text, without HTML escaping, missing optional values as empty', () => {
    const render = compileTemplate(
      'Dear {{customer.name}} & team,\n{{#if customer.phone}}call {{customer.phone}}{{else}}no phone{{/if}} – {{campaign.expectedDeliveryDate}}',
    );
    expect(render({ ...data, customer: { ...data.customer, name: 'Müller <Söhne>' } })).toBe(
      'Dear Müller <Söhne> & team,\nno phone – 15 December 2026',
    );
  });

  it('throws rather than printing nothing for a field the data lacks', () => {
    const render = compileTemplate('{{customer.vatNumber}}');
    expect(() => render(data)).toThrow(/vatNumber/);
  });
});

describe('templateFields', () => {
  it('names every field a template uses by its full name', () => {
    expect(
      templateFields(
        '{{#with customer.address}}{{city}}{{/with}} {{campaign.name}}{{#if customer.phone}}x{{/if}}',
      ).sort(),
    ).toEqual(['campaign.name', 'customer.address', 'customer.address.city', 'customer.phone']);
  });
});
