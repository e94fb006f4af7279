// Deploys' stages as the thread stream tells them (`deploy` events), handed from the one
// stream follower (useAppgen) to whoever shows them (Publish), without a second stream.

import type { DeployView } from "./contract";

type Listener = (threadId: string, deploy: DeployView) => void;

const listeners = new Set<Listener>();

export function announceDeploy(threadId: string, deploy: DeployView): void {
  for (const l of listeners) l(threadId, deploy);
}

/** Listens to deploy events; returns the unsubscribe. */
export function onDeploy(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
