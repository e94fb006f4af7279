import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { SignInPage } from "./components/SignIn";
import { api, ApiError } from "./lib/api";
import { apiKey, setApiKey } from "./lib/auth";
import type { Me } from "./lib/contract";
import { acceptInviteFromUrl, inviteToken } from "./lib/invite";
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

const root = createRoot(document.getElementById("root") as HTMLElement);
const render = (node: ReactNode) => root.render(<StrictMode>{node}</StrictMode>);

/** An invite link in the URL is accepted before the app reads the thread from the URL. */
async function start(me: Me | null) {
  const inviteError = await acceptInviteFromUrl();
  render(<App inviteError={inviteError} me={me} />);
}

// A server with API keys asks a tab with none who it is first: always when nobody is signed
// in, and for an invite link also in local mode (the local user may not be the person invited).
void whoAmI().then(({ me, error }) => {
  const invite = inviteToken(location.pathname) !== null;
  if (me?.keys && (!me.you || (invite && me.local && apiKey() === null))) {
    return render(<SignInPage error={error} continueAs={me.you} onContinue={() => void start(me)} />);
  }
  return start(me);
});
