/** Connection state shown in the header. */
import { reactive } from 'vue';

/** Whether the lab server is reachable, and whether the page was opened without a token. */
export const connection = reactive({ connected: false, missingToken: false });
