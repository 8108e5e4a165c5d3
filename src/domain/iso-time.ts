// Times in milliseconds as the ISO 8601 text that events, reports and query parameters carry.

/** A time in milliseconds as ISO 8601 text in UTC; null stays null (no such time). */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
