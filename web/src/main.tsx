import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { acceptInviteFromUrl } from "./lib/invite";
import "./index.css";

// An invite link is accepted before the app reads the thread from the URL.
void acceptInviteFromUrl().then((inviteError) =>
  createRoot(document.getElementById("root") as HTMLElement).render(
    <StrictMode>
      <App inviteError={inviteError} />
    </StrictMode>,
  ),
);
