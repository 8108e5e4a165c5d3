// Sign-in: the API token is checked against `/api/v1/me` and kept in sessionStorage.
import { api, ApiFailure, session } from '../api.ts';
import { h, replace } from '../dom.ts';
import type { Caller } from '../types.ts';
import { heading } from '../context.ts';

export function renderLogin(main: HTMLElement, onSignedIn: (caller: Caller) => void, message = ''): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert' }, message);
  const form = h(
    'form',
    { class: 'login', 'aria-describedby': 'login-help' },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Sign in'),
    h('p', { id: 'login-help', class: 'hint' }, 'A token from http.tokens: read tokens see everything, admin tokens may also sync and change accounts. It stays in this tab only.'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    session.signIn(input.value.trim());
    void api<Caller>('me').then(onSignedIn, (failure: unknown) => {
      session.signOut();
      error.textContent = failure instanceof ApiFailure && failure.status === 401 ? 'This token is not accepted: check it and try again.' : `Cannot sign in: ${(failure as Error).message}`;
      input.focus();
    });
  });
  const title = heading('Sign in');
  replace(main, title, form);
  input.focus();
}
