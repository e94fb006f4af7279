import { useCallback, useEffect, useState } from "react";
import { api } from "../lib/api";
import type { InviteCreated, MemberList, ThreadRole } from "../lib/contract";
import { Button } from "./ui";

/** The owner's sharing panel: make an invite link with a role, see and change the members. */
export function ShareDialog({ threadId, onClose }: { threadId: string; onClose: () => void }) {
  const [role, setRole] = useState<ThreadRole>("editor");
  const [multiUse, setMultiUse] = useState(false);
  const [link, setLink] = useState<InviteCreated | null>(null);
  const [list, setList] = useState<MemberList | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    api.members(threadId).then(setList, (e: Error) => setError(e.message));
  }, [threadId]);
  useEffect(reload, [reload]);

  const act = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(null);
        reload();
      },
      (e: Error) => setError(e.message),
    );
  const invite = () =>
    act(api.invite(threadId, role, multiUse).then(setLink));

  return (
    <div role="dialog" aria-modal="true" aria-labelledby="share-title" className="fixed inset-0 z-40 grid place-items-center bg-slate-900/30 p-4" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="w-full max-w-md space-y-4 rounded-xl bg-white p-4 shadow-xl">
        <div className="flex items-center">
          <h2 id="share-title" className="font-semibold">Share this app</h2>
          <Button variant="ghost" size="sm" className="ml-auto" onClick={onClose} aria-label="Close">✕</Button>
        </div>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <label>
            Invite as{" "}
            <select value={role} onChange={(e) => setRole(e.target.value as ThreadRole)} className="rounded border border-slate-300 px-1 py-0.5">
              <option value="editor">editor (can change the app)</option>
              <option value="viewer">viewer (can only look)</option>
            </select>
          </label>
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={multiUse} onChange={(e) => setMultiUse(e.target.checked)} /> anyone with the link
          </label>
          <Button variant="primary" size="sm" onClick={() => void invite()}>Create link</Button>
        </div>
        {link && (
          <p className="text-sm">
            <input readOnly aria-label="Invite link" data-testid="invite-link" value={location.origin + link.url} onFocus={(e) => e.target.select()} className="w-full rounded border border-slate-300 px-2 py-1 font-mono text-xs" />
            <span className="text-xs text-muted">
              {link.multiUse ? "Anyone" : "One person"} with this link joins as {link.role}, until {new Date(link.expiresAt).toLocaleDateString()}.
            </span>
          </p>
        )}
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Members">
          {list?.members.map((m) => (
            <li key={m.principal} className="flex items-center gap-2 py-1.5">
              <span className="min-w-0 flex-1 truncate" title={m.principal}>{m.principal}</span>
              {m.role === "owner" ? (
                <span className="text-muted">owner</span>
              ) : (
                <>
                  <select aria-label={`Role of ${m.principal}`} value={m.role} onChange={(e) => void act(api.setRole(threadId, m.principal, e.target.value as ThreadRole))} className="rounded border border-slate-300 px-1 py-0.5">
                    <option value="editor">editor</option>
                    <option value="viewer">viewer</option>
                  </select>
                  <Button variant="ghost" size="sm" onClick={() => void act(api.removeMember(threadId, m.principal))}>Remove</Button>
                </>
              )}
            </li>
          ))}
        </ul>
        {list && list.invites.some((i) => !i.revoked) && (
          <ul className="space-y-1 text-xs text-muted" aria-label="Open invites">
            {list.invites.filter((i) => !i.revoked).map((i) => (
              <li key={i.id} className="flex items-center gap-2">
                <span className="flex-1">
                  {i.role} link{i.multiUse ? " (anyone)" : ""} · {i.accepted} joined · until {new Date(i.expiresAt).toLocaleDateString()}
                </span>
                <Button variant="ghost" size="sm" onClick={() => void act(api.revokeInvite(threadId, i.id))}>Revoke</Button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
