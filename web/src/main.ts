// The console's entry point: sign-in, then hash routes (`#/`, `#/queue`, `#/accounts`,
// `#/accounts/ID`, `#/runs`, `#/runs/ID`), each rendered from `/api/v1`.
import { api, ApiFailure, session } from './api.ts';
import type { PageContext } from './context.ts';
import { h, replace } from './dom.ts';
import { renderAccount } from './pages/account.ts';
import { renderAccounts } from './pages/accounts.ts';
import { renderLogin } from './pages/login.ts';
import { renderOverview } from './pages/overview.ts';
import { renderQueue } from './pages/queue.ts';
import { renderRun, renderRuns } from './pages/runs.ts';
import type { Caller } from './types.ts';

type Page = (ctx: PageContext) => Promise<void>;

const ROUTES: readonly [RegExp, Page][] = [
  [/^\/?$/, renderOverview],
  [/^\/queue$/, renderQueue],
  [/^\/accounts$/, renderAccounts],
  [/^\/accounts\/([^/]+)$/, renderAccount],
  [/^\/runs$/, renderRuns],
  [/^\/runs\/(\d+)$/, renderRun],
];

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let caller: Caller | null = null;

function currentRoute(): { path: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?', 2);
  return { path, query: new URLSearchParams(search) };
}

function markCurrentLink(path: string): void {
  for (const a of nav.querySelectorAll('a')) {
    const target = a.getAttribute('href')?.replace(/^#/, '') ?? '';
    const current = target === '/' ? path === '/' : path === target || path.startsWith(`${target}/`);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function render(): Promise<void> {
  if (!caller) return;
  const { path, query } = currentRoute();
  markCurrentLink(path);
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  // Each render draws into a view of its own: a slower render of a page left meanwhile writes into a
  // detached view and never over the current page.
  const view = document.createElement('div');
  main.replaceChildren(view);
  const ctx: PageContext = {
    main: view,
    params: route ? (route[0].exec(path)?.slice(1) ?? []).map(decodeURIComponent) : [],
    query,
    caller,
    navigate: (to) => {
      location.hash = to;
    },
    reload: () => void render(),
  };
  try {
    if (!route) throw new ApiFailure(404, 'not-found', `No page at ${path}.`);
    await route[1](ctx);
    if (view.isConnected) view.querySelector('h1')?.focus();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) {
      signOut('Your token is no longer accepted: sign in again.');
      return;
    }
    replace(view, h('h1', { tabindex: -1 }, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function signedIn(who: Caller): void {
  caller = who;
  nav.hidden = false;
  document.body.dataset['role'] = who.role;
  void render();
}

function signOut(message = ''): void {
  session.signOut();
  caller = null;
  nav.hidden = true;
  renderLogin(main, signedIn, message);
}

document.getElementById('sign-out')?.addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => void render());

if (session.token()) {
  api<Caller>('me').then(signedIn, () => signOut('Sign in again.'));
} else {
  signOut();
}
