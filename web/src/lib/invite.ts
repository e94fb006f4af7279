// Opening an invite link (`/invite/{token}`, docs/api.md "Members and roles"): accept it, then
// show the thread at its ordinary URL.

import { api } from "./api";

/** The token of an invite link, or null when the page is not one. */
export function inviteToken(pathname: string): string | null {
  const m = /^\/invite\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1] ?? "") : null;
}

/** Accepts the invite in the page's URL, if any, and moves to the thread. The error message
 * (expired, revoked, used…) is returned for the page to show. */
export async function acceptInviteFromUrl(): Promise<string | null> {
  const token = inviteToken(location.pathname);
  if (!token) return null;
  try {
    const { threadId } = await api.acceptInvite(token);
    history.replaceState(null, "", `/?thread=${encodeURIComponent(threadId)}`);
    return null;
  } catch (e) {
    history.replaceState(null, "", "/");
    return e instanceof Error ? e.message : String(e);
  }
}
