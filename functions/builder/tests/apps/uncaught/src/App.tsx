interface Settings {
  theme: { color: string };
}

export default function App() {
  const settings = JSON.parse("{}") as Settings;
  return (
    <main>
      <h1>Settings</h1>
      <p>{settings.theme.color}</p>
    </main>
  );
}
