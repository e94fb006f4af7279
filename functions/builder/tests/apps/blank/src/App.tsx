export default function App() {
  return <div className="min-h-screen" />;
}
