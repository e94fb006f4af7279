import { createRoot } from "react-dom/client";
import "./index.css";
import App from "./App";

// Never returns: the page never finishes loading.
let spins = 0;
while (Date.now() > 0) {
  spins++;
}

createRoot(document.getElementById("root")!).render(<App />);
console.log(spins);
