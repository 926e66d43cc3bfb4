// Vite's `?raw` imports (the file's text, bundled at build time): the Method screen shows docs/method.md.
declare module '*.md?raw' {
  const text: string;
  export default text;
}
