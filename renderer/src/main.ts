/**
 * Entry of the renderer: in the desktop app the preload's IPC bridge (`window.skillLab`), in browser
 * mode the session token and a WebSocket; then the stores and the app.
 */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { takeSessionToken } from './api/token.ts';
import { createWsClient, defaultWsUrl } from './api/ws_client.ts';
import { setLabClient } from './api/lab.ts';
import { createIpcClient } from './api/ipc_client.ts';
import { connection } from './connection.ts';
import './style.css';

const token = window.skillLab ? null : takeSessionToken();
if (window.skillLab) {
  setLabClient(
    createIpcClient(window.skillLab, { onProtocolError: (message) => console.warn(`skill-lab: ${message}`) }),
  );
  connection.connected = true;
} else if (token) {
  setLabClient(
    createWsClient({
      url: defaultWsUrl(token),
      onConnectionChange: (up) => (connection.connected = up),
      onProtocolError: (message) => console.warn(`skill-lab: ${message}`),
    }),
  );
} else {
  connection.missingToken = true;
}
createApp(App).use(createPinia()).mount('#app');
