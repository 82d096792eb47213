/**
 * Reading a raw git tree object byte by byte: entries of `<mode> <name>\0<20-byte id>`.
 * Used where isomorphic-git is not (copying a peer's objects) or refuses a tree (a name
 * such as ".." that only a hostile peer's plumbing makes).
 */
export interface RawTreeEntry {
  /** Six digits, as isomorphic-git gives it: 040000, 100644, 120000, 160000… */
  mode: string;
  path: string;
  oid: string;
  type: 'tree' | 'blob' | 'commit';
}

export function parseTreeObject(content: Uint8Array): RawTreeEntry[] {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const entries: RawTreeEntry[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const nul = space === -1 ? -1 : bytes.indexOf(0, space);
    if (nul === -1 || nul + 21 > bytes.length) throw new Error('malformed tree');
    const mode = bytes.toString('latin1', at, space).padStart(6, '0');
    entries.push({
      mode,
      path: bytes.toString('utf8', space + 1, nul),
      oid: bytes.toString('hex', nul + 1, nul + 21),
      type: mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob',
    });
    at = nul + 21;
  }
  return entries;
}
