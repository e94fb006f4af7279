export default function App() {
  const count: number = itemz.length;
  return (
    <main>
      <h1>Broken</h1>
      <p>{count}</p>
    </main>
  );
}
