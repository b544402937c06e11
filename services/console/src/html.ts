/**
 * Server-rendered HTML: a tagged template that escapes every interpolated value unless it is
 * already `Html` (made by this template or `raw`), so no text from an event, a trace or a query
 * string can become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

/** Markup written by this code itself (never from input). */
export const raw = (text: string): Html => new Html(text);

/** Who is signed in, as the layout shows them. */
export interface Viewer {
  readonly name: string;
  readonly csrf: string;
}

const NAV = [
  ['/', 'Flows'],
  ['/topics', 'Topics'],
  ['/dead-letters', 'Dead letters'],
  ['/status', 'Health'],
  ['/asyncapi', 'Event API'],
] as const;

const STYLE = `
:root { --ink:#1d2330; --muted:#5d6677; --line:#dde2ea; --bg:#f6f7f9; --accent:#2456c6; --bad:#b42318; --warn:#b54708; --good:#067647; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink); background:var(--bg); }
header { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#111827; color:#fff; }
header .brand { font-weight:700; letter-spacing:.02em; }
header nav a { color:#cbd5e1; text-decoration:none; margin-right:16px; }
header nav a[aria-current="page"] { color:#fff; border-bottom:2px solid #60a5fa; padding-bottom:2px; }
header .who { margin-left:auto; color:#cbd5e1; display:flex; gap:12px; align-items:center; }
header .who button { background:none; border:1px solid #475569; color:#cbd5e1; border-radius:4px; padding:2px 8px; cursor:pointer; }
main { padding:20px 24px; max-width:1400px; }
h1 { font-size:20px; margin:0 0 12px; } h2 { font-size:16px; margin:24px 0 8px; } h3 { font-size:14px; margin:16px 0 6px; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f5; font-weight:600; font-size:13px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12.5px; }
.muted { color:var(--muted); } .bad { color:var(--bad); font-weight:600; } .warn { color:var(--warn); font-weight:600; } .good { color:var(--good); font-weight:600; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin:12px 0; }
form.search { display:flex; gap:8px; align-items:center; margin-bottom:16px; }
input[type=text], select { padding:6px 8px; border:1px solid #b8c0cc; border-radius:4px; font:inherit; }
input[type=text] { width:380px; }
button.primary { background:var(--accent); color:#fff; border:0; border-radius:4px; padding:6px 14px; font:inherit; cursor:pointer; }
.pill { display:inline-block; padding:0 8px; border-radius:10px; background:#eef1f5; font-size:12px; }
.pill.bad { background:#fee4e2; } .pill.good { background:#dcfae6; } .pill.warn { background:#fef0c7; }
.waterfall { position:relative; }
.waterfall .row { display:grid; grid-template-columns: 360px 1fr; gap:8px; align-items:center; padding:2px 0; border-bottom:1px dotted var(--line); }
.waterfall .label { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.waterfall .track { position:relative; height:14px; background:#f1f3f6; }
.waterfall .bar { position:absolute; top:2px; height:10px; min-width:2px; border-radius:2px; background:#60a5fa; }
.waterfall .bar.error { background:#f04438; }
.svc-orders { color:#7c3aed; } .svc-conference-bridge { color:#0e7490; } .svc-billing { color:#b45309; } .svc-crm { color:#15803d; } .svc-mailing { color:#be185d; }
`;

/** A whole page: the navigation, who is signed in, and `body`. */
export function page(title: string, path: string, viewer: Viewer | undefined, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Switchboard console</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <span class="brand">Switchboard</span>
          <nav>
            ${NAV.map(([href, label]) => html`<a href="${href}" ${href === path ? raw(' aria-current="page"') : ''}>${label}</a>`)}
          </nav>
          ${
            viewer
              ? html`<span class="who"
                  >signed in as <strong data-testid="viewer">${viewer.name}</strong>
                  <form method="post" action="/logout">
                    <input type="hidden" name="csrf" value="${viewer.csrf}" /><button type="submit">
                      Sign out
                    </button>
                  </form></span
                >`
              : ''
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`;
}
