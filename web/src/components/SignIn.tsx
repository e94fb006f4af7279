// Saying who you are with an API key (local mode with named keys: APPGEN_API_KEYS='Alice=key,…'):
// the key is checked with `GET /api/me` and kept in this tab only (lib/auth.ts). As a page when
// nobody is signed in, as a dialog behind the header's "Switch user".

import { useState, type FormEvent } from "react";
import { api, ApiError } from "../lib/api";
import { apiKey, setApiKey } from "../lib/auth";
import type { Me, Person } from "../lib/contract";
import { Button } from "./ui";

/** The form: checks the key, keeps it on success and calls `onSignedIn`; the previous key
 * stays when the new one is refused. */
export function SignInForm({ onSignedIn, error: initial = null }: { onSignedIn: (me: Me) => void; error?: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(initial);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const before = apiKey();
    setBusy(true);
    setApiKey(key.trim());
    try {
      const me = await api.me();
      if (!me.you) throw new Error("the server did not accept a key");
      onSignedIn(me);
    } catch (err) {
      setApiKey(before);
      setError(err instanceof ApiError && err.status === 401 ? "This server does not know that key." : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-3">
      <label className="block text-sm">
        <span className="font-medium text-slate-800">Your key</span>
        <input type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} className="mt-1 block w-full rounded-lg border border-slate-300 px-2.5 py-1.5" />
      </label>
      <p className="text-xs text-slate-600">One of the server's <code>APPGEN_API_KEYS</code>. It stays in this tab and is sent with each request; closing the tab forgets it.</p>
      {error && <p role="alert" className="text-sm text-rose-700">{error}</p>}
      <Button type="submit" variant="primary" disabled={busy || !key.trim()}>Sign in</Button>
    </form>
  );
}

/** The whole page, when this server takes keys and this tab has none. In local mode (where a
 * tab without a key is the local user) an invite link asks too, so it is accepted by the person
 * meant, not by whoever the local user is; `onContinue` goes on as `continueAs`. */
export function SignInPage({ error = null, continueAs = null, onContinue }: { error?: string | null; continueAs?: Person | null; onContinue?: () => void }) {
  return (
    <main className="grid min-h-dvh place-items-center bg-slate-50 p-4">
      <section aria-labelledby="sign-in-title" className="w-full max-w-sm space-y-4 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <h1 id="sign-in-title" className="text-lg font-semibold">Sign in with your key</h1>
        {/* Reloaded with the key: an invite link in the URL is accepted then. */}
        <SignInForm error={error} onSignedIn={() => location.reload()} />
        {continueAs && onContinue && (
          <Button variant="ghost" onClick={onContinue}>Continue as {continueAs.name}</Button>
        )}
      </section>
    </main>
  );
}

/** "Switch user": the same form over the app. */
export function SwitchUserDialog({ onClose }: { onClose: () => void }) {
  return (
    <div role="dialog" aria-modal="true" aria-labelledby="switch-title" className="fixed inset-0 z-40 grid place-items-center bg-slate-900/30 p-4" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="w-full max-w-sm space-y-4 rounded-xl bg-white p-4 shadow-xl">
        <div className="flex items-center">
          <h2 id="switch-title" className="font-semibold">Switch user</h2>
          <Button variant="ghost" size="sm" className="ml-auto" onClick={onClose} aria-label="Close">✕</Button>
        </div>
        <SignInForm onSignedIn={() => location.reload()} />
      </div>
    </div>
  );
}
