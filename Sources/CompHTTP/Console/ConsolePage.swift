/// The console's HTML page: a header with the navigation (filled by the script with a count per view),
/// and the main area the script renders into. Works as a plain page until the script has run.
enum ConsolePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>compd console</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body>
<header id="top">
  <a class="brand" href="/">compd</a>
  <nav id="nav" aria-label="views"></nav>
  <span id="live" class="live off" title="live feed">offline</span>
  <span id="who"></span>
</header>
<div id="flash" role="status" hidden></div>
<main id="main"><p class="muted">Loading…</p></main>
<div id="confirm" class="modal" hidden>
  <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-text">
    <p id="confirm-text"></p>
    <p id="confirm-ids" class="muted"></p>
    <div class="buttons"><button id="confirm-yes" class="danger">Confirm</button> <button id="confirm-no">Cancel</button></div>
  </div>
</div>
<noscript><p>The console needs JavaScript; compctl and /api/v1 work without it.</p></noscript>
</body>
</html>
"""#
}
