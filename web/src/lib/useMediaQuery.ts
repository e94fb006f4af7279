import { useSyncExternalStore } from "react";

/** The width at which the threads list stops covering the workspace (Tailwind's `lg`). */
export const DESKTOP = "(min-width: 1024px)";

/** Whether a CSS media query matches now, re-rendering when that changes. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const mql = matchMedia(query);
      mql.addEventListener("change", onChange);
      return () => mql.removeEventListener("change", onChange);
    },
    () => matchMedia(query).matches,
    // Server rendering (tests): assume a desktop.
    () => true,
  );
}
