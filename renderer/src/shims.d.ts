/** Module shapes of the files Vite resolves that TypeScript alone does not know. */
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare module '*?url' {
  const url: string;
  export default url;
}

declare module '*.css';
