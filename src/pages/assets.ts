// Stylesheet, script and images of the built-in pages. Everything is inline or served from memory:
// the pages must render when nothing but this process is reachable.

/**
 * The only script on the built-in pages. A URL fragment never reaches the server, so it is copied
 * into the `rd` fields here to bring the user back to the same spot after signing in. The page works
 * without it, minus the fragment.
 */
export const HASH_SCRIPT =
  '(function(){var h=window.location.hash;if(!h)return;' +
  'var f=document.querySelectorAll(\'input[name="rd"]\');' +
  "for(var i=0;i<f.length;i++){var v=f[i].value,j=v.indexOf('#');f[i].value=(j<0?v:v.slice(0,j))+h;}})();";

export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #f4f6fa;
  --bg-glow: #e4e9f7;
  --surface: #ffffff;
  --surface-muted: #f1f3f8;
  --text: #141a26;
  --muted: #535e72;
  --border: #dde2ec;
  --primary: #3048c4;
  --primary-hover: #263ba6;
  --on-primary: #ffffff;
  --focus: #3048c4;
  --error-bg: #fdeeee;
  --error-text: #8f1d1d;
  --icon-bg: #e9edfb;
  --icon-fg: #3048c4;
  --icon-bg-danger: #fdeeee;
  --icon-fg-danger: #b42318;
  --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 16px 40px -12px rgba(16, 24, 40, .18);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1016;
    --bg-glow: #18203a;
    --surface: #161a23;
    --surface-muted: #1f2430;
    --text: #e9ecf3;
    --muted: #a3acbd;
    --border: #2b3241;
    --primary: #7b93ff;
    --primary-hover: #97a9ff;
    --on-primary: #0b0f1c;
    --focus: #9fb0ff;
    --error-bg: #3a1618;
    --error-text: #ffc9c5;
    --icon-bg: #222a44;
    --icon-fg: #a5b6ff;
    --icon-bg-danger: #3a1618;
    --icon-fg-danger: #ff9f97;
    --shadow: 0 1px 2px rgba(0, 0, 0, .4), 0 16px 40px -12px rgba(0, 0, 0, .7);
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  min-height: 100dvh;
  display: flex;
  flex-direction: column;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 1rem;
  line-height: 1.5;
  color: var(--text);
  background: radial-gradient(1100px 520px at 50% -12%, var(--bg-glow), transparent 72%) no-repeat, var(--bg);
  -webkit-font-smoothing: antialiased;
}
main {
  flex: 1 0 auto;
  display: flex;
  align-items: center;
  justify-content: center;
  padding: 48px 16px 16px;
}
.card {
  width: 100%;
  max-width: 420px;
  padding: 40px 36px 36px;
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 16px;
  box-shadow: var(--shadow);
  text-align: center;
}
.logo { display: flex; justify-content: center; margin: 0 auto 24px; }
.logo img, .logo svg { display: block; width: auto; height: auto; max-width: 220px; max-height: 72px; }
.logo svg:not([width]) { width: 56px; height: 56px; }
h1 {
  margin: 0 0 8px;
  font-size: 1.5rem;
  line-height: 1.25;
  font-weight: 650;
  letter-spacing: -0.015em;
}
.message { margin: 0 0 28px; color: var(--muted); overflow-wrap: anywhere; }
.message > :first-child { margin-top: 0; }
.message > :last-child { margin-bottom: 0; }
.message a, .meta a { color: var(--primary); }
.eyebrow {
  margin: 0 0 6px;
  font-size: .8125rem;
  font-weight: 650;
  letter-spacing: .06em;
  text-transform: uppercase;
  color: var(--muted);
}
.icon {
  display: flex;
  align-items: center;
  justify-content: center;
  width: 56px;
  height: 56px;
  margin: 0 auto 20px;
  border-radius: 50%;
  background: var(--icon-bg);
  color: var(--icon-fg);
}
.icon.danger { background: var(--icon-bg-danger); color: var(--icon-fg-danger); }
.icon svg { width: 28px; height: 28px; }
form { margin: 0; }
.providers { display: grid; gap: 12px; }
.btn {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  gap: 10px;
  width: 100%;
  min-height: 48px;
  padding: 12px 20px;
  border: 1px solid transparent;
  border-radius: 10px;
  font: inherit;
  font-weight: 600;
  line-height: 1.25;
  text-decoration: none;
  cursor: pointer;
  transition: background-color .15s ease, border-color .15s ease, color .15s ease;
}
.btn svg { width: 18px; height: 18px; flex: none; }
.btn-primary { background: var(--primary); color: var(--on-primary); }
.btn-primary:hover { background: var(--primary-hover); }
.btn-secondary { background: var(--surface); color: var(--text); border-color: var(--border); }
.btn-secondary:hover { background: var(--surface-muted); }
a:focus-visible, button:focus-visible, input:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 3px;
}
.actions { display: flex; flex-direction: column; gap: 12px; margin-top: 28px; }
.divider {
  display: flex;
  align-items: center;
  gap: 12px;
  margin: 28px 0 20px;
  color: var(--muted);
  font-size: .875rem;
}
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--border); }
.field { margin: 0 0 16px; text-align: left; }
.field label { display: block; margin: 0 0 6px; font-size: .875rem; font-weight: 600; }
.field input {
  display: block;
  width: 100%;
  min-height: 44px;
  padding: 10px 12px;
  border: 1px solid var(--border);
  border-radius: 8px;
  background: var(--surface);
  color: var(--text);
  font: inherit;
}
.field input:focus-visible { outline-offset: 1px; border-color: var(--primary); }
.alert {
  margin: 0 0 20px;
  padding: 10px 14px;
  border-radius: 8px;
  background: var(--error-bg);
  color: var(--error-text);
  font-size: .9375rem;
  text-align: left;
}
.meta {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: center;
  gap: 4px 8px;
  margin: 28px 0 0;
  padding-top: 16px;
  border-top: 1px solid var(--border);
  color: var(--muted);
  font-size: .8125rem;
}
.meta code {
  padding: 2px 6px;
  border-radius: 4px;
  background: var(--surface-muted);
  color: var(--text);
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .75rem;
  overflow-wrap: anywhere;
  user-select: all;
}
footer {
  flex: none;
  padding: 16px 16px 28px;
  color: var(--muted);
  font-size: .8125rem;
  text-align: center;
}
footer p { margin: 0; }
footer a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
@media (max-width: 480px) {
  main { align-items: flex-start; padding: max(24px, 9vh) 12px 8px; }
  .card { padding: 32px 20px 28px; border-radius: 14px; }
  h1 { font-size: 1.375rem; }
}
@media (prefers-reduced-motion: reduce) {
  .btn { transition: none; }
}
`;

export const DEFAULT_LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="56" height="56" viewBox="0 0 56 56" aria-hidden="true" focusable="false">' +
  '<rect width="56" height="56" rx="14" fill="#3048c4"/>' +
  '<path d="M28 11.5 40.5 16v9.6c0 8.4-5.3 15.2-12.5 17.9-7.2-2.7-12.5-9.5-12.5-17.9V16z" fill="#ffffff" fill-opacity=".14" ' +
  'stroke="#ffffff" stroke-width="2.5" stroke-linejoin="round"/>' +
  '<circle cx="28" cy="25" r="4.2" fill="#ffffff"/>' +
  '<path d="M28 28v6.5" stroke="#ffffff" stroke-width="3.2" stroke-linecap="round"/>' +
  '</svg>';

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 56 56">' +
  '<rect width="56" height="56" rx="14" fill="#3048c4"/>' +
  '<path d="M28 11.5 40.5 16v9.6c0 8.4-5.3 15.2-12.5 17.9-7.2-2.7-12.5-9.5-12.5-17.9V16z" fill="none" ' +
  'stroke="#ffffff" stroke-width="3" stroke-linejoin="round"/>' +
  '<circle cx="28" cy="25" r="4.5" fill="#ffffff"/>' +
  '<path d="M28 28v7" stroke="#ffffff" stroke-width="3.6" stroke-linecap="round"/>' +
  '</svg>';

const icon = (body: string): string =>
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ' +
  `stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;

export const ICONS = {
  lock: icon('<rect x="4.5" y="10.5" width="15" height="10" rx="2"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/><path d="M12 14.5v2"/>'),
  search: icon('<circle cx="11" cy="11" r="6.5"/><path d="m20 20-4.2-4.2"/>'),
  warning: icon('<path d="M10.3 4.2 2.6 17.5A2 2 0 0 0 4.3 20.5h15.4a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z"/><path d="M12 9.5v4"/><path d="M12 17h.01"/>'),
  server: icon('<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5"/><path d="M12 16.2h.01"/>'),
  arrow: icon('<path d="M5 12h14"/><path d="m13 6 6 6-6 6"/>'),
  back: icon('<path d="M19 12H5"/><path d="m11 18-6-6 6-6"/>'),
};
