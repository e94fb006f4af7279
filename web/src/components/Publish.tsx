// Publishing: the app at a stable URL on its own origin. The bar shows the URL (open, copy) and
// unpublishes; the versions list publishes a chosen checked version through `usePublished`.
// "Deploy to Vercel" shows only when the server has a Vercel token (`ThreadDetail.vercelDeploy`);
// the request answers at once and the deploy's stages and URL arrive on the thread stream.

import { useCallback, useEffect, useState } from "react";
import { api } from "../lib/api";
import type { DeployView, PublishedView, VersionSummary } from "../lib/contract";
import { onDeploy } from "../lib/deploys";
import { Button } from "./ui";

export type Publishing = {
  published: PublishedView | null;
  status: string;
  publish: (version?: number) => Promise<void>;
  unpublish: () => Promise<void>;
  /** The server can deploy to Vercel. */
  vercel: boolean;
  /** The latest deploy, as the stream last told it. */
  deploy: DeployView | null;
  deployStatus: string;
  deployVercel: () => Promise<void>;
};

/** Only versions whose browser check passed can be published (the server says the same). */
export const publishable = (v: VersionSummary) => v.check?.passed === true;

/** What the thread has published, reloaded when `refresh` changes (its versions, or a run
 *  ending: "publish it" in the chat publishes without a new version). */
export function usePublished(threadId: string, refresh: string): Publishing {
  const [published, setPublished] = useState<PublishedView | null>(null);
  const [status, setStatus] = useState("");
  const [vercel, setVercel] = useState(false);
  const [deploy, setDeploy] = useState<DeployView | null>(null);
  const [deployError, setDeployError] = useState("");
  useEffect(() => {
    let live = true;
    api.thread(threadId).then(
      (d) => {
        if (!live) return;
        setPublished(d.published);
        setVercel(d.vercelDeploy);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [threadId, refresh]);
  const publish = useCallback(
    async (version?: number) => {
      setStatus(version ? `Publishing v${version}…` : "Publishing…");
      try {
        const p = await api.publish(threadId, version);
        setPublished(p);
        setStatus(`Published v${p.version} at ${p.url}`);
      } catch (e) {
        setStatus(e instanceof Error ? e.message : String(e));
      }
    },
    [threadId],
  );
  const unpublish = useCallback(async () => {
    try {
      await api.unpublish(threadId);
      setPublished(null);
      setStatus("Unpublished: the URL now answers 404.");
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  }, [threadId]);
  // The latest deploy: read once (which also ends one whose server stopped), then followed.
  useEffect(() => {
    let live = true;
    api.deploys(threadId).then(
      (l) => live && setDeploy((d) => newer(d, l.deploys[0] ?? null)),
      () => undefined,
    );
    const off = onDeploy((t, d) => t === threadId && setDeploy((cur) => newer(cur, d)));
    return () => {
      live = false;
      off();
    };
  }, [threadId]);
  const deployVercel = useCallback(async () => {
    setDeployError("");
    try {
      const d = await api.deployVercel(threadId);
      setDeploy((cur) => newer(cur, d));
    } catch (e) {
      setDeployError(`Vercel: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, [threadId]);
  const deployStatus = deployError || (deploy ? stageText(deploy) : "");
  return { published, status, publish, unpublish, vercel, deploy, deployStatus, deployVercel };
}

/** The later of two deploys (a stage of the same deploy replaces the one before it). */
function newer(cur: DeployView | null, next: DeployView | null): DeployView | null {
  if (!cur || !next) return next ?? cur;
  if (next.id === cur.id) return next.updatedAt >= cur.updatedAt ? next : cur;
  return next.startedAt >= cur.startedAt ? next : cur;
}

function stageText(d: DeployView): string {
  switch (d.state.stage) {
    case "pending":
      return `Deploying v${d.version} to Vercel…`;
    case "uploading":
      return `Uploading v${d.version}'s files to Vercel…`;
    case "building":
      return `Vercel is making v${d.version} live…`;
    case "ready":
      return `v${d.version} is live on Vercel.`;
    case "failed":
      return `Vercel: ${d.state.message}`;
  }
}

const deploying = (d: DeployView | null) => !!d && d.state.stage !== "ready" && d.state.stage !== "failed";

function VercelDeploy({ p, canPublish }: { p: Publishing; canPublish: boolean }) {
  return (
    <div className="mt-2 flex flex-wrap items-center gap-2 border-t border-slate-100 pt-2 text-sm" data-testid="vercel">
      {p.deploy?.state.stage === "ready" ? (
        <a href={p.deploy.state.url} target="_blank" rel="noopener noreferrer" data-testid="vercel-url" className="break-all text-indigo-700 underline">
          {p.deploy.state.url}
        </a>
      ) : (
        <span className="text-slate-700">Or deploy it to your Vercel account.</span>
      )}
      <Button size="sm" variant="secondary" className="ml-auto" disabled={!canPublish || deploying(p.deploy)} onClick={() => void p.deployVercel()}>
        Deploy to Vercel
      </Button>
      <p role="status" className="w-full text-xs text-slate-600" data-testid="vercel-status">{p.deployStatus}</p>
    </div>
  );
}

export function PublishBar({ p, versions }: { p: Publishing; versions: VersionSummary[] }) {
  const [copied, setCopied] = useState(false);
  const canPublish = versions.some(publishable);
  async function copy(url: string) {
    await navigator.clipboard?.writeText(url).then(() => setCopied(true), () => setCopied(false));
  }
  return (
    <section aria-label="Publish" data-testid="publish" className="mb-3 rounded-xl border border-slate-200 bg-white p-3">
      {p.published ? (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span className="font-medium text-slate-900">Published v{p.published.version}</span>
          <a href={p.published.url} target="_blank" rel="noopener noreferrer" data-testid="published-url" className="break-all text-indigo-700 underline">
            {p.published.url}
          </a>
          <Button size="sm" variant="secondary" onClick={() => p.published && void copy(p.published.url)}>
            {copied ? "Copied" : "Copy"}
            <span className="sr-only"> the published URL</span>
          </Button>
          <Button size="sm" variant="secondary" className="ml-auto" onClick={() => void p.unpublish()}>
            Unpublish
          </Button>
        </div>
      ) : (
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span className="text-slate-700">{canPublish ? "Put the latest checked version online at its own address." : "A version can be published once it passes its check."}</span>
          <Button size="sm" className="ml-auto" disabled={!canPublish} onClick={() => void p.publish()}>
            Publish
          </Button>
        </div>
      )}
      <p role="status" className="mt-1 text-xs text-slate-600" data-testid="publish-status">{p.status}</p>
      {p.vercel && <VercelDeploy p={p} canPublish={canPublish} />}
    </section>
  );
}
