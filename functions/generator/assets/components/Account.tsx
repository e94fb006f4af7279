import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { auth, backend, type User } from "../lib/backend";

// Sign-in for an app whose records are private to each person (docs/appdata.md): until someone
// signs in, the app shows the sign-in form; once signed in, the app itself, keyed by the user so
// nothing of one person's list survives into another's. Where the app has no backend (a file
// server) sign-in cannot work: the app runs on this page and
// says so.

const where = backend.space === "preview" ? "this preview" : "this page";
const forgetful = `You'll be signed out when you close ${where}.`;

function useUser(): User | null {
  const [user, setUser] = useState<User | null>(auth.user());
  useEffect(() => {
    const stop = auth.onChange(setUser);
    // A session kept from an earlier visit may have expired on the server.
    void auth.check();
    return stop;
  }, []);
  return user;
}

function SignIn({ what }: { what: string }) {
  const uid = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function go(action: "signUp" | "signIn") {
    if (!email.trim() || !password) {
      setError("Enter your email and a password.");
      return;
    }
    if (action === "signUp" && password.length < 8) {
      setError("Choose a password of at least 8 characters.");
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await auth[action](email.trim(), password);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not reach the server. Try again.");
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void go("signIn");
  }

  return (
    <form className="card form account" onSubmit={submit} noValidate aria-label="Sign in">
      <h2>Sign in</h2>
      <p className="muted">
        Your {what} are private: only you see them. New here? Enter your email and a password of at least 8 characters, then choose Sign up.
      </p>
      <div className="form-grid">
        <div className="control">
          <label htmlFor={`${uid}-email`}>Email</label>
          <input id={`${uid}-email`} name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="control">
          <label htmlFor={`${uid}-password`}>Password</label>
          <input id={`${uid}-password`} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
      </div>
      {error ? (
        <p className="error" role="alert">{error}</p>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn primary" disabled={busy}>Sign in</button>
        <button type="button" className="btn ghost" disabled={busy} onClick={() => void go("signUp")}>Sign up</button>
      </div>
      {auth.persistent ? null : <p className="muted small">{forgetful}</p>}
    </form>
  );
}

function SignedIn({ user }: { user: User }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="card account-bar section-head">
      <span>
        Signed in as <strong>{user.email}</strong>
        {auth.persistent ? null : <span className="muted small"> · {forgetful}</span>}
      </span>
      <button type="button" className="btn ghost small" onClick={() => auth.signOut().catch((e: Error) => setError(e.message))}>Sign out</button>
      {error ? (
        <p className="error" role="alert">{error}</p>
      ) : null}
    </div>
  );
}

export function Account({ what, children }: { what: string; children: ReactNode }) {
  const user = useUser();
  if (!auth.available) {
    return (
      <>
        <p className="notice" role="note">Sign-in needs appgen's data service, which this copy of the app is not served by: entries stay on this page.</p>
        {children}
      </>
    );
  }
  if (!user) return <SignIn what={what} />;
  return (
    <div className="stack" key={user.id}>
      <SignedIn user={user} />
      {children}
    </div>
  );
}
