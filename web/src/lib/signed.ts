// API files that the browser fetches by itself (an <img>'s screenshot, a download link's zip)
// carry no header: when this tab signed in with a key (lib/auth.ts), they are fetched with it
// and handed to the element from memory instead.

import { useEffect, useState, type MouseEvent } from "react";
import { apiKey, authFetch } from "./auth";

/** `url` as an <img> can load it: itself without a key, else an object URL of the response. */
export function useSignedSrc(url: string): string | null {
  const keyed = apiKey() !== null;
  const [src, setSrc] = useState<string | null>(keyed ? null : url);
  useEffect(() => {
    if (!keyed) {
      setSrc(url);
      return;
    }
    let gone = false;
    let made: string | null = null;
    authFetch(url)
      .then((r) => (r.ok ? r.blob() : null))
      .then((b) => {
        if (!b || gone) return;
        made = URL.createObjectURL(b);
        setSrc(made);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url, keyed]);
  return src;
}

/** The file name a Content-Disposition header gives, if any. */
export function dispositionName(header: string | null): string | null {
  const m = /filename="?([^";]+)"?/i.exec(header ?? "");
  return m?.[1] ?? null;
}

/** A download link's click: with a key, the file is fetched with it and saved from memory. */
export function signedDownload(e: MouseEvent<HTMLAnchorElement>): void {
  if (apiKey() === null) return;
  e.preventDefault();
  const url = e.currentTarget.href;
  void authFetch(url).then(async (r) => {
    if (!r.ok) return;
    const made = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = made;
    a.download = dispositionName(r.headers.get("content-disposition")) ?? "download";
    a.click();
    setTimeout(() => URL.revokeObjectURL(made), 10_000);
  });
}
