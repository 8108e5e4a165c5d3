// config/demo-users.csv is the directory of the demo (config/demo.yaml): it must read cleanly and keep
// the proportions the demo relies on (more enabled staff and partners than seats, service accounts).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSource } from '../../../../src/sources/factory.ts';
import { silentLogger } from '../../../../src/logging.ts';
import { fileConfig, readAll, skippedOf, usersOf } from './temp-files.ts';

const DEMO_USERS = fileURLToPath(new URL('../../../../config/demo-users.csv', import.meta.url));

describe('config/demo-users.csv', () => {
  it('reads 40 people without a skipped row, with staff and partners outnumbering the demo seats', async () => {
    const { items } = await readAll(createSource(fileConfig(DEMO_USERS, 'csv'), silentLogger()), {
      groupsOfInterest: ['partners', 'staff', 'it admins'],
      attributes: ['employeeType', 'department'],
    });
    expect(skippedOf(items)).toEqual([]);
    const users = usersOf(items);
    expect(users).toHaveLength(40);
    const enabledIn = (group: string) => users.filter((user) => user.enabled && user.groups.includes(group)).length;
    expect(enabledIn('staff')).toBe(27); // 20 seats in `primary`: 7 wait
    expect(enabledIn('partners')).toBe(7); // 5 seats in `extranet`: 2 wait
    expect(enabledIn('it admins')).toBe(2);
    const service = users.filter((user) => user.attributes['employeeType']?.[0] === 'service');
    expect(service.map((user) => user.username).sort()).toEqual(['svc-backup', 'svc-legacy-import', 'svc-reporting']);
    expect(users.every((user) => user.email?.endsWith('@example.test') && user.createdAt !== null)).toBe(true);
    const years = new Set(users.map((user) => user.createdAt?.getUTCFullYear()));
    expect([...years].sort()).toEqual([2023, 2024, 2025]);
  });
});
