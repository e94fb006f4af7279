import { useState, type FormEvent } from "react";

export default function App() {
  const [title, setTitle] = useState("");
  const [saved, setSaved] = useState(0);

  function add(e: FormEvent) {
    e.preventDefault();
    setSaved(saved + 1);
    setTitle("");
  }

  return (
    <main className="p-8">
      <h1 className="text-3xl font-bold">Notes</h1>
      <form onSubmit={add}>
        <input aria-label="Note" className="bg-white text-black" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit" className="bg-[forestgreen] text-white">Save</button>
      </form>
      {saved > 0 && <p>Saved! ({saved})</p>}
    </main>
  );
}
