import Handlebars from 'handlebars';

/** Where a campaign's template is in the request that created it. */
export type TemplatePlace = 'letter.template' | 'notice.subject' | 'notice.template';

/** What is wrong with a template, and where. */
export interface TemplateProblem {
  /** The request field holding the template. */
  readonly field: TemplatePlace;
  readonly message: string;
  /** The template field at fault (e.g. `customer.vatNumber`), when one is. */
  readonly templateField?: string;
  readonly line?: number;
  readonly column?: number;
}

/** What a template sees: the recipient's contact data and the campaign. */
export interface TemplateData {
  readonly customer: {
    readonly name: string;
    readonly email: string;
    readonly phone: string | null;
    readonly address: {
      readonly street: string;
      readonly postalCode: string;
      readonly city: string;
      readonly region: string | null;
      readonly country: string;
    };
    readonly segment: string;
  };
  readonly campaign: { readonly name: string; readonly expectedDeliveryDate: string };
}

/** The shape of TemplateData: `null` marks a value a template can print. */
interface FieldTree {
  readonly [name: string]: FieldTree | null;
}

const FIELDS: FieldTree = {
  customer: {
    name: null,
    email: null,
    phone: null,
    address: { street: null, postalCode: null, city: null, region: null, country: null },
    segment: null,
  },
  campaign: { name: null, expectedDeliveryDate: null },
};

function leavesOf(tree: FieldTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, node]) =>
    node === null ? [`${prefix}${name}`] : leavesOf(node, `${prefix}${name}.`),
  );
}

/** Every field a template may use, for error messages and the API description. */
export const TEMPLATE_FIELDS: readonly string[] = leavesOf(FIELDS);

/** The block helpers a template may use; no other helper, partial or decorator is available. */
const BLOCK_HELPERS = new Set(['if', 'unless', 'with', 'each']);
/** Data variables `{{#each}}` sets. */
const EACH_DATA = new Set(['index', 'key', 'first', 'last']);

/**
 * What `this` is at some point of a template: a known part of FIELDS (an object, or `null` for a
 * single value), ITEM — an element of `{{#each}}`, which may only be printed as a whole — or
 * UNKNOWN, below a field already reported, where nothing is reported again.
 */
const ITEM = Symbol('item');
const UNKNOWN = Symbol('unknown');
type ScopeNode = FieldTree | null | typeof ITEM | typeof UNKNOWN;

interface Scope {
  readonly node: ScopeNode;
  /** Dotted path of `this` from the top, for naming fields. */
  readonly path: string;
  /** Inside `{{#each}}`, so `@index`, `@key`, `@first` and `@last` exist. */
  readonly inEach: boolean;
}

type Resolved =
  { readonly node: ScopeNode; readonly name: string } | { readonly problem: string; readonly field?: string };

const handlebars = Handlebars.create();

class TemplateChecker {
  readonly problems: TemplateProblem[] = [];
  /** Every field the template refers to, by its full name (`customer.address.city`). */
  readonly used = new Set<string>();

  constructor(private readonly place: TemplatePlace) {}

  private report(node: hbs.AST.Node, message: string, templateField?: string): void {
    const line = node.loc.start.line;
    const column = node.loc.start.column + 1;
    this.problems.push({
      field: this.place,
      message: `${message} (line ${line}, column ${column})`,
      ...(templateField === undefined ? {} : { templateField }),
      line,
      column,
    });
  }

  program(program: hbs.AST.Program, scopes: readonly Scope[]): void {
    for (const statement of program.body) this.statement(statement, scopes);
  }

  private statement(statement: hbs.AST.Statement, scopes: readonly Scope[]): void {
    switch (statement.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(statement as hbs.AST.MustacheStatement, scopes);
      case 'BlockStatement':
        return this.block(statement as hbs.AST.BlockStatement, scopes);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return this.report(statement, 'partials are not supported');
      default:
        // Decorators and anything a later Handlebars adds.
        return this.report(statement, `${statement.type} is not supported`);
    }
  }

  private mustache(statement: hbs.AST.MustacheStatement, scopes: readonly Scope[]): void {
    const path = statement.path;
    if (path.type !== 'PathExpression') {
      return this.report(
        statement,
        `"{{${String((path as hbs.AST.StringLiteral).original)}}}" is not a field`,
      );
    }
    const expression = path as hbs.AST.PathExpression;
    if (statement.params.length > 0 || statement.hash?.pairs.length) {
      return this.report(statement, `helper "${expression.original}" is not supported`);
    }
    const resolved = this.resolve(expression, scopes);
    if ('problem' in resolved) return this.report(expression, resolved.problem, resolved.field);
    this.used.add(resolved.name);
    if (resolved.node !== null && typeof resolved.node === 'object') {
      this.report(
        expression,
        `"${resolved.name}" is a group of fields, not a value: use one of ${leavesOf(resolved.node, `${resolved.name}.`).join(', ')}`,
        resolved.name,
      );
    }
  }

  private block(statement: hbs.AST.BlockStatement, scopes: readonly Scope[]): void {
    const helper = statement.path;
    const name = helper.original;
    if (helper.data || helper.depth > 0 || helper.parts.length !== 1 || !BLOCK_HELPERS.has(name)) {
      return this.report(
        statement,
        `"{{#${name}}}" is not supported: the blocks a template may use are {{#if}}, {{#unless}}, {{#each}} and {{#with}}`,
      );
    }
    if (statement.program.blockParams?.length || statement.inverse?.blockParams?.length) {
      return this.report(statement, `block parameters ("as |…|") are not supported in {{#${name}}}`);
    }
    if (statement.params.length !== 1 || statement.hash?.pairs.length) {
      return this.report(statement, `{{#${name}}} takes exactly one field`);
    }
    const param = statement.params[0] as hbs.AST.Expression;
    let inner: Scope | undefined;
    if (param.type === 'PathExpression') {
      const resolved = this.resolve(param as hbs.AST.PathExpression, scopes);
      if ('problem' in resolved) {
        this.report(param, resolved.problem, resolved.field);
        // Below an unknown context nothing more is reported; {{#if}} and {{#unless}} keep theirs.
        if (name === 'with' || name === 'each') inner = { node: UNKNOWN, path: '', inEach: true };
      } else {
        this.used.add(resolved.name);
        inner = this.innerScope(name, param, resolved, scopes);
      }
    } else if (param.type === 'SubExpression') {
      return this.report(param, 'helper calls are not supported');
    } else if (name === 'with' || name === 'each') {
      return this.report(param, `{{#${name}}} needs a field, not a literal`);
    }
    // {{#if}} and {{#unless}} keep the context; {{#with}} and {{#each}} open a new one (for `../`).
    this.program(statement.program, inner ? [...scopes, inner] : scopes);
    if (statement.inverse) this.program(statement.inverse, scopes);
  }

  /** The context inside a block: {{#with}} narrows it, {{#each}} makes it each element. */
  private innerScope(
    helper: string,
    param: hbs.AST.Expression,
    resolved: { readonly node: ScopeNode; readonly name: string },
    scopes: readonly Scope[],
  ): Scope | undefined {
    if (helper === 'with') {
      return { node: resolved.node, path: resolved.name, inEach: scopes.at(-1)?.inEach ?? false };
    }
    if (helper !== 'each') return undefined;
    if (resolved.node === null || resolved.node === ITEM) {
      this.report(param, `{{#each}} needs a group of fields, and "${resolved.name}" is a single value`);
    }
    return { node: resolved.node === UNKNOWN ? UNKNOWN : ITEM, path: `${resolved.name}.*`, inEach: true };
  }

  private resolve(path: hbs.AST.PathExpression, scopes: readonly Scope[]): Resolved {
    if (path.data) {
      const [head = '', ...rest] = path.parts;
      if (head === 'root') return this.walk({ node: FIELDS, path: '', inEach: false }, rest, path);
      if (EACH_DATA.has(head) && rest.length === 0) {
        return scopes.at(-1)?.inEach
          ? { node: null, name: `@${head}` }
          : { problem: `"@${head}" exists only inside {{#each}}` };
      }
      return { problem: `unknown data variable "@${head}"`, field: `@${path.parts.join('.')}` };
    }
    const scope = scopes[scopes.length - 1 - path.depth];
    if (!scope) return { problem: `"${path.original}" goes above the top of the template` };
    return this.walk(scope, path.parts, path);
  }

  private walk(scope: Scope, parts: readonly string[], path: hbs.AST.PathExpression): Resolved {
    let node = scope.node;
    const names = scope.path === '' ? [] : [scope.path];
    for (const part of parts) {
      if (node === UNKNOWN) return { node, name: path.original };
      names.push(part);
      const next: FieldTree | null | undefined =
        node !== null && node !== ITEM && Object.hasOwn(node, part) ? node[part] : undefined;
      if (next === undefined) {
        const field = node === ITEM || scope.node === ITEM ? path.original : names.join('.');
        return { problem: `unknown field "${field}"`, field };
      }
      node = next;
    }
    return { node, name: names.join('.') || 'this' };
  }
}

/**
 * Checks a template before anything is printed or sent: it must parse, and use only the fields
 * contacts have (TEMPLATE_FIELDS, also inside blocks), only the blocks {{#if}}, {{#unless}},
 * {{#each}} and {{#with}}, and no other helper, partial or decorator. Returns every problem found.
 */
export function checkTemplate(place: TemplatePlace, source: string): TemplateProblem[] {
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /on line (\d+)/.exec(message)?.[1];
    return [
      {
        field: place,
        message: `not a valid template: ${message}`,
        ...(line === undefined ? {} : { line: Number(line) }),
      },
    ];
  }
  const checker = new TemplateChecker(place);
  checker.program(program, [{ node: FIELDS, path: '', inEach: false }]);
  return checker.problems;
}

/** The fields a valid template refers to, by full name (`customer.address.city`). */
export function templateFields(source: string): string[] {
  const checker = new TemplateChecker('letter.template');
  checker.program(handlebars.parse(source), [{ node: FIELDS, path: '', inEach: false }]);
  return [...checker.used];
}

/**
 * Compiles a checked template into a function rendering plain text (no HTML escaping: the text
 * goes into a PDF or a text email). Strict: a field missing from the data throws rather than
 * printing nothing.
 */
export function compileTemplate(source: string): (data: TemplateData) => string {
  const render = handlebars.compile<TemplateData>(source, {
    strict: true,
    noEscape: true,
    knownHelpersOnly: true,
  });
  return (data) => render(data);
}
