// HTML pages of the development OpenID Provider: self-contained (inline CSS, no scripts, no
// external assets) so they render the same offline and under a strict CSP.

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** What a sign-in page needs to say about the built-in accounts. */
export interface UserHint {
  name: string;
  groups: string[];
  /** true when the account uses the shared demo password. */
  demoPassword: boolean;
}

const STYLE = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;
  font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:#1f2937;background:linear-gradient(160deg,#eef2ff 0%,#f8fafc 55%,#ecfeff 100%)}
main{width:100%;max-width:420px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:14px;padding:32px 32px 28px;
  box-shadow:0 1px 2px rgba(16,24,40,.04),0 12px 32px rgba(16,24,40,.08)}
.brand{display:flex;align-items:center;gap:10px;margin-bottom:22px}
.mark{width:34px;height:34px;border-radius:9px;background:linear-gradient(135deg,#4f46e5,#0ea5e9);
  color:#fff;font-weight:700;font-size:15px;display:flex;align-items:center;justify-content:center;letter-spacing:.5px}
.brand-name{font-weight:600;font-size:15px;white-space:nowrap}
.badge{margin-left:auto;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;
  color:#92400e;background:#fef3c7;border:1px solid #fde68a;border-radius:999px;padding:2px 8px}
h1{font-size:22px;line-height:1.25;margin:0 0 4px;font-weight:650;letter-spacing:-.01em}
.sub{margin:0 0 22px;color:#6b7280}
.sub strong{color:#374151;font-weight:600}
label{display:block;font-size:13px;font-weight:600;color:#374151;margin:0 0 6px}
input[type=text],input[type=password]{width:100%;font:inherit;padding:10px 12px;border:1px solid #d1d5db;
  border-radius:8px;background:#fff;color:inherit;margin:0 0 16px;outline:none;transition:border-color .15s,box-shadow .15s}
input[type=text]:focus,input[type=password]:focus{border-color:#6366f1;box-shadow:0 0 0 3px rgba(99,102,241,.18)}
button,.button{display:block;width:100%;font:inherit;font-weight:600;text-align:center;text-decoration:none;
  padding:10px 14px;border-radius:8px;border:1px solid #4338ca;background:#4f46e5;color:#fff;cursor:pointer}
button:hover,.button:hover{background:#4338ca}
button.secondary,.button.secondary{background:#fff;color:#374151;border-color:#d1d5db;margin-top:10px}
button.secondary:hover,.button.secondary:hover{background:#f9fafb}
.alert{margin:0 0 18px;padding:10px 12px;border-radius:8px;background:#fef2f2;border:1px solid #fecaca;color:#991b1b;font-size:14px}
.cancel{display:block;margin-top:14px;text-align:center;font-size:14px;color:#6b7280;text-decoration:none}
.cancel:hover{color:#374151;text-decoration:underline}
.hint{margin-top:18px;padding:12px 14px;border-radius:10px;background:#f8fafc;border:1px dashed #cbd5e1;font-size:13px;color:#475569}
.hint ul{margin:6px 0 0;padding-left:18px}
.hint code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2ff;color:#3730a3;
  padding:1px 5px;border-radius:4px}
.muted{color:#94a3b8}
footer{margin-top:14px;text-align:center;font-size:12px;color:#94a3b8}
@media (prefers-color-scheme:dark){
  body{color:#e5e7eb;background:linear-gradient(160deg,#0f172a 0%,#111827 60%,#082f49 100%)}
  .card{background:#111827;border-color:#1f2937;box-shadow:0 12px 32px rgba(0,0,0,.45)}
  h1,.brand-name{color:#f9fafb} .sub{color:#9ca3af} .sub strong,label{color:#d1d5db}
  input[type=text],input[type=password]{background:#0b1220;border-color:#374151}
  button.secondary,.button.secondary{background:#111827;color:#e5e7eb;border-color:#374151}
  .hint{background:#0b1220;border-color:#334155;color:#cbd5e1} .hint code{background:#1e1b4b;color:#c7d2fe}
  .alert{background:#450a0a;border-color:#7f1d1d;color:#fecaca}
}`;

export function layout(title: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Dev Identity Provider</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="card">
<div class="brand"><div class="mark" aria-hidden="true">ID</div><div class="brand-name">Dev Identity Provider</div><span class="badge">Development</span></div>
${content}
</div>
<footer>Local OpenID Provider for development and tests. Never use it in production.</footer>
</main>
</body>
</html>`;
}

export function loginPage(p: {
  action: string;
  abortUrl: string;
  clientName: string;
  username?: string;
  error?: string;
  users: UserHint[];
}): string {
  const error = p.error ? `<p class="alert" role="alert">${escapeHtml(p.error)}</p>` : '';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p class="sub">to continue to <strong>${escapeHtml(p.clientName)}</strong></p>
${error}<form method="post" action="${escapeHtml(p.action)}" autocomplete="off">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escapeHtml(p.username ?? '')}" required autocapitalize="none" spellcheck="false"${p.username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" required${p.username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
<a class="cancel" href="${escapeHtml(p.abortUrl)}">Cancel and return to the application</a>
${usersHint(p.users)}`,
  );
}

function usersHint(users: UserHint[]): string {
  if (users.length === 0) return '';
  const shown = users.slice(0, 8);
  const items = shown
    .map((u) => {
      const groups = u.groups.length === 0 ? '' : ` <span class="muted">(${escapeHtml(summariseGroups(u.groups))})</span>`;
      return `<li><code>${escapeHtml(u.name)}</code>${groups}</li>`;
    })
    .join('');
  const more = users.length > shown.length ? `<li class="muted">and ${users.length - shown.length} more</li>` : '';
  const allDemo = users.every((u) => u.demoPassword);
  const someDemo = users.some((u) => u.demoPassword);
  const password = allDemo
    ? 'The password is <code>password</code> for every user.'
    : someDemo
      ? 'Users without a password of their own use <code>password</code>.'
      : 'Each user has the password configured for it.';
  return `<div class="hint">Demo users on this identity provider:<ul>${items}${more}</ul>${password}</div>`;
}

function summariseGroups(groups: string[]): string {
  return groups.length <= 3 ? groups.join(', ') : `${groups.slice(0, 3).join(', ')} +${groups.length - 3} more`;
}

export function messagePage(title: string, message: string, detail?: string): string {
  const extra = detail ? `<p class="sub">${escapeHtml(detail)}</p>` : '';
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p class="sub">${escapeHtml(message)}</p>\n${extra}`);
}

/** `form` is oidc-provider's own hidden form (it carries the anti-forgery token). */
export function logoutPage(host: string, form: string): string {
  return layout(
    'Sign out',
    `<h1>Sign out?</h1>
<p class="sub">You will be signed out of the development identity provider at <strong>${escapeHtml(host)}</strong>.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  );
}
