import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { SignInPage } from "./components/SignIn";
import { api, ApiError } from "./lib/api";
import { setApiKey } from "./lib/auth";
import type { Me } from "./lib/contract";
import { acceptInviteFromUrl } from "./lib/invite";
import "./index.css";

/** Who this tab is; a key the server no longer knows is forgotten (the page then asks again). */
async function whoAmI(): Promise<{ me: Me | null; error: string | null }> {
  try {
    return { me: await api.me(), error: null };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) return { me: null, error: null };
    setApiKey(null);
    return { me: await api.me().catch(() => null), error: "This server does not know the key this tab had." };
  }
}

const render = (node: ReactNode) => createRoot(document.getElementById("root") as HTMLElement).render(<StrictMode>{node}</StrictMode>);

// A server with API keys and a tab with none asks who you are first; then an invite link is
// accepted before the app reads the thread from the URL.
void whoAmI().then(async ({ me, error }) => {
  if (me && !me.you && me.keys) return render(<SignInPage error={error} />);
  const inviteError = await acceptInviteFromUrl();
  render(<App inviteError={inviteError} me={me} />);
});
