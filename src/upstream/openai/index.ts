export { createOpenAiProvider } from './provider.js';
