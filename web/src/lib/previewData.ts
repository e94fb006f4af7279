// The preview's data space (docs/appdata.md): every version's preview of an app shares it, so
// records made while trying one version are still there in the next. "Reset preview data"
// empties it through the data API, which the preview URL itself opens: the URL
// `{origin}/p/{thread}/{version}/{token}/` is also the space's key `{version}.{token}`.

export interface PreviewData {
  /** `POST` here empties the preview space. */
  resetUrl: string;
  /** `X-App-Key`. */
  key: string;
}

export function previewDataOf(previewUrl: string): PreviewData | null {
  let url: URL;
  try {
    url = new URL(previewUrl);
  } catch {
    return null;
  }
  const m = /^(.*)\/p\/([A-Za-z0-9._-]+)\/(\d+)\/([0-9a-f]+)\/?$/.exec(url.pathname);
  if (!m) return null;
  const [, prefix, thread, version, token] = m;
  return { resetUrl: `${url.origin}${prefix}/data/${thread}/preview/_reset`, key: `${version}.${token}` };
}

/** Empties the preview space; the number of records deleted, or an error with the server's message. */
export async function resetPreviewData(previewUrl: string, fetchImpl: typeof fetch = fetch): Promise<number> {
  const where = previewDataOf(previewUrl);
  if (!where) throw new Error("This preview has no data space.");
  const resp = await fetchImpl(where.resetUrl, { method: "POST", headers: { "x-app-key": where.key } });
  const body = (await resp.json().catch(() => null)) as { deleted?: number; error?: { message?: string } } | null;
  if (!resp.ok) throw new Error(body?.error?.message ?? `The preview's data service answered ${resp.status}.`);
  return body?.deleted ?? 0;
}
