import { useEffect, useState, type FormEvent } from "react";
import { loadItems, saveItems, type Item } from "./storage";

export default function App() {
  const [items, setItems] = useState<Item[]>(loadItems);
  const [title, setTitle] = useState("");
  const [qty, setQty] = useState("");

  useEffect(() => saveItems(items), [items]);

  function add(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    setItems([...items, { id: crypto.randomUUID(), title: title.trim(), qty: Number(qty) || 1 }]);
    setTitle("");
    setQty("");
  }

  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="mb-4 text-3xl font-bold">Shopping list</h1>
      <form onSubmit={add} className="mb-6 flex gap-2">
        <label className="flex flex-col">
          Item
          <input className="rounded bg-white px-2 py-1 text-black" value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="flex flex-col">
          Quantity
          <input type="number" min="1" max="99" className="w-20 rounded bg-white px-2 py-1 text-black" value={qty} onChange={(e) => setQty(e.target.value)} />
        </label>
        <button type="submit" className="self-end rounded bg-[forestgreen] px-4 py-1 text-white">
          Add
        </button>
      </form>
      <ul aria-label="Items">
        {items.map((item) => (
          <li key={item.id}>
            {item.title} × {item.qty}
          </li>
        ))}
      </ul>
      <p className="mt-4 text-sm">{items.length} item(s)</p>
    </main>
  );
}
