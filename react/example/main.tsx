import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, settingsFromUrl } from "./App.js";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App settings={settingsFromUrl(new URL(window.location.href))} provider={(window as { ethereum?: never }).ethereum} />
  </StrictMode>,
);
