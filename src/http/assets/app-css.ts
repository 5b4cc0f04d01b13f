/** The one stylesheet of the pages, served by the server as /assets/app.css (no build step). */
export const APP_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f8; --fg: #1d1f23; --muted: #5c6370; --card: #ffffff; --line: #d9dce1;
  --accent: #0b6bcb; --accent-fg: #ffffff; --ok: #1a7f37; --warn: #9a6700; --bad: #c62828;
  --code: #eef0f3; --banner: #fff4ce; --banner-fg: #5c4400; --focus: #ffb000;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171a; --fg: #e6e8eb; --muted: #a0a7b2; --card: #1e2125; --line: #363b42;
    --accent: #4ea1ff; --accent-fg: #0b0d10; --ok: #4cc36b; --warn: #e3b341; --bad: #ff6b6b;
    --code: #2a2e34; --banner: #3b3000; --banner-fg: #ffe9a6;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font-size: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 0.5rem; top: 0.5rem; background: var(--card); padding: 0.5rem; z-index: 10; }
.top { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between;
  padding: 0.5rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
.top nav { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; }
.top nav a { text-decoration: none; padding: 0.25rem 0.4rem; border-radius: 4px; }
.top nav a[aria-current="page"] { background: var(--accent); color: var(--accent-fg); }
.who { display: flex; gap: 0.5rem; align-items: center; color: var(--muted); font-size: 0.9rem; }
.who form { margin: 0; }
.demo-banner { margin: 0; padding: 0.5rem 1rem; background: var(--banner); color: var(--banner-fg);
  font-weight: 600; border-bottom: 1px solid var(--line); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.notice { padding: 0.75rem 1rem; border-radius: 6px; border: 1px solid var(--line); margin-bottom: 1rem; background: var(--card); }
.notice.ok { border-color: var(--ok); }
.notice.error { border-color: var(--bad); color: var(--bad); }
.muted { color: var(--muted); }
label { display: block; font-weight: 600; margin: 0.5rem 0 0.2rem; }
label.inline { display: inline-flex; gap: 0.35rem; align-items: center; font-weight: 400; margin-right: 1rem; }
input[type=text], input[type=password], input[type=email], input[type=number], input[type=search],
input[type=date], select, textarea {
  width: 100%; padding: 0.5rem; font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; }
textarea { min-height: 6rem; resize: vertical; }
button, .button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: 0.5; cursor: default; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-top: 0.75rem; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 0 1rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0.75rem 0; padding: 0.25rem 0.75rem 0.75rem; }
legend { font-weight: 600; padding: 0 0.25rem; }
.layout-chat { display: grid; grid-template-columns: 16rem 1fr; gap: 1rem; }
@media (max-width: 48rem) { .layout-chat { grid-template-columns: 1fr; } .layout-chat aside { order: 2; } }
aside ul { list-style: none; padding: 0; margin: 0; }
aside li a { display: block; padding: 0.35rem 0.5rem; border-radius: 4px; text-decoration: none;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
aside li a[aria-current="true"] { background: var(--code); font-weight: 600; }
.turn { border-top: 1px solid var(--line); padding: 0.75rem 0; }
.turn:first-child { border-top: 0; }
.prompt { white-space: pre-wrap; font-weight: 600; margin: 0 0 0.5rem; }
.reply { overflow-wrap: anywhere; }
.reply[data-state="streaming"] { white-space: pre-wrap; }
.reply[data-state="stopped"]::after { content: " (stopped)"; color: var(--muted); }
.reply-text { white-space: pre-wrap; margin: 0; font: inherit; }
pre, code { background: var(--code); border-radius: 4px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
pre { padding: 0.75rem; overflow-x: auto; }
code { padding: 0.1rem 0.25rem; }
pre code { padding: 0; }
details summary { cursor: pointer; color: var(--muted); }
.meta { color: var(--muted); font-size: 0.85rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.85rem;
  border: 1px solid currentColor; }
.badge.ready { color: var(--ok); } .badge.busy { color: var(--accent); }
.badge.cooling, .badge.ejected { color: var(--warn); } .badge.disabled { color: var(--bad); }
.inline-form { display: inline; margin: 0; }
.tabs { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-bottom: 1rem; }
.token { width: 100%; font-family: ui-monospace, monospace; word-break: break-all; }
.secret { font-family: ui-monospace, monospace; font-size: 1.05rem; word-break: break-all; padding: 0.5rem;
  background: var(--code); border-radius: 4px; }
.chart { width: 100%; max-width: 48rem; height: auto; }
.chart .bar { fill: var(--accent); }
.chart .axis { stroke: var(--line); }
.chart text { fill: var(--muted); font-size: 10px; }
.pager { display: flex; gap: 1rem; margin-top: 0.75rem; }
`;
