// The wireframe the agent drew, in a sandbox with no permissions at all (no scripts).

export function WireframeView({ html, running }: { html: string | null | undefined; running: boolean }) {
  if (!html) {
    return (
      <div className="grid h-full place-items-center p-8 text-center text-sm text-muted">
        <p>{running ? "The wireframe appears here once the requirements are settled." : "No wireframe for this app yet."}</p>
      </div>
    );
  }
  return (
    <div className="h-full bg-slate-100 p-3">
      <iframe title="Wireframe" srcDoc={html} sandbox="" data-testid="wireframe-frame" className="block h-full w-full rounded-lg bg-white shadow-sm ring-1 ring-slate-200" />
    </div>
  );
}
