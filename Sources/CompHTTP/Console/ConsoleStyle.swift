/// The console's style sheet: system fonts, one accent colour, a colour per status.
enum ConsoleStyle {
    static let css = #"""
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .id, .retries { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
header#top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; padding: 8px 16px; background: #24292f; color: #fff; }
header#top a { color: #d0d7de; }
.brand { font-weight: 700; font-size: 16px; color: #fff !important; margin-right: 8px; }
nav#nav { display: flex; flex-wrap: wrap; gap: 2px 4px; flex: 1; }
nav#nav a { padding: 3px 8px; border-radius: 6px; white-space: nowrap; }
nav#nav a.active { background: #57606a; color: #fff; }
nav#nav .count { display: inline-block; min-width: 1.6em; padding: 0 5px; border-radius: 9px; background: #424a53; color: #fff; font-size: 12px; text-align: center; }
.live { font-size: 12px; padding: 2px 8px; border-radius: 9px; }
.live.on { background: #1a7f37; }
.live.off { background: #6e7781; }
#who { font-size: 12px; color: #d0d7de; }
main { padding: 12px 16px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 8px 0 12px; }
h2 { font-size: 15px; margin: 16px 0 6px; }
.muted { color: var(--muted); }
#flash { margin: 8px 16px 0; padding: 8px 12px; border-radius: 6px; }
#flash.ok { background: #dafbe1; border: 1px solid #4ac26b; }
#flash.error { background: #ffebe9; border: 1px solid #ff8182; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
table.facts { width: auto; }
table.facts th { background: none; color: var(--muted); font-weight: 400; padding-left: 0; }
table.executions tbody tr:hover { background: var(--panel); }
td.empty { text-align: center; padding: 16px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.s-failed { background: #fff1e5; color: #bc4c00; }
.s-prepared { background: #ddf4ff; color: #0969da; }
.s-succeeded { background: #dafbe1; color: #1a7f37; }
.s-parked { background: #fbefff; color: #8250df; }
.s-discarded { background: #eaeef2; color: #57606a; }
.saga-running { background: #ddf4ff; color: #0969da; }
.saga-completed, .saga-compensated { background: #dafbe1; color: #1a7f37; }
.saga-aborting { background: #fff1e5; color: #bc4c00; }
.saga-stuck { background: #ffebe9; color: #cf222e; }
form.filter { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 6px 12px; padding: 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
form.filter label, form.inline label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
form.filter fieldset.statuses { grid-column: 1 / -1; border: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; }
form.filter legend { float: left; font-size: 12px; color: var(--muted); margin-right: 8px; }
form.filter label.check { flex-direction: row; align-items: center; gap: 4px; color: var(--fg); font-size: 14px; }
form.filter .buttons { display: flex; align-items: end; gap: 8px; }
form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: 8px 12px; margin: 8px 0; }
input[type=text], select { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--fg); }
input.invalid, select.invalid { border-color: #cf222e; background: #ffebe9; }
button, a.button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--fg); cursor: pointer; display: inline-block; }
button:hover, a.button:hover { background: #eaeef2; text-decoration: none; }
button:disabled { opacity: 0.5; cursor: default; }
button.danger { color: #cf222e; }
.bulk { margin: 10px 0 0; }
.pager { margin: 10px 0; display: flex; gap: 8px; }
.summary { margin: 10px 0 4px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 24px; }
section.actions { margin: 12px 0; padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
section.actions h2 { margin-top: 4px; }
pre { background: var(--panel); padding: 8px; border-radius: 6px; overflow: auto; max-height: 320px; white-space: pre-wrap; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.card { display: flex; flex-direction: column; padding: 10px 12px; border: 1px solid var(--line); border-radius: 6px; color: var(--fg); }
.card:hover { background: var(--panel); text-decoration: none; }
.card .number { font-size: 22px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 12px; }
svg.chart { width: 100%; max-width: 720px; height: auto; display: block; }
svg.bars { width: 100%; max-width: 360px; height: auto; display: block; }
svg text { font-size: 11px; fill: var(--fg); }
svg text.axis { fill: var(--muted); }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
svg.swatch { width: 10px; height: 10px; display: inline-block; }
.modal { position: fixed; inset: 0; background: rgba(31, 35, 40, 0.45); display: flex; align-items: center; justify-content: center; }
.modal[hidden] { display: none; }
.modal .dialog { background: #fff; padding: 16px 20px; border-radius: 8px; max-width: 480px; box-shadow: 0 8px 24px rgba(0,0,0,0.25); }
.modal .buttons { display: flex; gap: 8px; justify-content: flex-end; }
"""#
}
