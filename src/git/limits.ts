/**
 * How much of a repository's or a peer's objects is ever held in memory at once. A git
 * object's header states its size, and zlib turns a few kilobytes into gigabytes, so every
 * object is measured by its header before it is inflated, and inflated with this cap.
 * Objects copied from a peer are copied as they are stored, never inflated; only the ones
 * that must be read (commits, trees, tags, memory files) meet these limits.
 */

/** The largest object (a commit, tree, tag or blob, or what a delta rebuilds) read whole. */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/** The longest chain of deltas followed to rebuild one object; git writes at most 4095. */
export const MAX_DELTA_CHAIN = 5000;

/**
 * The most one HTTP response of a peer's server may hold: isomorphic-git keeps a fetched
 * pack in memory to index it. A larger peer is fetched over ssh or file://, by git.
 */
export const MAX_HTTP_RESPONSE_BYTES = 512 * 1024 * 1024;

/**
 * The most a server's list of refs may hold over HTTP: isomorphic-git asks for every ref
 * (protocol v0) and keeps them all in memory, so a server that sends refs without end
 * would fill it, and reads them slowly (half a million take seconds). 8 MiB is some
 * 120,000 refs; the system git (ssh, git://) asks only for the peer's ref.
 */
export const MAX_HTTP_ADVERTISEMENT_BYTES = 8 * 1024 * 1024;

/** The most of an HTTP error page read (isomorphic-git shows its start). */
export const MAX_HTTP_ERROR_BYTES = 64 * 1024;

/** The most objects in one pack fetched over HTTP (each costs isomorphic-git memory to index). */
export const MAX_HTTP_PACK_OBJECTS = 2_000_000;

/** One line for a size: "320864269 bytes (306 MiB)". */
export function bytes(n: number): string {
  if (n < 1024 * 1024) return `${n} bytes`;
  return `${n} bytes (${Math.round(n / (1024 * 1024))} MiB)`;
}
