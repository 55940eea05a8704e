/**
 * What a client may see of an internal error text (SyncState.lastError, SyncEvent.message): its
 * first line, at most 200 characters, with credentials, URLs and addresses cut out, and nothing at
 * all of database errors (SQL, Prisma's query dumps). The full text stays in the logs and in
 * id_mapping for operators.
 */
export function safeSummary(text: string | null | undefined): string | null {
  if (!text) return text ?? null;
  if (/prisma|\bSELECT\b|\bINSERT\b|\bUPDATE\b.*\bSET\b|\bDELETE FROM\b|violates .* constraint|relation ".*"/i.test(text)) {
    return 'internal error (details in the logs)';
  }
  const summary = text
    .split('\n')[0]!
    .replace(/\b(sk|rk|pk)_(test|live)_\w+/g, '[redacted]')
    .replace(/\bwhsec_\w+/g, '[redacted]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\b[a-z][\w+.-]*:\/\/\S+/gi, '[url]')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '[address]')
    .replace(/\[::1\](:\d+)?|\blocalhost:\d+/g, '[address]')
    .trim();
  return summary.length > 200 ? `${summary.slice(0, 199)}…` : summary;
}
