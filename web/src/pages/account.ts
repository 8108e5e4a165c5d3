// One account: why it is in its state (the API's explanation), its details, the admin actions with a
// reason (admin tokens), and its history.
import { api, ApiFailure } from '../api.ts';
import { heading, isAdmin, type PageContext } from '../context.ts';
import { h, link, replace } from '../dom.ts';
import { formatCount, ordinal, timeEl } from '../format.ts';
import type { Account, Explanation } from '../types.ts';
import { auditTable } from './history.ts';

type Action = 'block' | 'unblock' | 'protect' | 'unprotect';
const LABEL: Record<Action, string> = { block: 'Block', unblock: 'Unblock', protect: 'Protect', unprotect: 'Unprotect' };
const DONE: Record<Action, string> = { block: 'Blocked', unblock: 'Unblocked', protect: 'Protected', unprotect: 'Unprotected' };

function details(e: Explanation): HTMLDListElement {
  const { account: a, explanation: x } = e;
  const row = (term: string, ...value: (Node | string)[]) => [h('dt', {}, term), h('dd', {}, ...value)];
  const protectedBy = [x.protectedBy.admin ? 'an admin' : null, x.protectedBy.policy ? 'policy.protect' : null].filter((b) => b !== null);
  return h(
    'dl',
    { class: 'details' },
    ...row('State', h('span', { class: `state ${a.state}` }, a.state)),
    ...row('Profile', x.profile ? `${x.profile.name} (${ordinal(x.profile.position)} of ${x.profile.of}), matched by: ${x.profile.rule}` : 'none'),
    ...row('Holds', x.held.join(', ') || '–'),
    ...row('Waits for', x.waitingFor.join(', ') || '–'),
    ...(x.queue ? row('Queue', `${ordinal(x.queue.position)} of ${formatCount(x.queue.total)}`, ' · ', link('/queue', 'waiting list')) : []),
    ...(a.waitingSince ? row('Waiting since', timeEl(a.waitingSince)) : []),
    ...(a.activatedAt ? row('Active since', timeEl(a.activatedAt)) : []),
    ...(a.graceUntil ? row('Grace until', timeEl(a.graceUntil)) : []),
    ...row('Protected', protectedBy.length > 0 ? `yes, by ${protectedBy.join(' and ')}` : 'no'),
    ...row('Name', a.displayName ?? ''),
    ...row('Email', a.email ?? ''),
    ...row('Source', a.source),
    ...row('Directory id', h('code', {}, a.externalId)),
  );
}

function actionsOf(e: Explanation): Action[] {
  const actions: Action[] = [e.account.state === 'suspended' ? 'unblock' : 'block'];
  actions.push(e.explanation.protectedBy.admin ? 'unprotect' : 'protect');
  return actions;
}

function actionForm(ctx: PageContext, e: Explanation): HTMLElement {
  const reason = h('input', { id: 'reason', name: 'reason', type: 'text', maxlength: 500, autocomplete: 'off' });
  const message = h('p', { role: 'status', class: 'hint', id: 'action-message' });
  const buttons = actionsOf(e).map((action) =>
    h('button', {
      type: 'button',
      class: action === 'block' ? 'danger' : null,
      onclick: () => {
        void api<{ account: Account; changed: boolean }>(`accounts/${e.account.id}/${action}`, { method: 'POST', body: reason.value.trim() ? { reason: reason.value } : {} }).then(
          (result) => {
            sessionStorage.setItem('seatsync-flash', result.changed ? `${DONE[action]} ${result.account.username}: now ${result.account.state}.` : `Nothing to do: ${result.account.username} already was.`);
            ctx.reload();
          },
          (error: unknown) => (message.textContent = error instanceof ApiFailure ? error.message : String(error)),
        );
      },
    }, LABEL[action]),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    h('label', { for: 'reason' }, 'Reason (kept in the audit trail)'),
    reason,
    h('div', { class: 'buttons' }, ...buttons),
    message,
  );
}

export async function renderAccount(ctx: PageContext): Promise<void> {
  const id = ctx.params[0] ?? '';
  const e = await api<Explanation>(`accounts/${encodeURIComponent(id)}/explain`);
  const flash = sessionStorage.getItem('seatsync-flash');
  sessionStorage.removeItem('seatsync-flash');
  replace(
    ctx.main,
    heading(e.account.username),
    flash ? h('p', { class: 'ok', role: 'status' }, flash) : null,
    h('section', { 'aria-labelledby': 'why-title' }, h('h2', { id: 'why-title' }, 'Why'), h('p', { class: 'why' }, e.explanation.summary)),
    details(e),
    isAdmin(ctx) ? actionForm(ctx, e) : null,
    h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'History'), auditTable(e.audit.slice().reverse(), { withAccount: false })),
  );
}
