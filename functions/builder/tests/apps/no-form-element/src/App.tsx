import { useState } from "react";

interface Task {
  title: string;
  category: string;
  due: string;
  priority: number;
  urgent: boolean;
  notes: string;
}

// No <form>: a button with onClick, labels not tied to their inputs, and every field required.
export default function App() {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [title, setTitle] = useState("");
  const [category, setCategory] = useState("");
  const [due, setDue] = useState("");
  const [priority, setPriority] = useState("");
  const [urgent, setUrgent] = useState(false);
  const [notes, setNotes] = useState("");
  const [error, setError] = useState("");

  function add() {
    const p = Number(priority);
    if (!title || !category || !due || !notes || !urgent || !(p >= 1 && p <= 5)) {
      setError("Please fill in every field.");
      return;
    }
    setTasks([...tasks, { title, category, due, priority: p, urgent, notes }]);
    setTitle("");
    setNotes("");
    setError("");
  }

  return (
    <main className="p-8">
      <h1 className="text-2xl font-bold">Tasks</h1>
      <div className="flex flex-col gap-2">
        <div>
          <label>Task</label>
          <input className="bg-white text-black" value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <select aria-label="Category" value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">Choose a category</option>
          <option value="home">Home</option>
          <option value="work">Work</option>
        </select>
        <input type="date" aria-label="Due date" value={due} onChange={(e) => setDue(e.target.value)} />
        <input type="number" min="1" max="5" placeholder="Priority (1-5)" value={priority} onChange={(e) => setPriority(e.target.value)} />
        <label>
          <input type="checkbox" checked={urgent} onChange={(e) => setUrgent(e.target.checked)} /> Urgent
        </label>
        <textarea placeholder="Notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
        <div>
          <button className="bg-gray-200 text-black" onClick={() => setTasks([])}>Clear all</button>
          <button className="bg-[forestgreen] text-white" onClick={add}>Add task</button>
        </div>
      </div>
      {error && <p role="alert">{error}</p>}
      <ul>
        {tasks.map((t, i) => (
          <li key={i}>
            {t.title} ({t.category}, due {t.due}, priority {t.priority}) — {t.notes}
          </li>
        ))}
      </ul>
    </main>
  );
}
