// Just enough MIME to read what nodemailer sends: unfolded headers, RFC 2047 encoded words, nested
// multipart bodies, quoted-printable and base64. A test that reads the wire format must decode it the
// way a mail client would; this avoids a dependency for that one job.

export interface ParsedMail {
  readonly raw: string;
  /** Header names lowercased; values decoded (encoded words). First occurrence wins. */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly text: string | null;
  readonly html: string | null;
}

interface Part {
  readonly headers: Map<string, string>;
  readonly body: string;
}

export function parseMail(raw: string): ParsedMail {
  const root = splitPart(raw.replace(/\r\n/g, '\n'));
  const bodies = new Map<string, string>();
  collectBodies(root, bodies);
  return {
    raw,
    headers: root.headers,
    subject: root.headers.get('subject') ?? '',
    from: root.headers.get('from') ?? '',
    to: root.headers.get('to') ?? '',
    text: bodies.get('text/plain') ?? null,
    html: bodies.get('text/html') ?? null,
  };
}

function splitPart(source: string): Part {
  const end = source.indexOf('\n\n');
  const head = end === -1 ? source : source.slice(0, end);
  const body = end === -1 ? '' : source.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function collectBodies(part: Part, out: Map<string, string>): void {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
  if (mediaType.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) return;
    const sections = part.body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break; // closing delimiter
      // The line break before a delimiter belongs to the delimiter (RFC 2046), not to the part's body.
      collectBodies(splitPart(section.replace(/^\n/, '').replace(/\n$/, '')), out);
    }
    return;
  }
  if (!out.has(mediaType)) out.set(mediaType, decodeBody(part.body, part.headers.get('content-transfer-encoding')));
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return qpBytes(body.replace(/=\n/g, '')).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

function qpBytes(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i += 1) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047: `=?UTF-8?Q?…?=` / `=?UTF-8?B?…?=`; whitespace between two encoded words is dropped. */
function decodeWords(value: string): string {
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g;
  return value.replace(/\?=\s+=\?/g, '?==?').replace(word, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qpBytes(text.replace(/_/g, ' ')).toString('utf8'),
  );
}
