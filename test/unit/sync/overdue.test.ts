// When a scheduled source counts as overdue (status, API, console and the overdue metric read the same
// function): late by the schedule's interval after the run after the last one was due; never while a run
// is at work, however long it takes; a source that never ran, or whose schedule changed, from when a
// worker first scheduled its current schedule; never while no worker has scheduled that one.
import { describe, expect, it } from 'vitest';

import { scheduledAfter, scheduleOfText, scheduleText } from '../../../src/config/values.ts';
import type { RunRecord } from '../../../src/store/run-store.ts';
import { overdueSince } from '../../../src/sync/status.ts';

const HOUR = 3_600_000;
const started = new Date('2026-12-07T08:00:00.000Z');
const last = { startedAt: started, finishedAt: new Date(started.getTime() + 60_000), status: 'ok' } as RunRecord;
const hourly = { everyMs: HOUR };
const at = (ms: number): Date => new Date(started.getTime() + ms);
/** When a worker scheduled the source's schedule, before its last run. */
const scheduled = at(-10 * HOUR);

describe('overdueSince', () => {
  it('is null until the next run is late by the interval, then names when it was due', () => {
    expect(overdueSince(hourly, { last, scheduleSeen: scheduled, atWork: false }, at(2 * HOUR))).toBeNull();
    expect(overdueSince(hourly, { last, scheduleSeen: scheduled, atWork: false }, at(2 * HOUR + 1))).toBe(at(HOUR).toISOString());
  });

  it('is null while a run is at work, even one that outlasts the interval', () => {
    expect(overdueSince(hourly, { last, scheduleSeen: scheduled, atWork: true }, at(5 * HOUR))).toBeNull();
  });

  it('counts a source that never ran from when a worker scheduled it, and never one without a schedule', () => {
    expect(overdueSince(hourly, { last: undefined, scheduleSeen: started, atWork: false }, at(3 * HOUR))).toBe(at(HOUR).toISOString());
    expect(overdueSince(null, { last, scheduleSeen: started, atWork: false }, at(30 * HOUR))).toBeNull();
  });

  it('is null while no worker has scheduled the current schedule, whether the source ran or not', () => {
    expect(overdueSince(hourly, { last: undefined, scheduleSeen: null, atWork: false }, at(30 * HOUR))).toBeNull();
    expect(overdueSince(hourly, { last, scheduleSeen: null, atWork: false }, at(30 * HOUR))).toBeNull();
  });
});

describe('overdueSince after a schedule change', () => {
  it('counts from when a worker first scheduled the current schedule when that is after the last run', () => {
    // The last run at 08:00 under another schedule; a daily 09:30 cron is first scheduled at 10:00: its first
    // run is the next day's, not the one at 09:30 today, before it was configured.
    const daily = { cron: '30 9 * * *' };
    const changed = at(2 * HOUR);
    expect(overdueSince(daily, { last, scheduleSeen: changed, atWork: false }, at(3 * HOUR))).toBeNull();
    expect(overdueSince(daily, { last, scheduleSeen: changed, atWork: false }, new Date('2026-12-08T10:30:00.000Z'))).toBeNull();
    expect(overdueSince(daily, { last, scheduleSeen: changed, atWork: false }, new Date('2026-12-08T10:30:00.001Z'))).toBe('2026-12-08T09:30:00.000Z');
    // Turned on from `off` after a manual run: not due before the first time after it was turned on.
    expect(overdueSince(hourly, { last, scheduleSeen: at(5 * HOUR), atWork: false }, at(7 * HOUR))).toBeNull();
    expect(overdueSince(hourly, { last, scheduleSeen: at(5 * HOUR), atWork: false }, at(7 * HOUR + 1))).toBe(at(6 * HOUR).toISOString());
    // Scheduled before the last run: the last run counts.
    expect(overdueSince(hourly, { last, scheduleSeen: scheduled, atWork: false }, at(2 * HOUR + 1))).toBe(at(HOUR).toISOString());
  });
});

describe('scheduledAfter', () => {
  it('reads a cron schedule in UTC whatever the time zone of the process, as the worker does', () => {
    const zone = process.env['TZ'];
    try {
      for (const tz of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
        process.env['TZ'] = tz;
        const { first, second } = scheduledAfter({ cron: '0 2 * * *' }, started);
        expect([first.toISOString(), second.toISOString()]).toEqual(['2026-12-08T02:00:00.000Z', '2026-12-09T02:00:00.000Z']);
      }
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });
});

describe('scheduleOfText', () => {
  it('reads back the schedule scheduleText wrote, and nothing else', () => {
    for (const schedule of [null, hourly, { cron: '30 9 * * 1-5' }]) expect(scheduleOfText(scheduleText(schedule))).toEqual(schedule);
    expect(scheduleOfText(scheduleText({ cron: ' 0  3 * * * ' }))).toEqual({ cron: '0 3 * * *' });
    // Another version's text, or one edited by hand: not a schedule (its reader takes the config's).
    for (const text of ['hourly', 'cron 61 * * * *', 'cron * * *', 'every 0ms', 'every -5ms', '']) expect(scheduleOfText(text), text).toBeUndefined();
  });
});
