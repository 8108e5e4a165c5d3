// The one way a URL's password is hidden wherever a URL is shown: config, check, errors.

/** `postgres://user:pw@host/db` → `postgres://user:***@host/db`; a URL without a password as it is; null: not a URL. */
export function maskUrlPassword(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return null;
  }
}
