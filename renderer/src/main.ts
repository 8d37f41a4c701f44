/** Entry of the renderer in browser mode: token, WebSocket client, stores, app. */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { takeSessionToken } from './api/token.ts';
import { createWsClient, defaultWsUrl } from './api/ws_client.ts';
import { setLabClient } from './api/lab.ts';
import { connection } from './connection.ts';
import './style.css';

const token = takeSessionToken();
if (token) {
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
